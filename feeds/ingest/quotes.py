"""Quotes and their speakers in the EU languages (« … », a déclaré X ; „…“, sagte X ; "…", ha dichiarato X ;
"…", aldus X …), and English releases (“…,” said X) with a reading of their own."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from feeds.ingest.markup import clean_text, html_to_text
from feeds.model import Quote

# ---------------------------------------------------------------- speech verbs, in the forms releases use

SPEECH_VERBS = {
    "fr": "déclaré|déclare|souligné|souligne|ajouté|ajoute|indiqué|indique|expliqué|explique|précisé|précise|"
          "affirmé|affirme|rappelé|rappelle|estimé|estime|conclu|conclut|commenté|commente|insisté|insiste|"
          "annoncé|annonce|salué|salue|confié|confie|réagi|réagit|poursuivi|poursuit|martelé|assuré|assure|"
          "témoigné|noté|note|observé|relevé|lancé|résumé|résume|dit",
    "de": "sagte|sagt|erklärte|erklärt|betonte|betont|ergänzte|ergänzt|unterstrich|unterstreicht|so|meinte|meint|"
          "bekräftigte|bekräftigt|versicherte|kommentierte|kommentiert|resümierte|bilanzierte|erläuterte|"
          "erläutert|mahnte|warnte|forderte|äußerte",
    "it": "dichiarato|dichiara|detto|dice|afferma|affermato|sottolineato|sottolinea|commenta|commentato|spiegato|"
          "spiega|aggiunto|aggiunge|evidenziato|evidenzia|osservato|osserva|precisato|precisa|ricordato|ricorda|"
          "concluso|conclude|annunciato|annuncia|ribadito|ribadisce|rimarcato|rimarca",
    "es": "afirmó|afirma|afirmado|declaró|declara|declarado|señaló|señala|señalado|explicó|explica|explicado|"
          "dijo|dice|dicho|destacó|destaca|destacado|aseguró|asegura|asegurado|añadió|añade|añadido|subrayó|"
          "subraya|subrayado|indicó|indica|indicado|manifestó|manifestado|apuntó|resaltó|resaltado|recordó|"
          "recordado|comentó|comentado|sostuvo|precisó|precisado|concluyó",
    "nl": "zei|zegt|verklaarde|verklaart|aldus|benadrukte|benadrukt|stelt|stelde|vertelt|vertelde|meldt|"
          "reageert|reageerde",
    "pt": "afirmou|disse|diz|declarou|sublinhou|sublinha|explicou|referiu|refere|acrescentou|salientou|destacou|"
          "frisou|considerou|garantiu",
    "pl": "powiedział|powiedziała|podkreślił|podkreśliła|dodał|dodała|zaznaczył|zaznaczyła|stwierdził|"
          "stwierdziła|wyjaśnił|wyjaśniła",
    "en": "said|says|stated|added|explained|noted",
}
_VERB = "(?:" + "|".join(sorted({v for verbs in SPEECH_VERBS.values() for v in verbs.split("|")}, key=len,
                                reverse=True)) + r")(?:-t-(?:il|elle)|-(?:il|elle))?(?![\w-])"
# Auxiliaries of compound tenses (a déclaré, ha dichiarato, ha afirmado) and adverbs around the verb.
_AUX = r"(?:a|ont|avait|ha|hanno|aveva|han|había|heeft|hebben|tem|has|had|hat)(?:-t-(?:il|elle|ils|elles))?\s+"
_ADV = (r"(?:notamment|ainsi|également|aussi|encore|alors|enfin|dazu|außerdem|zudem|auch|weiter|ferner|"
        r"abschließend|heute|inoltre|poi|anche|ancora|infine|también|además|ook|also|ainda|também)")
_VERB_FIRST = re.compile(rf"^(?:(?:[Ll]o|[Cc]osì|[Aa]insi|[Dd]azu)\s+)?(?:{_AUX})?(?:{_ADV}\s+)*{_VERB}"
                         rf"(?:\s+{_ADV}(?!\w))?(?P<who>.*)$", re.S)
_WHO_FIRST = re.compile(rf"^(?P<who>[^,]{{2,80}}?)\s+(?:{_AUX})?(?:{_ADV}\s+)*{_VERB}", re.S)
_ACCORDING = re.compile(r"^(?:.*?\s)?(?:[Ss]elon|[Pp]our|[Dd]['’]après|[Ll]aut|[Ss]egún|[Ss]econdo|[Vv]olgens|"
                        r"[Ss]egundo|[Zz]daniem|[Ww]edług|[Aa]ccording to)\s+(?P<who>.+?)\s*[:,]?$", re.S)
_BEFORE_VERB_FIRST = re.compile(rf"^(?:[\w'’-]+\s+){{0,2}}?(?:l['’])?(?:{_AUX})?{_VERB}(?:\s+{_ADV})?\s+"
                                rf"(?P<who>[^:]+?)\s*[:,]$", re.S)
_BEFORE_WHO_FIRST = re.compile(rf"^(?P<who>.+?)\s*,?\s+(?:{_AUX})?(?:{_ADV}\s+)*{_VERB}[^:«»]{{0,80}}?\s*[:,]?$",
                               re.S)
_BEFORE_COLON = re.compile(r"^(?P<who>[^:]{3,80}?)\s*:$", re.S)

# ---------------------------------------------------------------- quotation marks

# What closes each opening mark. German and Danish guillemets point inwards (»…«, ›…‹): a text whose first
# guillemet is » reads them so. A straight mark may close a curly one (texts mix them), not the other way.
_CLOSERS = {"«": "»", "‹": "›", "“": "”", "„": "“”", "\"": "\"”“", "”": "”\"", "‚": "‘’", "‘": "’"}
_MARKS = re.compile(r"[«»‹›“”„\"‚‘’]|\n[ \t]*\n")
_NONSPACE = re.compile(r"\S")
_MAX_DEPTH = 6  # quotes in quotes in quotes…: deeper marks are text, so that any input costs linear time


def _closers(text: str) -> dict[str, str]:
    closers = dict(_CLOSERS)
    for opening, closing in (("«", "»"), ("‹", "›")):
        first_closing = text.find(closing)
        if first_closing != -1 and not -1 < text.find(opening) < first_closing:
            del closers[opening]
            closers[closing] = opening
    return closers


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost quotation of ``text``, ``end`` past its closing mark.

    A mark closes the innermost open quotation it can close; a quotation never closed is dropped at the end of
    its paragraph (unless the next paragraph opens with the same mark, the typographic way of quoting several
    paragraphs) and the quotations closed inside it count instead: an unbalanced mark costs only itself.
    """
    closers = _closers(text)
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int, list]] = []  # (opening mark, its position, quotations closed inside it)
    skip = -1
    for m in _MARKS.finditer(text):
        i, c = m.start(), m.group()
        if i == skip:
            continue
        if c[0] == "\n":
            nxt = _NONSPACE.search(text, m.end())
            if stack and nxt and nxt.group() == stack[0][0]:
                skip = nxt.start()  # the quotation goes on in the next paragraph
                for _, _, inner in stack[1:]:
                    stack[0][2].extend(inner)
                del stack[1:]
            else:
                for _, _, inner in stack:
                    spans.extend(inner)
                stack.clear()
            continue
        if c in "’‘" and text[i - 1:i].isalpha() and text[i + 1:i + 2].isalpha():
            continue  # an apostrophe: l’État, don’t
        at = len(stack) - 1
        if not (stack and c in closers.get(stack[-1][0], "")):
            if c in closers:
                if len(stack) < _MAX_DEPTH:
                    stack.append((c, i, []))
                continue
            at = next((k for k in range(len(stack) - 2, -1, -1) if c in closers.get(stack[k][0], "")), -1)
            if at < 0:
                continue  # a closing mark with nothing open: text
        _, start, _ = stack[at]
        del stack[at:]
        (stack[-1][2] if stack else spans).append((start, i + 1))
    for _, _, inner in stack:
        spans.extend(inner)
    return sorted(spans)


