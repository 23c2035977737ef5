"""Shared normalisation: decoding, cleaning, dates, phones, quotes, contacts, ids.

Every ingester hands its raw pieces to these functions, so that a release looks the same
whatever format it arrived in.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import html
import itertools
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import ftfy
import phonenumbers
import pyromark
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from feeds import kinds
from feeds.ingest.base import (  # noqa: F401 (the ingesters import them from here too)
    PARIS,
    Context,
    IngestError,
    looks_utf16,
    sha256,
)
from feeds.sanitize import CONTROL_CHARACTERS, sanitize_html
from feeds.model import Contact, Link, Quote, Release


# ---------------------------------------------------------------- decoding and text


def decode(data: bytes) -> str:
    """Bytes in any likely encoding to clean Unicode text (mojibake repaired, controls gone)."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif len(data) >= 4 and looks_utf16(data):
        text = data.decode("utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be",
                           errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_8bit(data)
    return clean_block(text)


def _decode_8bit(data: bytes) -> str:
    # Truncated UTF-8 at the very end is common (cut downloads); keep what is valid.
    try:
        head = data.decode("utf-8", errors="strict" if len(data) < 4 else "ignore")
        if data[:-3].decode("utf-8", errors="strict") is not None:
            return head
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors="replace").replace("\ufffd", "")


# Characters that UTF-8 read as cp1252/latin-1 leaves behind; ftfy's slower check runs only if one is there.
_MOJIBAKE_HINT = re.compile("[ÃÂ\x80-\x9f]|â€|Å[“”’‘ ¡¸½¾]|Ä[\x80-\xbf]")
_MOJIBAKE_FIRST = re.compile("[ÃÂâÅÄ\x80-\x9f]")  # where each of them starts: scanned three times faster


