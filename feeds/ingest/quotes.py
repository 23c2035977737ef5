"""Quotes and their speakers: French (« … », a déclaré X) and English (“…,” said X) releases."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from feeds.ingest.markup import clean_text, html_to_text
from feeds.model import Quote

# Speech verbs introducing or closing a quote.
SPEECH_VERBS = (
    "déclaré|déclare|souligné|souligne|ajouté|ajoute|indiqué|indique|expliqué|explique|précisé|précise|"
    "affirmé|affirme|rappelé|rappelle|estimé|estime|conclu|conclut|commenté|commente|insisté|insiste|"
    "annoncé|annonce|salué|salue|confié|confie|réagi|réagit|poursuivi|poursuit|martelé|assuré|assure|"
    "témoigné|noté|note|observé|relevé|lancé|résumé|résume|said|says|stated|added|explained|noted"
)
NAME = r"(?:[A-ZÉÈÀÂÎÔÛÇ][\w'’\-]+|d[eu]|de la|van|von|Le|La)(?:\s+(?:[A-ZÉÈÀÂÎÔÛÇ][\w'’\-]+|d[eu]|de la|van|von))*"
QUOTE_SPANS = re.compile(r"«\s*(?P<a>[^«»]{10,}?)\s*»|“(?P<b>[^“”]{10,}?)”|\"(?P<c>[^\"\n]{10,}?)\"")
AFTER_QUOTE = re.compile(
    rf"^\s*[,.]?\s*(?:a|ont|avait)?\s*(?:notamment|ainsi|également|aussi|encore|alors|enfin)?\s*(?:{SPEECH_VERBS})"
    rf"\s+(?P<speaker>{NAME})(?:\s*,\s*(?P<role>[^.«»\n]{{3,160}}))?",
)
BEFORE_QUOTE = re.compile(
    rf"(?:Pour|Selon|D'après|Comme l'explique|Comme le souligne)\s+(?P<speaker>{NAME})"
    rf"(?:\s*,\s*(?P<role>[^:«»\n]{{3,160}}?))?\s*,?\s*:?\s*$",
)


def extract_quotes(text: str, language: str | None = None) -> list[Quote]:
    """Quotes in « », “ ” or " " with the speaker named just after (a déclaré X) or before (Pour X :).

    ``language`` (ISO 639-1) chooses the speech verbs first tried; None tries every EU language."""
    quotes: list[Quote] = []
    for m in QUOTE_SPANS.finditer(text):
        body = clean_text(m["a"] or m["b"] or m["c"])
        if len(body.split()) < 6:
            continue  # names of events, titles: « MOOC of the year »
        found = (AFTER_QUOTE.match(text[m.end(): m.end() + 300])  # the speaker after the quote, else before it
                 or BEFORE_QUOTE.search(text[max(0, m.start() - 300): m.start()]))
        speaker = clean_text(found["speaker"]) if found else None
        role = clean_text(found["role"]).rstrip(" ,;") if found and found["role"] else None
        quotes.append(Quote(text=body, speaker=speaker or None, role=role or None))
    return quotes


# ---------------------------------------------------------------- English releases (HTML pages, GOV.UK, feeds)

EN_SPEECH = r"said|says|added|stated|continued|concluded|explained|noted|commented|remarked|urged|warned|insisted"
_DQ = "\"“”„"
# Words that describe a speaker's office rather than name them ("Attorney General Keith Ellison").
_OFFICE_WORDS = {
    "attorney", "general", "lieutenant", "governor", "prime", "minister", "secretary", "president", "vice",
    "mayor", "senator", "sen.", "representative", "rep.", "gov.", "commissioner", "director", "chief",
    "executive", "deputy", "assistant", "judge", "justice", "chair", "chairman", "chairwoman", "co-chair",
    "member", "task", "force", "council", "state", "solicitor", "auditor", "treasurer", "sheriff",
    "superintendent", "ag", "minnesota", "office", "of", "the", "for", "and", "health", "home", "crime",
    "prevention", "first", "social", "security", "cabinet", "us", "u.s.", "federal", "county", "city",
}
_PRONOUNS = {"he", "she", "they", "i", "we"}
_WHO = r"[A-Z][\w.’'\-]*(?:\s+(?:[A-Z][\w.’'\-]*|of|the|for|and|co-chair|de|van|von)){0,7}"
_AFTER_EN = re.compile(
    rf"^\s*[,.!?]?\s*(?:(?:{EN_SPEECH})\s+(?P<who1>{_WHO}|he|she|they)|(?P<who2>{_WHO}|[Hh]e|[Ss]he|[Tt]hey)\s+"
    rf"(?:{EN_SPEECH}))(?:\s*,\s*(?P<role>(?:[^.\"“”]|\.(?=\S)|(?<=\b[A-Z])\.){{3,160}}?))?\s*(?:(?<!\b[A-Z])[.,:;]|$)",
)
_BEFORE_EN = re.compile(rf"(?P<who>{_WHO})\s*(?:,\s*(?P<role>[^.\"“”]{{3,160}}?),?)?\s+(?:{EN_SPEECH})\s*[,:]\s*$")
_INTRO_EN = re.compile(
    rf"^(?P<who>[^.:\"“”]{{3,200}}?)\s+(?:{EN_SPEECH}|issued the following statement|released the following"
    rf" statement|made the following statement)\b[^\"“”]*:\s*$"
)


def split_speaker(who: str, role: str | None = None) -> tuple[str | None, str | None]:
    """'Attorney General Keith Ellison' -> ('Keith Ellison', 'Attorney General'); role after a comma kept."""
    who = re.sub(r"\s+", " ", who).strip(" ,")
    if "," in who and role is None:
        who, role = (part.strip() for part in who.split(",", 1))
    words = who.split()
    # The name is the trailing run of capitalised words that are not words of an office.
    start = len(words)
    while start > 0 and words[start - 1][:1].isupper() and words[start - 1].lower() not in _OFFICE_WORDS:
        start -= 1
    if start == len(words):  # "Attorney General Ellison" where every word is an office: keep the last one
        start = len(words) - 1
    name = re.sub(r"(?<=\w\w)\.$", "", " ".join(words[start:])) or None  # sentence full stop, not an initial
    office = " ".join(words[:start]).strip() or None
    roles = [r for r in (office, (role or "").strip(" ,;") or None) if r]
    return name, ", ".join(roles) or None


def quote_paragraphs(body_html: str) -> list[str]:
    """Plain paragraphs of a body for quote finding; a blockquote's paragraphs come back inside “ ”."""
    if not body_html.strip():
        return []
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    for bq in root.iter("blockquote"):
        inner = [p for p in bq.iter("p")] or [bq]
        for p in inner:
            p.text = "“" + (p.text or "")
        last = inner[-1]
        if len(last):
            last[-1].tail = (last[-1].tail or "") + "”"
        else:
            last.text = (last.text or "") + "”"
    return [p for p in re.split(r"\n\s*\n", html_to_text(lxml_html.tostring(root, encoding="unicode"))) if p.strip()]