# ---------------------------------------------------------------- speakers

# A clause ends at a full stop (not an initial's nor a title's: Dr., Prof.), at ; ! ? or a line end, or at a
# quotation mark.
_BOUNDARY = re.compile(r"(?<!\bDr)(?<!\bProf)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bSt)(?<!\bMag)(?<!\bIng)(?<!\bDott)"
                       r"(?<![\s.(][A-Z])[.!?…](?=\s|$)|[;\n«»‹›“”„\"()]")
_LEAD = re.compile(r"\s*(?P<stop>[,.!?…])?\s*[–—-]?\s*")
_OFFICE = re.compile(
    r"minist|präsid|presid|présid|prezyd|sekretär|secretar|secrétair|segretari|sekretarz|kanzler|bürgermeister|"
    r"burgemeester|burmistrz|sindac|maire|mayor|alcald|direkt|direct|dirett|dyrektor|leiter|sprecher|portavo|"
    r"porta-voz|woordvoer|rzecznik|vorsitz|chef|hauptmann|landrat|landrät|stadtrat|stadträt|senat|sénat|"
    r"abgeordnet|député|deputat|diputad|deputad|assessor|consejer|conseill|consigli|wethouder|gedeputeerd|"
    r"commiss|kommiss|prefett|préfet|prefect|questor|governat|gouvern|governor|consul|concejal|vereador|delegad|"
    r"délégu|delegat|coordin|koordin|responsab|rector|rektor|geschäftsführ|vorstand|referent|beauftragt|"
    r"wojewod|staatsr|attorney|general|secretary|commissioner|officer|manager|head\b|spokes",
    re.IGNORECASE,
)
_ARTICLES = {"le", "la", "les", "l'", "l’", "il", "lo", "der", "die", "das", "den", "dem", "el", "los", "las", "de",
             "het", "o", "a", "os", "as", "the", "un", "una", "uno", "une", "ein", "eine", "einer"}