def clean_block(text: str, repair: bool = True) -> str:
    """Multi-line text: mojibake fixed (once per document), NFC, Unix line ends, controls removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (repair and not text.isascii() and _MOJIBAKE_FIRST.search(text) and _MOJIBAKE_HINT.search(text)
            and ftfy.is_bad(text)):
        # Typographic quotes are the publisher's choice: repair mojibake, do not restyle the text.
        text = ftfy.fix_text(text, normalization="NFC", unescape_html=False, uncurl_quotes=False)
    elif not text.isascii():
        text = unicodedata.normalize("NFC", text)  # ftfy's other fixes are done here; skip its slow path
    return CONTROL_CHARACTERS.sub("", text)


_TAG_START = re.compile(r"<[a-zA-Z!/]")
# \s+ less the single spaces, left alone. The first class is \s less " " (three times faster than [^\S ]).
_SPACES_BUT_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_FOLD_SPACES = re.compile(rf"[{_SPACES_BUT_SPACE}]\s*| \s+")


def clean_text(value: object) -> str:
    """One-line plain text for titles, names, places: markup stripped, spaces folded.

    Values come from documents already repaired by ``decode``, so mojibake is not looked for again.
    """
    if value is None:
        return ""
    text = str(value)
    if not text.isprintable():  # every control character is unprintable: most values skip the scan
        text = CONTROL_CHARACTERS.sub("", text)  # first, so that what looks like markup is what stays
    if "<" in text or "&" in text:
        text = html_to_text(text) if _TAG_START.search(text) else html.unescape(text)
        text = clean_block(text, repair=False)
    else:  # clean_block but its removal of controls, done above (NFC makes none)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
    text = strip_inline_markdown(text)
    if "  " in text or not text.isprintable():  # every space but " " is unprintable
        text = _FOLD_SPACES.sub(" ", text)
    return text.strip()


_SUPERSCRIPT_BRACES = re.compile(r"\^\{([^}]*)\}")
_SUPERSCRIPT = re.compile(r"\^([^\s^]+)\^")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_STRONG_STARS = re.compile(r"\*\*(.+?)\*\*")  # _STRONG for a text without "__": it starts with a literal
# The star first, then what may not precede it: a pattern that starts with a character is scanned for it
# five times faster than one that starts with a lookbehind.
_EMPHASIS = re.compile(r"\*(?<![\w*]\*)(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_KRAMDOWN_ATTRIBUTES = re.compile(r"\{:[^}]*\}")


def strip_inline_markdown(text: str) -> str:
    """Remove Markdown emphasis and pandoc superscripts from a one-line text."""
    # Each pattern runs only on a text holding what it needs: a substring test costs far less than a scan.
    if "^" in text:
        if "^{" in text:
            text = _SUPERSCRIPT_BRACES.sub(r"\1", text)
        text = _SUPERSCRIPT.sub(r"\1", text)
    if "*" in text or "__" in text:
        if "__" in text:
            text = _STRONG.sub(r"\2", text)
        elif "**" in text:
            text = _STRONG_STARS.sub(r"\1", text)  # the same without "__": twice as fast
        if "*" in text:
            text = _EMPHASIS.sub(r"\1", text)
    if "{:" in text:
        text = _KRAMDOWN_ATTRIBUTES.sub("", text)
    return text


# ---------------------------------------------------------------- HTML

_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "br",
           "ul", "ol", "table", "pre", "dd", "dt", "figure")
_RUNS_OF_SPACES = re.compile(r" [ \t\xa0]+|[\t\xa0][ \t\xa0]*")  # [ \t\xa0]+ less the single spaces, left alone
_SPACES_AROUND_NEWLINE = re.compile(r" *\n *")
_BLANK_LINES = re.compile(r"\n\n\n+")  # \n{3,}, ten times faster: it starts with a literal


def html_to_text(fragment: str) -> str:
    """Readable plain text of an HTML fragment, paragraphs separated by blank lines."""
    if not fragment.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on garbage; the text is still wanted
        return re.sub(r"<[^>]*>", " ", fragment)
    return _text_of(root)


def _text_of(root) -> str:
    """The text of a parsed fragment (``html_to_text``); the tree is changed on the way."""
    for bad in list(root.iter("script", "style")):
        bad.drop_tree()
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
        if el.tag == "li":
            el.text = "- " + (el.text or "")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    text = CONTROL_CHARACTERS.sub("", text)
    # Each pass only where it has something to do (a substring test costs far less than a regex scan).
    if "  " in text or "\t" in text or "\xa0" in text:
        text = _RUNS_OF_SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _SPACES_AROUND_NEWLINE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def text_and_links(body_html: str) -> tuple[str, list[Link]]:
    """``html_to_text`` and ``links_of`` of one sanitised body, from one parse of it (or none: see
    ``_sanitised_text_and_links``)."""
    if not body_html.strip():
        return "", links_of(body_html)
    return _sanitised_text_and_links(body_html) or _lxml_text_and_links(body_html)


def _lxml_text_and_links(body_html: str) -> tuple[str, list[Link]]:
    try:
        root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    except Exception:  # the same fallbacks as each function alone
        return html_to_text(body_html), links_of(body_html)
    links = _links_in(root)  # first: the text is taken by changing the tree
    return _text_of(root), links


# nh3 writes each tag as <name attribute="value" …> (quoted values, their quotes escaped) and closes each element it
# opens. A body of the tags Markdown writes, nested as Markdown nests them, gives lxml's text and links when each tag
# is replaced by what _text_of puts there, in half lxml's time (``test_sanitised_bodies_read_as_lxml_reads_them``).
# Other nestings, which HTML5 (nh3) allows, lxml's parser may rearrange: <li> in <pre>, <p> in <em>…
_SANITISED_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)(?:\s+[a-z][a-z-]*="[^"]*")*\s*/?>')
_SANITISED_LINK = re.compile(
    r'<a\s(?:[a-z][a-z-]*="[^"]*"\s*)*?href="([^"]*)"(?:\s*[a-z][a-z-]*="[^"]*")*\s*>(.*?)</a>', re.DOTALL)
_INLINE_TAGS = {"strong", "b", "em", "i", "u", "sup", "sub", "a", "code", "span", "br", "img"}
_BLOCK_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "ul", "ol", "hr"}
_HOLDS_BLOCKS = {"", "blockquote", "li"}  # "": the body itself
_LISTS = {"ul", "ol"}
_VOID_TAGS = {"br", "img", "hr"}
_AFTER_BLOCK = dict.fromkeys(_BLOCKS, "\n\n")


class _NotMarkdownShaped(Exception):
    pass


def _sanitised_text_and_links(body_html: str) -> tuple[str, list[Link]] | None:
    """``text_and_links`` of a body of Markdown's tags as nh3 writes them, or None for any other."""
    open_tags = [""]
    end = 0

    def text_at(tag: re.Match) -> str:
        nonlocal end
        closing, name = tag.groups()
        parent = open_tags[-1]
        if parent in _LISTS and body_html[end:tag.start()].strip():
            raise _NotMarkdownShaped  # text in a list, outside its items
        end = tag.end()
        if closing:
            if name != parent:
                raise _NotMarkdownShaped
            open_tags.pop()
            return _AFTER_BLOCK.get(name, "")
        if not (name == "li" if parent in _LISTS else name in _INLINE_TAGS or (
                name in _BLOCK_TAGS and parent in _HOLDS_BLOCKS)):
            raise _NotMarkdownShaped
        if name not in _VOID_TAGS:
            open_tags.append(name)
        return "- " if name == "li" else "\n\n" if name == "br" else ""

    try:
        text = _SANITISED_TAG.sub(text_at, body_html)
    except _NotMarkdownShaped:
        return None
    if "<" in text or len(open_tags) > 1:  # a tag of another shape, or one left open
        return None
    links: dict[str, Link] = {}
    if "<a " in body_html:
        for link in _SANITISED_LINK.finditer(body_html):
            href = html.unescape(link[1]).strip()
            if href.startswith(("http://", "https://")) and href not in links:
                links[href] = Link(url=href, text=clean_text(html.unescape(_SANITISED_TAG.sub("", link[2]))) or None)
    return _tidy(html.unescape(text) if "&" in text else text), list(links.values())


