"""Press-release text: pandoc-style Markdown converted from a PDF or DOCX (the seed's format).

Layout, top to bottom, each part optional: a header line naming the kind, an embargo line, a
dateline (place and date), the title, the standfirst, the body, a contact block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import CONTACT_HEADING, EMAIL, parse_contact_lines
from feeds.ingest.dates import (
    MONTH_RE,
    WEEKDAY_RE,
    WEEKDAYS,
    aware,
    check_weekdays,
    parse_french_date,
    parse_time,
)
from feeds.ingest.decoding import decode
from feeds.ingest.language import detect_language
from feeds.ingest.markup import markdown_to_html, strip_inline_markdown
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes
from feeds.model import Contact, Release, Source

KIND_HEADERS = [
    ("dossier", re.compile(r"^dossiers?\s+de\s+presse\b", re.IGNORECASE)),
    ("invitation", re.compile(r"^(?:invitation(?:\s+(?:presse|m[ée]dias?))?|avis\s+aux\s+(?:m[ée]dias|r[ée]dactions)"
                              r"|note\s+aux\s+r[ée]dactions)\b", re.IGNORECASE)),
    ("declaration", re.compile(r"^d[ée]claration\b", re.IGNORECASE)),
    ("communique", re.compile(r"^communiqu[ée]s?(?:\s+de\s+presse|\s+commun|\s+conjoint)?\b", re.IGNORECASE)),
]
EMBARGO = re.compile(r"^(?:sous\s+)?embargo\s*(?:jusqu['’]?\s*(?:au|à)|avant\s+le|:)?\s*(?P<when>.*)$", re.IGNORECASE)
DATELINE = re.compile(
    rf"^(?:(?P<place>[A-ZÀ-Ý][\w'’ -]{{1,40}}?)\s*,\s*)?(?:le\s+|ce\s+)?(?P<date>(?:(?:{WEEKDAY_RE})\s+)?"
    rf"\d{{1,2}}(?:\s*\^?\{{?(?:er|e)\}}?)?\s+(?:{MONTH_RE})\s+\d{{4}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}})\s*\.?$",
    re.IGNORECASE,
)
EVENT = re.compile(
    rf"(?:(?:{WEEKDAY_RE})\s+)?\d{{1,2}}(?:\s*\^?\{{?(?:er|e)\}}?)?\s+(?:{MONTH_RE})(?:\s+\d{{4}})?"
    rf"(?:\s*,?\s*(?:à|a|dès|de)\s+(?P<time>\d{{1,2}}\s*[hH:]\s*\d{{0,2}}))?",
    re.IGNORECASE,
)


def _unwrap(paragraph: str) -> str:
    """A short line without its Markdown decoration (bold, headings, quotes)."""
    line = re.sub(r"^[#>\s]+", "", paragraph.strip())
    return strip_inline_markdown(line).strip(" *_")


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    return parse_text(decode(data), name, sha256(data), ctx, "text")


def parse_text(text: str, name: str, digest: str, ctx: Context | None = None, fmt: str = "text") -> Release:
    """A release from press-release text already decoded (also the text extracted from DOCX and PDF files)."""
    ctx = ctx or Context()
    if not text.strip():
        raise IngestError("fichier vide")
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    head = _opening(paragraphs, ctx)
    body_paragraphs, contacts = _split_contacts(paragraphs[head.end:])
    standfirst = None
    if len(body_paragraphs) > 1 and _is_prose(body_paragraphs[0]):
        standfirst = body_paragraphs.pop(0)

    markdown = "\n\n".join(body_paragraphs)
    release = Release(
        id=make_id(ctx.publisher, _key(name), _key(name)),
        title=head.title,
        published=head.published,
        source=Source(name=name, sha256=digest, format=fmt),
        kind=head.kind,
        publisher=ctx.publisher,
        standfirst=standfirst,
        place=head.place,
        body_html=markdown_to_html(markdown),
        embargo_until=head.embargo,
    )
    plain = strip_inline_markdown("\n\n".join(([standfirst] if standfirst else []) + body_paragraphs))
    release.quotes = extract_quotes(plain)
    release.contacts = contacts
    release.language = detect_language(head.title + " " + plain, ctx.language)
    published, weekday = head.published, head.weekday
    if weekday and published and WEEKDAYS[published.weekday()] != weekday:
        release.warn("weekday_mismatch",
                      f"la date indique {weekday} {published.date().isoformat()}, qui était un "
                      f"{WEEKDAYS[published.weekday()]}")
    if head.kind == "invitation":
        release.event_start = _event(plain, published, ctx)
    finish(release, ctx)
    check_weekdays(release, plain)
    return release


@dataclass
class _Opening:
    """What the lines above the body say: the kind, an embargo, the dateline, the title; ``end`` is the index
    of the body's first paragraph."""

    end: int
    title: str
    kind: str = "communique"
    embargo: datetime | None = None
    place: str | None = None
    published: datetime | None = None
    weekday: str | None = None