_FUNCTION = {"des", "der", "du", "de", "la", "le", "l'", "l’", "of", "the", "for", "für", "und", "and", "et", "e", "y",
             "del", "della", "dello", "dei", "degli", "delle", "di", "da", "voor", "en", "do", "dos", "das", "im",
             "am", "zum", "zur", "beim", "van", "het", "aux", "au", "à", "a", "al", "ai"}
_PARTICLES = {"de", "du", "d'", "d’", "van", "von", "le", "la", "der", "den", "di", "da", "del", "della", "dos",
              "das", "do", "y", "ter", "ten", "zu", "vom"}
_PRONOUNS = {"il", "elle", "er", "sie", "lui", "lei", "egli", "ella", "él", "hij", "zij", "ze", "ele", "ela", "he",
             "she", "they", "ils", "elles", "essa", "esso", "on", "ona"}
Speaker = tuple[str | None, str | None]


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and not word.isdigit()


def _scan(phrase: str) -> tuple[str | None, str | None, bool]:
    """(name, office before it, whether words follow the name) of 'la ministra dell'Interno Luciana Lamorgese'."""
    words = [w.strip("()[]") for w in phrase.split()]
    words = [w for w in words if w]
    i = 1 if words and words[0].lower() in _ARTICLES else 0
    if words[i:i + 1] and words[i][:2].lower() in ("l'", "l’") and len(words[i]) > 2:
        words[i] = words[i][2:]  # l'assessore
    role: list[str] = []
    while i < len(words) and not (_is_name_word(words[i]) and not _OFFICE.search(words[i])
                                  and not (role and role[-1].lower() in _FUNCTION)):
        role.append(words[i])  # an office, the object of its preposition: Bundesministerin des Innern
        i += 1
    name: list[str] = []
    while i < len(words):
        w = words[i]
        if _is_name_word(w) and (not _OFFICE.search(w) or name and name[-1].lower() in _PARTICLES):
            name.append(w)
        elif w.lower() in _PARTICLES and name and i + 1 < len(words) and _is_name_word(words[i + 1]):
            name.append(w)  # Hugo de Jonge, Bruno Le Maire
        else:
            break
        i += 1
    office = " ".join(role) or None
    if office and not _OFFICE.search(office):
        return None, None, True  # words before the name are not an office: not a speaker
    return " ".join(name) or None, office, i < len(words)