def _spans(paragraph: str) -> tuple[list[tuple[int, int]], bool]:
    """(start, end) of each double-quoted span, and whether the paragraph ends inside an open quote.

    Straight and curly quotes are mixed in real pages (entities next to repaired mojibake), so any double
    quote mark toggles.
    """
    spans, start = [], None
    for i, ch in enumerate(paragraph):
        if ch in _DQ:
            if start is None:
                start = i
            else:
                spans.append((start, i + 1))
                start = None
    if start is not None:
        spans.append((start, len(paragraph)))
    return spans, start is not None


def extract_quotes_en(paragraphs: list[str]) -> list[Quote]:
    """Quotes of an English release: “…,” said X / “…,” X said / X said, “…” / X said: then quoted paragraphs.

    A quote running over several paragraphs (each opening with a quote mark, only the last closing) is one quote;
    a quote resumed right after its attribution (“…,” said X. “…”) belongs to the same speaker. Quoted phrases
    inside a sentence with nobody named are titles or citations, not quotes.
    """
    quotes: list[Quote] = []
    pending: list[str] = []  # text of a quote still open at the end of the previous paragraph
    intro: tuple[str | None, str | None] | None = None
    for paragraph in paragraphs:
        paragraph = " ".join(paragraph.split())
        m = _INTRO_EN.match(paragraph)
        if m and not _spans(paragraph)[0]:
            intro = split_speaker(m["who"])
            continue
        if (intro or pending) and paragraph[:1] in "‘'":
            # British style: a quote in single marks after "X said:"
            paragraph = "“" + paragraph[1:]
            paragraph = re.sub(r"[’']([.,!?]?)$", r"\1”", paragraph)
        spans, open_at_end = _spans(paragraph)
        if not spans:
            intro, pending = None, []
            continue
        speaker, texts = _attributed(paragraph, spans, quotes)
        text = " ".join(t for t in pending + texts if t)
        if open_at_end and spans[-1][0] == 0 or (open_at_end and texts and spans[-1][1] == len(paragraph)):
            pending = [text]
            continue
        pending = []
        if len(text.split()) < 6:
            continue  # a quoted name or phrase, not a quote
        if speaker is None and intro:
            speaker = intro
        speaker = speaker or (None, None)
        quotes.append(Quote(text=text, speaker=speaker[0], role=speaker[1]))
    return quotes


def _attributed(paragraph: str, spans: list[tuple[int, int]], quotes: list[Quote]
                ) -> tuple[tuple[str | None, str | None] | None, list[str]]:
    """The speaker of a paragraph's quoted spans and the texts of the spans that are quotes: those attributed
    to someone, and those opening the paragraph or resuming right after an attribution."""
    speaker: tuple[str | None, str | None] | None = None
    texts: list[str] = []
    resume_at = 0  # where a quote may resume after an attribution
    for start, end in spans:
        attributed = None
        after = _AFTER_EN.match(paragraph[end:end + 240])
        before = None if after else _BEFORE_EN.search(paragraph[max(0, start - 240):start])
        found = after or before
        if found:
            groups = found.groupdict()
            who = groups.get("who1") or groups.get("who2") or groups.get("who") or ""
            if who.lower() in _PRONOUNS:
                attributed = speaker or ((quotes[-1].speaker, quotes[-1].role) if quotes else (None, None))
            else:
                attributed = split_speaker(who, found["role"])
        opens_paragraph = start == 0 or (texts and not paragraph[resume_at:start].strip())
        if not (attributed or opens_paragraph):
            continue
        if attributed and speaker is None:
            speaker = attributed
        elif attributed and attributed != speaker and texts:
            break  # another person speaks: keep paragraphs one speaker each
        body = paragraph[start + 1:end].strip()
        body = body[:-1].strip() if body[-1:] in _DQ else body
        texts.append(re.sub(r",$", ".", body))
        resume_at = end + (after.end() if after else 0)
    return speaker, texts
