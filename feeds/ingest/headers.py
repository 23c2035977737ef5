"""The header lines of a press release in the EU languages: the line naming its kind, the embargo line.

No library knows what publishers call a press release, so this is one table: the words each language puts
at the head of a release for each kind (feeds/kinds.py codes), written in lower case, accents and all (they
are matched without their accents and case, so « COMUNICADO DE IMPRENSA » and « Comunicado de Imprensa » both
match). A word may carry a little regex: ``s?``, ``(?:…)?``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from feeds.ingest.dates import _plain

# kind → the words naming it at the head of a release, most specific first within each kind.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "dossier": (
        r"dossiers? de presse", r"pressemappe", r"pressedossier", r"pressekit", r"cartella stampa",
        r"dossier stampa", r"kit stampa", r"dossier de prensa", r"dossier informativo", r"persmap", r"persdossier",
        r"dossier de imprensa", r"kit de imprensa", r"press kit", r"press pack", r"media kit", r"teczka prasowa",
        r"pressmapp", r"pressekit", r"mediapaketti", r"tisková souprava", r"sajtócsomag", r"dosar de presă",
    ),
    "invitation": (
        r"invitations?(?: (?:presse|aux? médias?|à la presse))?", r"avis aux (?:médias|rédactions)",
        r"note aux rédactions", r"einladung(?: zur pressekonferenz| an die medien)?", r"presseeinladung",
        r"medieneinladung", r"medienhinweis", r"terminhinweis", r"presseeinladung", r"avviso ai media",
        r"invito(?: stampa| ai media)?", r"convocatoria(?: de prensa| a (?:los )?medios)?",
        r"aviso a (?:los )?medios", r"convite(?: à imprensa| aos media)?", r"aviso à imprensa",
        r"(?:pers)?uitnodiging", r"persbericht uitnodiging", r"media advisory", r"media invitation",
        r"invitation to (?:the )?media", r"zaproszenie(?: dla mediów)?", r"mediakutsu", r"kutsu",
        r"pressinbjudan", r"inbjudan", r"invitation til pressen", r"pozvánka(?: pro média)?",
        r"meghívó", r"invitație", r"πρόσκληση", r"покана", r"pozivnica", r"vabilo", r"kvietimas",
        r"ielūgums", r"kutse",
    ),
    "declaration": (
        r"déclarations?(?: commune)?", r"erklärung", r"stellungnahme", r"dichiarazione", r"declaración",
        r"verklaring", r"statement", r"joint statement", r"declaração", r"oświadczenie", r"lausunto",
        r"uttalande", r"udtalelse", r"erklæring", r"prohlášení", r"vyhlásenie", r"nyilatkozat", r"declarație",
        r"δήλωση", r"изявление", r"izjava", r"pareiškimas", r"paziņojums", r"avaldus", r"ráiteas", r"dikjarazzjoni",
    ),
    "communique": (
        r"communiqués?(?: de presse| commun| conjoint)?", r"pressemitteilung", r"medienmitteilung",
        r"presseinformation", r"pressemeldung", r"pressemitteilungen", r"comunicato(?: stampa)?",
        r"nota (?:de prensa|stampa|informativa)", r"comunicado(?: de prensa| de imprensa| à imprensa)?",
        r"nota de imprensa", r"nota à comunicação social", r"persbericht", r"perscommuniqué", r"persmededeling",
        r"press release", r"news release", r"media release", r"press notice", r"komunikat(?: prasowy)?",
        r"informacja prasowa", r"(?:lehdistö)?tiedote", r"pressmeddelande", r"pressemeddelelse",
        r"tisková zpráva", r"tlačová správa", r"sajtóközlemény", r"comunicat(?: de presă)?",
        r"δελτίο τύπου", r"съобщение за медиите", r"прессъобщение", r"priopćenje(?: za medije)?",
        r"sporočilo za (?:javnost|medije)", r"pranešimas spaudai", r"paziņojums presei", r"pressiteade",
        r"preaseisiúint", r"stqarrija(?: għall-midja)?",
    ),
}

# The words of an embargo line before its instant: « Sous embargo jusqu'au 15 mars 2019, 6h00 ».
EMBARGO_WORDS = (
    r"(?:sous )?embargo(?: (?:jusqu['’] ?(?:au|à)|avant le))?",  # fr
    r"sperrfrist(?: bis)?", r"embargo(?: bis)?",  # de
    r"embargo (?:fino (?:al|alle|a)|sino (?:al|alle))", r"sotto embargo(?: fino (?:al|alle|a))?",  # it
    r"embargo hasta(?: el| las| la)?", r"embargada hasta(?: el| las)?",  # es
    r"embargo tot(?: en met)?",  # nl
    r"(?:sob )?embargo até(?: às| ao| a)?",  # pt
    r"embargoed?(?: (?:until|till|to))?", r"under embargo until", r"not for (?:publication|release) (?:before|until)",
    r"embargo do",  # pl
    r"embargo till",  # sv
)
KIND_HEADER_MAX = 80  # a longer line is a sentence, whatever its first words
EMBARGO_MAX = 120
QUALIFIER_WORDS = 2  # « Comunicato stampa congiunto », « Pressemitteilung Nr. 12/2022 »: still the header
_SEPARATOR = re.compile(r"^\s*(?:[–—:|/]|-\s)\s*")


def _regex(word: str) -> str:
    return _plain(word).replace(" ?", r"\s?").replace(" ", r"\s+")


@dataclass(frozen=True)
class _Words:
    """Words to match at the start of a line: ``any`` says whether one does, cheaply; ``each`` finds the
    longest (« embargo hasta el », not « embargo »)."""

    any: re.Pattern
    each: tuple[re.Pattern, ...]

    def match(self, flat: str) -> int | None:
        """The end of the longest match at the start of ``flat``, or None."""
        if not self.any.match(flat):
            return None
        return max(m.end() for rx in self.each if (m := rx.match(flat)))


def _words(words: tuple[str, ...]) -> _Words:
    return _Words(re.compile(rf"^(?:{'|'.join(map(_regex, words))})(?!\w)"),
                  tuple(re.compile(rf"^(?:{_regex(w)})(?!\w)") for w in words))


@lru_cache(maxsize=1)
def _kinds() -> tuple[tuple[str, _Words], ...]:
    return tuple((kind, _words(words)) for kind, words in KIND_WORDS.items())


@lru_cache(maxsize=1)
def _embargo() -> _Words:
    return _words(EMBARGO_WORDS)


def _flat(line: str) -> str:
    """The line as the tables are matched: one space between words, no accents, lower case."""
    return _plain(" ".join(line.split()).strip(" *_#>"))


def kind_of(line: str) -> str | None:
    """The kind (feeds/kinds.py code) a short line names at its start: « Pressemitteilung » → "communique"."""
    found = kind_header(line, strict=False)
    return found[0] if found else None


def kind_header(line: str, strict: bool = True) -> tuple[str, str] | None:
    """(kind, rest) when ``line`` is a kind header: the kind's words alone, with a short qualifier
    (« Comunicato stampa congiunto »), or followed by a dash or colon and more (« Communiqué de presse –
    Toulouse, le 25 janvier 2018 »: the rest is « Toulouse, le 25 janvier 2018 »). Not ``strict``: any line
    that starts with the kind's words."""
    flat = _flat(line)
    if len(flat) >= KIND_HEADER_MAX:
        return None
    for kind, words in _kinds():
        if (end := words.match(flat)) is not None:
            rest = flat[end:]
            if sep := _SEPARATOR.match(rest):
                return kind, _original_tail(line, len(rest) - sep.end())
            if not strict or len(rest.split()) <= QUALIFIER_WORDS:
                return kind, ""
    return None


def _original_tail(line: str, length: int) -> str:
    """The last ``length`` characters of the flattened line, in the line's own spelling (accents and case)."""
    original = unicodedata.normalize("NFC", " ".join(line.split()).strip(" *_#>"))
    if len(_plain(original)) != len(original):  # a letter whose lower case is longer: keep the flat spelling
        original = _plain(original)
    return original[len(original) - length:] if length else ""


def embargo(line: str) -> str | None:
    """The instant an embargo line names, as written (« 15 mars 2019, 6h00 », « 12. März 2024, 10:00 Uhr »);
    "" for an embargo line without one; None when the line is not an embargo line."""
    flat = _flat(line)
    if len(flat) >= EMBARGO_MAX:
        return None
    end = _embargo().match(flat)
    if end is None:
        return None
    rest = flat[end:]
    tail = _original_tail(line, len(rest))
    return re.sub(r"^\s*[:：,–—-]?\s*", "", tail).strip()