def _person(who: str, verb_first: bool) -> Speaker | None:
    """(name, role) of a speaker phrase: 'Nancy Faeser, Bundesministerin des Innern', 'il ministro Paola Pisano',
    'der Präsident des BKA, Holger Münch'; None if it names no one. A one-word name ('so Müller') only right
    after the verb, where it can only be the subject."""
    head, _, tail = who.strip(" ,;:–—-").partition(",")
    if not head:
        return None
    name, office, more = _scan(head)
    tail = tail.strip(" ,;:–—-")
    if name is None:
        if tail:
            tail_name, tail_office, tail_more = _scan(tail)
            if tail_name and not tail_office and not tail_more and len(tail_name.split()) > 1:
                return tail_name, office
        return (None, office) if office and not more else None
    if len(name.split()) > 6 or len(name.split()) == 1 and not verb_first and (more or not office) and tail:
        return None
    if len(name.split()) == 1 and not verb_first and not office and more:
        return None
    roles = [r for r in (office, None if more else tail or None) if r]
    return name, ", ".join(roles) or None


def _clause_after(text: str, end: int) -> tuple[str, bool]:
    """The clause following a quotation, and whether a full stop came first."""
    window = text[end:end + 300]
    lead = _LEAD.match(window)
    stop = _BOUNDARY.search(window, lead.end())
    return window[lead.end():stop.start() if stop else len(window)], lead["stop"] in (".", "!", "?", "…")


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - 300):start]
    ends = [m.end() for m in _BOUNDARY.finditer(window)]
    return window[ends[-1] if ends else 0:].strip()


def _speaker_after(clause: str, new_sentence: bool, previous: Speaker | None) -> Speaker | None:
    m = _VERB_FIRST.match(clause)
    if m:
        who = m["who"].strip(" ,")
        if not who or who.lower() in _PRONOUNS:
            return None if new_sentence else previous
        return _person(who, verb_first=True)
    if new_sentence:
        return None
    m = _WHO_FIRST.match(clause)
    if m:
        return previous if m["who"].lower() in _PRONOUNS else _person(m["who"], verb_first=False)
    m = _ACCORDING.match(clause)
    return _person(m["who"], verb_first=True) if m else None


def _speaker_before(clause: str, previous: Speaker | None) -> Speaker | None:
    if not clause:
        return None
    for pattern, verb_first in ((_BEFORE_VERB_FIRST, True), (_ACCORDING, True), (_BEFORE_WHO_FIRST, False)):
        m = pattern.match(clause)
        if m:
            if m["who"].strip().lower() in _PRONOUNS:
                return previous
            found = _person(m["who"], verb_first)
            if found:
                return found
    m = _BEFORE_COLON.match(clause)
    if m:
        found = _person(m["who"], verb_first=False)
        return found if found and found[0] and len(found[0].split()) > 1 else None
    return None


def extract_quotes(text: str, language: str | None = None) -> list[Quote]:
    """Quotes in any EU language's marks, with the speaker named after (a déclaré X, sagte X, so X, aldus X…) or
    before (Carole Delga : « … », Laut X: „…“, Il ministro ha dichiarato: "…"); the speech verbs of every
    language are tried, whatever ``language`` says, except English (``"en"``), read by ``extract_quotes_en``.

    Quoted words that name no one and are short or verbless (titles, scare quotes) are not quotes.
    """
    if language == "en":
        return extract_quotes_en(re.split(r"\n\s*\n", text))
    quotes: list[Quote] = []
    previous: Speaker | None = None
    for start, end in quote_spans(text):
        body = text[start + 1:end - 1]
        if "\n" in body:
            body = re.sub(r"\n\s*\n\s*[«“„»‹›\"]?", " ", body)
        body = clean_text(body).rstrip(",").strip()
        words = len(body.split())
        if len(body) < 10 or words < 3:
            continue
        clause, new_sentence = _clause_after(text, end)
        found = _speaker_after(clause, new_sentence, previous) or _speaker_before(_clause_before(text, start),
                                                                                   previous)
        if not found and (words < 6 or words < 10 and not re.search(r"[.!?…;:,]", body)):
            continue  # names of events, titles: « MOOC of the year »
        if found and words < 6 and not found[0]:
            continue
        if found and found[0]:
            previous = found
        speaker, role = found or (None, None)
        quotes.append(Quote(text=body, speaker=speaker, role=role))
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
_EN_PRONOUNS = {"he", "she", "they", "i", "we"}
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
            if who.lower() in _EN_PRONOUNS:
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