def _normalize(state) -> None:
    """markdown-it's first rule (every line end made a newline, NUL made U+FFFD) without its regex pass over
    every line: decoded documents hold neither, and the tests for them cost far less."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def _markdown_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"linkify": False, "typographer": False}).enable("table")
    parser.core.ruler.at("normalize", _normalize)
    return parser


# Footnotes (``[^1]``, ``^[…]``) have a parser of their own: their rules cost 5–10 % of rendering any document,
# and a document that holds neither mark renders the same without them.
_md = _markdown_parser().use(footnote_plugin)
_md_plain = _markdown_parser()


# (what a text must hold for the pattern to match, pattern, replacement)
_PANDOC_KRAMDOWN = [
    ("^{", re.compile(r"\^\{([^}\n]*)\}"), r"<sup>\1</sup>"),  # pandoc superscripts
    ("{:", re.compile(r"^\{:[^}\n]*\}\s*$", re.MULTILINE), ""),  # kramdown block attributes
    ("{:", re.compile(r"\{:[^}\n]*\}"), ""),
    ("\\", re.compile(r"^\\$", re.MULTILINE), ""),  # pandoc hard-break lines
]


# What pulldown-cmark (pyromark) and markdown-it render differently, found by comparing them on random documents:
# tables, tabs, NUL, fences, link reference definitions, links nested deeper than markdown-it's limit (tested first,
# as substrings and a count of "["), and what the patterns below find in "\n" + the text.
# Each pattern starts with a literal or a set of characters, which the regex engine looks for first: a line
# start (^) or alternatives with different starts are tried at every character, and would cost more than
# pulldown-cmark's rendering.
_OTHER_SPACES = f"[{_SPACES_BUT_SPACE.replace(chr(10), '')}]"  # markdown-it strips them (Python's strip)
_PULLDOWN_DIFFERS_AT = tuple(re.compile(pattern) for pattern in (
    rf"\n(?: *{_OTHER_SPACES}"  # white space other than spaces at a line start
    r"|[ >]*(?:[*+-]|[0-9]{1,9}[.)]) *(?:\n|\Z)"  # an empty list item
    r"|[ >*+0-9.)-]{9}"  # nesting as deep as markdown-it's limit (maxNesting)
    r"|[ >*+0-9.)-]*<(?!https?://))",  # an HTML block
    rf"{_OTHER_SPACES} *(?:\n|\Z)",  # white space other than spaces at a line end
    r"\\ *(?:\n|\Z)",  # a backslash at a line end
    # link destinations that markdown-it refuses (javascript:, data:…) and leaves as text, and relative ones
    r"\]\(\s*<?(?!https?:|mailto:)",
    r"<(?!https?://)[A-Za-z][A-Za-z0-9+.-]{1,31}:",
))
_QUOTE_LINE = re.compile(r"\n {0,3}>")
_INDENTED_LINE = re.compile(r"\n {4}")


def _pulldown_agrees(text: str) -> bool:
    """Whether pulldown-cmark renders this text (line ends already made newlines) as markdown-it does, once
    sanitised. ``test_markdown_renders_as_markdown_it`` holds the two to it."""
    if ("|" in text or "\t" in text or "\0" in text or "```" in text or "~~~" in text or "]:" in text
            or text.count("[") > 20):
        return False
    lines = "\n" + text
    # markdown-it reads an indented line after a quote as code, not as the quote's lazy continuation.
    return not (any(pattern.search(lines) for pattern in _PULLDOWN_DIFFERS_AT)
                or (_QUOTE_LINE.search(lines) and _INDENTED_LINE.search(lines)))


def markdown_to_html(text: str) -> str:
    """Markdown (pandoc/kramdown flavoured) to HTML, NOT yet sanitised: ``finish`` sanitises body_html
    once for every format; anything else must go through ``sanitize_html`` or ``clean_text``.

    markdown-it (with footnotes and tables) defines the result. Most press releases hold none of what the
    two engines read differently, and those pulldown-cmark renders, twenty times faster, to the same
    document once sanitised (a third of parsing a release)."""
    for needed, pattern, replacement in _PANDOC_KRAMDOWN:
        if needed in text:  # a substring test costs far less than a scan of the pattern
            text = pattern.sub(replacement, text)
    if "[^" in text or "^[" in text:
        return _md.render(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _pulldown_agrees(text):
        return _md_plain.render(text)
    # markdown-it ends a last indented code block with a newline, and writes an empty quote on one line.
    return pyromark.html(text + "\n").replace("<blockquote>\n</blockquote>", "<blockquote></blockquote>")


# A line in which Markdown gives no character a meaning, and that opens no block (heading, list, quote,
# rule, table, fence, HTML, footnote, code after its indent): rendered, its text is the line itself.
_PLAIN_LINE = re.compile(r"(?![#>+=|~0-9-])[^\x00-\x1f\x7f-\x9f\u2028\u2029*_`\[\]\\<>&^{}!|~]*")
_LINE_ENDS = re.compile(r"\r\n?|\n")


def markdown_text(text: str) -> str:
    """``clean_text(markdown_to_html(text))``, without rendering and parsing again plain lines."""
    if len(text) < 100_000 and all(_PLAIN_LINE.fullmatch(line.strip(" \t")) for line in _LINE_ENDS.split(text)):
        return clean_text(text)
    return clean_text(markdown_to_html(text))


def links_of(body_html: str) -> list[Link]:
    """Every distinct http(s) link of a body, with its text."""
    if not body_html:
        return []
    return _links_in(lxml_html.fragment_fromstring(body_html, create_parent="div"))


def _links_in(root) -> list[Link]:
    seen: dict[str, Link] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if href.startswith(("http://", "https://")) and href not in seen:
            seen[href] = Link(url=href, text=clean_text(a.text_content()) or None)
    return list(seen.values())


# ---------------------------------------------------------------- dates

MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAY_RE = "|".join(WEEKDAYS)
DAY_RE = r"(?P<day>\d{1,2})(?:\s*\^?\{?(?:er|e|ème)\}?)?"

FRENCH_DATE = re.compile(
    rf"(?:(?P<weekday>{WEEKDAY_RE})\s+)?{DAY_RE}\s+(?P<month>{MONTH_RE})\s+(?P<year>\d{{4}})",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})")
TIME_RE = re.compile(r"(?P<h>\d{1,2})\s*[hH:]\s*(?P<m>\d{2})?")


class ImpossibleDate(IngestError):
    pass


def make_date(year: int, month: int, day: int, written: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ImpossibleDate(f"date impossible : « {written} »") from None


def parse_french_date(text: str) -> tuple[date, str | None] | None:
    """First French date in ``text`` and the weekday written with it, if any.

    Raises ImpossibleDate for a well-formed but impossible date (30 février).
    """
    m = FRENCH_DATE.search(text)
    if m:
        month = MONTHS[m["month"].lower()]
        return make_date(int(m["year"]), month, int(m["day"]), m.group(0)), (m["weekday"] or "").lower() or None
    m = NUMERIC_DATE.search(text)
    if m:
        return make_date(int(m["year"]), int(m["month"]), int(m["day"]), m.group(0)), None
    return None


def parse_time(text: str) -> time | None:
    m = TIME_RE.search(text)
    if not m:
        return None
    h, mi = int(m["h"]), int(m["m"] or 0)
    return time(h, mi) if h < 24 and mi < 60 else None


def aware(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A timezone-aware datetime; naive values are local time of ``tz``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


_WEEKDAY_DATE = re.compile(
    rf"\b(?P<weekday>{WEEKDAY_RE})\s+{DAY_RE}(?:\s+(?P<month>{MONTH_RE}))?(?:\s+(?P<year>\d{{4}}))?", re.IGNORECASE)
# What every match above holds (each weekday ends in "di" or "che"): a scan several times cheaper, which
# spares most texts the full pattern.
_WEEKDAY_BEFORE_NUMBER = re.compile(r"(?:di|che)\s+\d", re.IGNORECASE)
# Its last letter before the spaces (i, e, and the two Turkish i that IGNORECASE matches too): a pattern
# that starts with a class is scanned far faster, and few of its matches need the check above.
_LETTER_BEFORE_NUMBER = re.compile(r"[iIeE\u0130\u0131]\s+\d")


def _names_a_weekday(text: str) -> bool:
    """``_WEEKDAY_BEFORE_NUMBER.search(text)``, twice as fast."""
    for m in _LETTER_BEFORE_NUMBER.finditer(text):
        start = m.start()
        if _WEEKDAY_BEFORE_NUMBER.match(text, max(start - 1, 0)) or (
                start > 1 and _WEEKDAY_BEFORE_NUMBER.match(text, start - 2)):
            return True
    return False


def check_weekdays(release: Release, text: str) -> None:
    """Warn where the text names a weekday that does not match the date it writes next to it."""
    if not release.published or not _names_a_weekday(text):
        return
    pub = release.published.date()
    for m in _WEEKDAY_DATE.finditer(text):
        month = MONTHS[m["month"].lower()] if m["month"] else pub.month
        year = int(m["year"]) if m["year"] else pub.year
        if not m["year"] and month - pub.month > 6:
            year -= 1  # "mardi 28 décembre" in a January release
        elif not m["year"] and pub.month - month > 6:
            year += 1
        try:
            day = date(year, month, int(m["day"]))
        except ValueError:
            release.warn("impossible_date", f"« {m.group(0)} » n'existe pas")
            continue
        written = m["weekday"].lower()
        actual = WEEKDAYS[day.weekday()]
        if written != actual:
            release.warn(
                "weekday_mismatch",
                f"« {m.group(0).strip()} » : le {day.isoformat()} était un {actual}, pas un {written}",
            )


# ---------------------------------------------------------------- people, phones, contacts

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
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


def extract_quotes(text: str) -> list[Quote]:
    """Quotes in « », “ ” or " " with the speaker named just after (a déclaré X) or before (Pour X :)."""
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


# How French numbers are mostly written ("05 61 33 53 39", "05.61.33.50.50", "+33 4 67 22 81 81"): a trunk 0 or +33,
# then the nine digits that phonenumbers.parse reads as the national number, in a tenth of its time (a tenth of
# parsing a release). Every other form goes through it; ``test_written_french_numbers_read_as_phonenumbers_reads``.
_FRENCH_WRITTEN = re.compile(r"(?:0|\+33[ .-]?)([1-9](?:[ .-]?[0-9]{2}){4})")
_NO_SEPARATORS = str.maketrans("", "", " .-")


@functools.lru_cache(maxsize=4096)  # press offices sign thousands of releases with the same few numbers
def phone_e164(raw: str, region: str = "FR") -> str | None:
    if region == "FR" and (written := _FRENCH_WRITTEN.fullmatch(raw)):
        number = phonenumbers.PhoneNumber(country_code=33, national_number=int(written[1].translate(_NO_SEPARATORS)))
    else:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_CANDIDATE = re.compile(r"(?<![\w@.])\+?\(?\d[\d\s.()/-]{6,18}\d(?![\w@])")


def phones_in(text: str, region: str = "FR") -> list[str]:
    """E.164 numbers of every valid phone number written in ``text``."""
    found = []
    # Candidates by a cheap pattern, each one checked by phonenumbers (its matcher is much slower).
    for candidate in _PHONE_CANDIDATE.findall(text.replace("(0)", "")):
        e164 = phone_e164(candidate, region)
        if e164 and e164 not in found:
            found.append(e164)
    return found


CONTACT_HEADING = re.compile(
    r"^[\s■▪•*#>_-]*(?:\*\*)?\s*(?:contacts?|relations?)(?:\s+(?:presse|médias|media))?(?:\s+\w+)?\s*(?:\*\*)?\s*:",
    re.IGNORECASE,
)
PHONE_LABEL = re.compile(r"\b(?:tél(?:éphone)?|tel|port(?:able)?|mob(?:ile)?|fixe|standard|fax)\.?\s*:?", re.IGNORECASE)


def looks_like_person(label: str) -> bool:
    words = label.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() or w.lower() in {"de", "du", "d'", "van", "von", "le", "la"}
                                        for w in words)


def parse_contact_lines(lines: Iterable[str], region: str = "FR") -> list[Contact]:
    """Contacts from a contact block: 'Name, role : email - Tél. : phone', one or more per line.

    A labelled piece starts a new contact once the previous one has an e-mail or a phone;
    unlabelled pieces (a phone after ' - ') complete the current contact.
    """
    contacts: list[Contact] = []
    for raw in lines:
        line = clean_text(CONTACT_HEADING.sub("", raw))
        for part in re.split(r"\s+[-–|•/]\s+|\s*;\s*", line):
            if not part.strip():
                continue
            emails = [e.lower() for e in EMAIL.findall(part)]
            phones = phones_in(part, region)
            label = PHONE_LABEL.split(EMAIL.split(part)[0])[0]
            label = re.sub(r"\+?[\d(][\d\s.()-]{5,}.*$", "", label).strip(" :-–,;|/")
            current = contacts[-1] if contacts else None
            if current is None or (label and (current.email or current.phones)):
                current = Contact()
                contacts.append(current)
            if label:
                head, _, tail = label.partition(",")
                if not current.name and looks_like_person(head.strip()):
                    current.name = head.strip()
                    label = tail.strip()
                if label:
                    current.role = f"{current.role}, {label}" if current.role else label
            if emails:
                if current.email and current.email != emails[0]:
                    current = Contact(name=current.name, role=current.role)
                    contacts.append(current)
                current.email = emails[0]
                contacts.extend(Contact(email=e) for e in emails[1:])
            current.phones.extend(p for p in phones if p not in current.phones)
    return [c for c in contacts if c.email or c.phones]


# ---------------------------------------------------------------- identity, language, finishing

def slugify(text: str, max_length: int = 60) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_length:
        text = text[:max_length].rsplit("-", 1)[0]
    return text or "communique"


def make_id(publisher: str | None, key: str, hint: str | None = None) -> str:
    """Permanent id: a readable slug of ``hint`` (or key) plus a hash of the publisher and native key.

    The native key is what the source says identifies the release (a file name, a GUID, a UUID);
    it never depends on the title or the date, which corrections change.
    """
    digest = hashlib.sha256(f"{publisher or ''}\x1f{key}".encode()).hexdigest()[:8]
    return f"{slugify(hint or key, 50)}-{digest}"


_FR = set(["le", "la", "les", "des", "du", "un", "une", "et", "est", "dans", "pour", "sur", "avec", "par", "au", "aux", "que", "qui", "ce", "cette", "sont", "ont"])
_EN = set(["the", "and", "of", "to", "in", "is", "for", "on", "with", "that", "by", "are", "was", "this", "from", "have", "has", "be", "an", "at", "as"])
_LEAD = {w.encode("latin-1"): lead for words, lead in ((_FR, 1), (_EN, -1)) for w in words}
# A word is a run of [a-zà-ÿ']: in latin-1 bytes, every other byte made a space (and every character beyond
# latin-1 a "?") splits them, twice as fast as the regex.
_WORD_BYTES = set(b"abcdefghijklmnopqrstuvwxyz'") | set(range(0xE0, 0x100))
_SEPARATE_WORDS = bytes(b if b in _WORD_BYTES else 0x20 for b in range(256))


def words_of(text: str) -> list[bytes]:
    """The words ``[a-zà-ÿ']+`` of a lower-case text, in latin-1."""
    return text.encode("latin-1", "replace").translate(_SEPARATE_WORDS).split()


def detect_language(text: str, default: str = "fr") -> str:
    french_lead = sum(map(_LEAD.get, words_of(text[:2000].lower()), itertools.repeat(0)))  # French less English
    if not french_lead:
        return default
    return "fr" if french_lead > 0 else "en"


TITLE_MAX = 300
MAX_LINKS = 1000


def summarise(text: str, limit: int = 300) -> str:
    if "  " in text or not text.isprintable():  # else its only spaces are single " "
        text = re.sub(r"\s+", " ", text)
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def finish(release: Release, ctx: Context) -> Release:
    """Checks and derived fields common to every format, run once at the end of each parser."""
    title = clean_text(release.title)
    if len(title) > TITLE_MAX:
        release.warn("title_truncated", f"titre de {len(title)} caractères coupé à {TITLE_MAX}")
        title = summarise(title, TITLE_MAX)
    if not title:
        raise IngestError("aucun titre trouvé")
    release.title = title
    release.publisher = clean_text(release.publisher) or ctx.publisher
    release.standfirst = clean_text(release.standfirst) or None
    release.place = clean_text(release.place) or None
    release.topics = list(dict.fromkeys(t for t in (clean_text(t) for t in release.topics) if t))
    release.body_html = sanitize_html(release.body_html) if release.body_html else ""
    if release.links:
        release.body_text = html_to_text(release.body_html)
    else:
        release.body_text, release.links = text_and_links(release.body_html)
    if not release.summary:
        release.summary = summarise(release.standfirst or release.body_text) or None
    else:
        release.summary = clean_text(release.summary) or None
    if len(release.links) > MAX_LINKS:
        release.warn("links_truncated", f"{len(release.links)} liens ; les {MAX_LINKS} premiers sont listés, "
                                        "tous restent dans le texte")
        release.links = release.links[:MAX_LINKS]
    for q in release.quotes:
        q.text, q.speaker, q.role = clean_text(q.text), clean_text(q.speaker) or None, clean_text(q.role) or None
    for c in release.contacts:
        c.name, c.role = clean_text(c.name) or None, clean_text(c.role) or None
        c.email = clean_text(c.email).lower() or None
    for a in release.attachments:
        a.title = clean_text(a.title) or None
    release.kind = kinds.kind(release.kind).code
    if release.published is None:
        release.warn("no_date", "aucune date de publication trouvée")
    else:
        release.published = aware(release.published, ctx.timezone)
        if release.published > ctx.now + timedelta(days=1) and not release.embargo_until:
            release.warn("date_in_future", f"date de publication dans le futur : {release.published.date()}")
        if release.published.year < 1990:
            release.warn("date_implausible", f"date de publication invraisemblable : {release.published.date()}")
    if release.updated is not None:
        release.updated = aware(release.updated, ctx.timezone)
    if release.embargo_until is not None:
        release.embargo_until = aware(release.embargo_until, ctx.timezone)
    if release.event_start is not None:
        release.event_start = aware(release.event_start, ctx.timezone)
    if not release.body_text and not release.standfirst:
        release.warn("empty_body", "le communiqué n'a pas de texte")
    return release


# ---------------------------------------------------------------- English releases (HTML pages, GOV.UK, feeds)

EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
EN_MONTH_RE = "|".join(sorted(EN_MONTHS, key=len, reverse=True))
ENGLISH_DATE = re.compile(
    rf"\b(?:(?P<month>{EN_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{EN_MONTH_RE})\.?,?\s+(?P<year2>\d{{4}}))\b",
    re.IGNORECASE,
)


def parse_english_date(text: str) -> date | None:
    """First English date in ``text`` (July 15, 2019 / Oct. 4, 2019 / 15 July 2019).

    Raises ImpossibleDate for a well-formed but impossible date (February 30, 2020).
    """
    m = ENGLISH_DATE.search(text)
    if not m:
        return None
    month = EN_MONTHS[(m["month"] or m["month2"]).lower()]
    return make_date(int(m["year"] or m["year2"]), month, int(m["day"] or m["day2"]), m.group(0))


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
