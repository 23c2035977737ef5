"""Press-release text: pandoc-style Markdown converted from a PDF, DOCX, ODT or RTF (the seed's format).

Layout, top to bottom, each part optional: a header line naming the kind, an embargo line, a
dateline (place and date), the title, the standfirst, the body, a contact block. Header words, dates
and weekdays are read in every EU language (feeds.ingest.headers, feeds.ingest.dates). A level-1
heading (``# Title``) among the opening paragraphs is the title, whatever short lines come before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import CONTACT_HEADING, EMAIL, parse_contact_lines, region_for
from feeds.ingest.dates import (
    MONTH_RE,
    WEEKDAY_RE,
    Dateline,
    aware,
    check_weekdays,
    find_date,
    parse_dateline,
    parse_french_date,
    parse_time,
    weekday_name,
)
from feeds.ingest.decoding import decode
from feeds.ingest.headers import embargo, kind_header
from feeds.ingest.language import detect_language
from feeds.ingest.markup import markdown_to_html, strip_inline_markdown
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes
from feeds.model import Contact, Release, Source

OPENING_PARAGRAPHS = 8  # the header lines and the title are among the first paragraphs
HEADING = re.compile(r"^#\s+\S")  # a level-1 ATX heading: the extractors' title
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
    rest = paragraphs[head.end:]
    language = detect_language(head.title + " " + strip_inline_markdown("\n\n".join(rest)), ctx.language)
    rest, contacts = _split_contacts(rest, region_for(language, ctx.publisher_url))
    standfirst = rest.pop(0) if len(rest) > 1 and _is_prose(rest[0]) else None
    body_paragraphs = head.kept + rest
    plain = strip_inline_markdown("\n\n".join(([standfirst] if standfirst else []) + body_paragraphs))

    release = Release(
        id=make_id(ctx.publisher, _key(name), _key(name)),
        title=head.title,
        published=head.published,
        source=Source(name=name, sha256=digest, format=fmt),
        kind=head.kind,
        publisher=ctx.publisher,
        standfirst=standfirst,
        place=head.place,
        body_html=markdown_to_html("\n\n".join(body_paragraphs)),
        embargo_until=head.embargo,
    )
    release.quotes = extract_quotes(plain, language=language)
    release.contacts = contacts
    release.language = language
    published, weekday = head.published, head.weekday
    if weekday is not None and published and published.weekday() != weekday:
        release.warn("weekday_mismatch",
                      f"la date indique {weekday_name(weekday)} {published.date().isoformat()}, qui était un "
                      f"{weekday_name(published.weekday())}")
    if head.kind == "invitation":
        release.event_start = _event(plain, published, ctx, language)
    finish(release, ctx)
    check_weekdays(release, plain, language)
    return release


@dataclass
class _Opening:
    """What the lines above the body say: the kind, an embargo, the dateline, the title; ``end`` is the index
    of the body's first paragraph, ``kept`` the lines above a ``# Title`` that are none of these (the body's)."""

    end: int = 0
    title: str = ""
    kind: str = "communique"
    embargo: datetime | None = None
    place: str | None = None
    published: datetime | None = None
    weekday: int | None = None
    kept: list[str] = field(default_factory=list)

    def date(self, line: Dateline) -> None:
        self.place, self.weekday = line.place, line.weekday
        self.published = datetime(line.date.year, line.date.month, line.date.day)


def _flat(paragraph: str) -> str:
    return " ".join(_unwrap(paragraph).split())


def _opening(paragraphs: list[str], ctx: Context) -> _Opening:
    """The header lines up to the title (among the first eight paragraphs), and a dateline right after it."""
    head, languages = _Opening(), (ctx.language,)
    heading = _title_heading(paragraphs, ctx)
    title, i = None, 0
    while i < len(paragraphs) and i < OPENING_PARAGRAPHS and title is None:
        flat = _flat(paragraphs[i])
        if i == heading:
            title = flat
        elif _header_line(flat, head, ctx):
            pass
        elif heading is not None:
            head.kept.append(paragraphs[i])  # letterhead, the body's name: above the title, still the body's
        else:
            title = flat
        i += 1
    if title is None:
        raise IngestError("aucun titre trouvé")
    # A dateline may follow the title.
    if head.published is None and i < len(paragraphs) and (line := parse_dateline(_flat(paragraphs[i]), languages)):
        head.date(line)
        i += 1
    head.end, head.title = i, title
    return head


def _title_heading(paragraphs: list[str], ctx: Context) -> int | None:
    """The index of the first ``# Title`` among the opening paragraphs that is not itself a header line."""
    for i, paragraph in enumerate(paragraphs[:OPENING_PARAGRAPHS]):
        if HEADING.match(paragraph.lstrip()) and not _header_line(_flat(paragraph), _Opening(), ctx):
            return i
    return None


def _header_line(flat: str, head: _Opening, ctx: Context) -> bool:
    """Reads a kind, embargo or dateline line into ``head``; False for any other line."""
    languages = (ctx.language,)
    if found := kind_header(flat):
        head.kind = found[0]
        # "Communiqué de presse – Toulouse, le 25 janvier 2018" on one line
        if found[1] and (line := parse_dateline(found[1], languages)):
            head.date(line)
        return True
    if (when := embargo(flat)) is not None:
        head.embargo = _embargo(when, ctx) or head.embargo
        return True
    if line := parse_dateline(flat, languages):
        head.date(line)
        return True
    return False


def _embargo(when: str, ctx: Context) -> datetime | None:
    """The end of an embargo line's embargo (SOUS EMBARGO JUSQU'AU 15 MARS 2019, 6H00; Sperrfrist: 12. März
    2024, 10:00 Uhr; Embargoed until 00:01, 12 March 2024)."""
    found = find_date(when, (ctx.language,))
    if not found:
        return None
    day = aware(found.date, ctx.timezone)
    t = parse_time(when[found.end:]) or parse_time(when[:found.start])
    return day.replace(hour=t.hour, minute=t.minute) if t else day


def _key(name: str) -> str:
    """The native key of a text file: its name without folders or extension."""
    stem = re.split(r"[\\/]", name)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem


def _is_prose(paragraph: str) -> bool:
    p = paragraph.lstrip()
    return bool(p) and not p.startswith(("#", "-", "*", "+", ">", "|", "1.", "«", "\"", "“", "<", "[", "!")) \
        and len(p) > 60


def _split_contacts(paragraphs: list[str], region: str) -> tuple[list[str], list[Contact]]:
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
            contacts = parse_contact_lines((ln for ln in block if ln.strip()), region=region)
            if contacts:
                return paragraphs[:idx] + rest, contacts
            return paragraphs, []
    return paragraphs, []


def _event(text: str, published: datetime | None, ctx: Context, language: str) -> datetime | None:
    """The date and time of the event an invitation announces (le jeudi 12 avril 2018 à 10h30; in another
    language, its first date with a year, and the time after it)."""
    if language != "fr":
        found = find_date(text, (language,))
        if found:
            t = parse_time(text[found.end:found.end + 20])
            start = aware(found.date, ctx.timezone)
            return start.replace(hour=t.hour, minute=t.minute) if t else start
    for m in EVENT.finditer(text):
        found_fr = parse_french_date(m.group(0) + ("" if re.search(r"\d{4}", m.group(0)) else
                                                     f" {published.year if published else ctx.now.year}"))
        if not found_fr:
            continue
        start = aware(found_fr[0], ctx.timezone)
        if m["time"]:
            t = parse_time(m["time"])
            if t:
                start = start.replace(hour=t.hour, minute=t.minute)
        return start
    return None