def _opening(paragraphs: list[str], ctx: Context) -> _Opening:
    """The header lines up to the title (among the first eight paragraphs), and a dateline right after it."""
    kind, embargo, place, published, weekday, title = "communique", None, None, None, None, None
    i = 0
    while i < len(paragraphs) and i < 8 and title is None:
        line = _unwrap(paragraphs[i])
        flat = " ".join(line.split())
        matched_kind = next((k for k, rx in KIND_HEADERS if rx.match(flat)), None) if len(flat) < 80 else None
        if matched_kind:
            kind = matched_kind
            # "Communiqué de presse – Toulouse, le 25 janvier 2018" on one line
            rest = re.sub(r"^[^–—:-]*[–—:-]\s*", "", flat) if re.search(r"[–—:-]", flat) else ""
            if rest and DATELINE.match(rest):
                place, published, weekday = _dateline(rest)
        elif (m := EMBARGO.match(flat)) and len(flat) < 120:
            embargo = _embargo(m["when"], ctx) or embargo
        elif len(flat) < 120 and DATELINE.match(flat):
            place, published, weekday = _dateline(flat)
        else:
            title = flat
        i += 1
    if title is None:
        raise IngestError("aucun titre trouvé")
    # A dateline may follow the title.
    if published is None and i < len(paragraphs) and DATELINE.match(" ".join(_unwrap(paragraphs[i]).split())):
        place, published, weekday = _dateline(" ".join(_unwrap(paragraphs[i]).split()))
        i += 1
    return _Opening(i, title, kind, embargo, place, published, weekday)


def _embargo(when: str, ctx: Context) -> datetime | None:
    """The end of an embargo line's embargo (SOUS EMBARGO JUSQU'AU 15 MARS 2019, 6H00)."""
    found = parse_french_date(when)
    if not found:
        return None
    day = aware(found[0], ctx.timezone)
    t = parse_time(when[when.lower().find(str(found[0].year)):])
    return day.replace(hour=t.hour, minute=t.minute) if t else day


def _key(name: str) -> str:
    """The native key of a text file: its name without folders or extension."""
    stem = re.split(r"[\\/]", name)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem


def _dateline(line: str) -> tuple[str | None, datetime | None, str | None]:
    m = DATELINE.match(line)
    assert m
    found = parse_french_date(m["date"])
    if not found:
        return m["place"], None, None
    day, weekday = found
    return m["place"], datetime(day.year, day.month, day.day), weekday


def _is_prose(paragraph: str) -> bool:
    p = paragraph.lstrip()
    return bool(p) and not p.startswith(("#", "-", "*", "+", ">", "|", "1.", "«", "\"", "“", "<", "[", "!")) \
        and len(p) > 60


def _split_contacts(paragraphs: list[str]) -> tuple[list[str], list[Contact]]:
    """The body paragraphs and the contacts of the contact block, if the release ends with one.

    A block that yields no contact stays in the body: nothing the publisher wrote is dropped."""
    for idx, p in enumerate(paragraphs):
        if CONTACT_HEADING.match(p.strip()):
            block, rest = [], []
            for q in paragraphs[idx:]:
                if rest or (len(q) > 300 and not EMAIL.search(q)):
                    rest.append(q)
                else:
                    block.extend(q.splitlines())
            contacts = parse_contact_lines(ln for ln in block if ln.strip())
            if contacts:
                return paragraphs[:idx] + rest, contacts
            return paragraphs, []
    return paragraphs, []


def _event(text: str, published: datetime | None, ctx: Context) -> datetime | None:
    """The date and time of the event an invitation announces (le jeudi 12 avril 2018 à 10h30)."""
    for m in EVENT.finditer(text):
        found = parse_french_date(m.group(0) + ("" if re.search(r"\d{4}", m.group(0)) else
                                                  f" {published.year if published else ctx.now.year}"))
        if not found:
            continue
        start = aware(found[0], ctx.timezone)
        if m["time"]:
            t = parse_time(m["time"])
            if t:
                start = start.replace(hour=t.hour, minute=t.minute)
        return start
    return None
