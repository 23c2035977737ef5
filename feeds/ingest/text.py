"""Press-release text: pandoc-style Markdown converted from a PDF or DOCX (the seed's format).

Layout, top to bottom, each part optional: a header line naming the kind, an embargo line, a
dateline (place and date), the title, the standfirst, the body, a contact block.
"""

from __future__ import annotations

import re
from datetime import datetime

from feeds.ingest import normalise as n
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
    rf"^(?:(?P<place>[A-ZÀ-Ý][\w'’ -]{{1,40}}?)\s*,\s*)?(?:le\s+|ce\s+)?(?P<date>(?:(?:{n.WEEKDAY_RE})\s+)?"
    rf"\d{{1,2}}(?:\s*\^?\{{?(?:er|e)\}}?)?\s+(?:{n.MONTH_RE})\s+\d{{4}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}})\s*\.?$",
    re.IGNORECASE,
)
EVENT = re.compile(
    rf"(?:(?:{n.WEEKDAY_RE})\s+)?\d{{1,2}}(?:\s*\^?\{{?(?:er|e)\}}?)?\s+(?:{n.MONTH_RE})(?:\s+\d{{4}})?"
    rf"(?:\s*,?\s*(?:à|a|dès|de)\s+(?P<time>\d{{1,2}}\s*[hH:]\s*\d{{0,2}}))?",
    re.IGNORECASE,
)


def _unwrap(paragraph: str) -> str:
    """A short line without its Markdown decoration (bold, headings, quotes)."""
    line = re.sub(r"^[#>\s]+", "", paragraph.strip())
    return n.strip_inline_markdown(line).strip(" *_")


def parse(data: bytes, name: str, ctx: n.Context | None = None) -> Release:
    return parse_text(n.decode(data), name, n.sha256(data), ctx, "text")


def parse_text(text: str, name: str, sha256: str, ctx: n.Context | None = None, fmt: str = "text") -> Release:
    """A release from press-release text already decoded (also the text extracted from DOCX and PDF files)."""
    ctx = ctx or n.Context()
    if not text.strip():
        raise n.IngestError("fichier vide")
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
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
            found = n.parse_french_date(m["when"])
            if found:
                when = n.aware(found[0], ctx.timezone)
                t = n.parse_time(m["when"][m["when"].lower().find(str(found[0].year)):])
                embargo = when.replace(hour=t.hour, minute=t.minute) if t else when
        elif len(flat) < 120 and DATELINE.match(flat):
            place, published, weekday = _dateline(flat)
        else:
            title = flat
        i += 1
    if title is None:
        raise n.IngestError("aucun titre trouvé")
    body_paragraphs = paragraphs[i:]
    # A dateline may follow the title.
    if published is None and body_paragraphs and DATELINE.match(" ".join(_unwrap(body_paragraphs[0]).split())):
        place, published, weekday = _dateline(" ".join(_unwrap(body_paragraphs[0]).split()))
        body_paragraphs = body_paragraphs[1:]

    body_paragraphs, contacts = _split_contacts(body_paragraphs)
    standfirst = None
    if len(body_paragraphs) > 1 and _is_prose(body_paragraphs[0]):
        standfirst = body_paragraphs.pop(0)

    markdown = "\n\n".join(body_paragraphs)
    release = Release(
        id=n.make_id(ctx.publisher, _key(name), _key(name)),
        title=title,
        published=published,
        source=Source(name=name, sha256=sha256, format=fmt),
        kind=kind,
        publisher=ctx.publisher,
        standfirst=standfirst,
        place=place,
        body_html=n.markdown_to_html(markdown),
        embargo_until=embargo,
    )
    plain = n.strip_inline_markdown("\n\n".join(([standfirst] if standfirst else []) + body_paragraphs))
    release.quotes = n.extract_quotes(plain)
    release.contacts = contacts
    release.language = n.detect_language(title + " " + plain, ctx.language)
    if weekday and published and n.WEEKDAYS[published.weekday()] != weekday:
        release.warn("weekday_mismatch",
                      f"la date indique {weekday} {published.date().isoformat()}, qui était un "
                      f"{n.WEEKDAYS[published.weekday()]}")
    if kind == "invitation":
        release.event_start = _event(plain, published, ctx)
    n.finish(release, ctx)
    n.check_weekdays(release, plain)
    return release


def _key(name: str) -> str:
    """The native key of a text file: its name without folders or extension."""
    stem = re.split(r"[\\/]", name)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem


def _dateline(line: str) -> tuple[str | None, datetime | None, str | None]:
    m = DATELINE.match(line)
    assert m
    found = n.parse_french_date(m["date"])
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
        if n.CONTACT_HEADING.match(p.strip()):
            block, rest = [], []
            for q in paragraphs[idx:]:
                if rest or (len(q) > 300 and not n.EMAIL.search(q)):
                    rest.append(q)
                else:
                    block.extend(q.splitlines())
            contacts = n.parse_contact_lines(ln for ln in block if ln.strip())
            if contacts:
                return paragraphs[:idx] + rest, contacts
            return paragraphs, []
    return paragraphs, []


def _event(text: str, published: datetime | None, ctx: n.Context) -> datetime | None:
    """The date and time of the event an invitation announces (le jeudi 12 avril 2018 à 10h30)."""
    for m in EVENT.finditer(text):
        found = n.parse_french_date(m.group(0) + ("" if re.search(r"\d{4}", m.group(0)) else
                                                  f" {published.year if published else ctx.now.year}"))
        if not found:
            continue
        start = n.aware(found[0], ctx.timezone)
        if m["time"]:
            t = n.parse_time(m["time"])
            if t:
                start = start.replace(hour=t.hour, minute=t.minute)
        return start
    return None
