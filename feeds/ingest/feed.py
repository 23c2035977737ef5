"""An existing RSS 2.0, RSS 1.0 or Atom feed: every item becomes a release (read with feedparser)."""

from __future__ import annotations

import calendar
import email.utils
import mimetypes
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.language import detect_language
from feeds.ingest.markup import clean_text, html_to_text
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes, extract_quotes_en, quote_paragraphs
from feeds.model import Attachment, Release, Source
from feeds.sanitize import sanitize_html

TEMPLATE_MARKERS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def parse_many(data: bytes, name: str, ctx: Context | None = None) -> Iterator[Release]:
    ctx = ctx or Context()
    head = data[:4096].decode("utf-8", errors="replace")
    if TEMPLATE_MARKERS.search(head):
        raise IngestError("modèle de flux (Liquid/Jinja) et non un flux : il faut le fichier produit par le site")
    if re.search(rb"<!ENTITY", data[:65536], re.IGNORECASE):
        # Entity declarations serve no feed; they are how XML bombs and external-entity leaks work.
        raise IngestError("flux refusé : il déclare des entités XML (<!ENTITY>)")
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    version = parsed.get("version") or ""
    if not version or not parsed.entries:
        if parsed.get("bozo") and not parsed.entries:
            problem = parsed.get("bozo_exception")
            raise IngestError(f"flux RSS/Atom illisible ({type(problem).__name__ if problem else 'format inconnu'})")
        if not version:
            raise IngestError("ce n'est pas un flux RSS ou Atom")
        raise IngestError("le flux ne contient aucun article")
    digest = sha256(data)
    channel = parsed.feed
    language = (channel.get("language") or "").split("-")[0].lower()
    base = channel.get("link") or ctx.publisher_url
    for index, entry in enumerate(parsed.entries, 1):
        yield _release(entry, index, name, digest, language, base, ctx)


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    """The first item of a feed."""
    for release in parse_many(data, name, ctx):
        return release
    raise IngestError("le flux ne contient aucun article")


def _release(entry, index: int, name: str, digest: str, language: str, base: str | None,
             ctx: Context) -> Release:
    key = entry.get("id") or entry.get("link") or entry.get("title")
    if not key:
        raise IngestError(f"article {index} du flux sans identifiant (guid), sans lien ni titre")
    title = clean_text(entry.get("title"))
    if not title:
        raise IngestError(f"article {index} du flux sans titre")
    content = ""
    for item in entry.get("content") or []:
        if item.get("value"):
            content = item["value"]
            break
    summary = entry.get("summary") or ""
    body = content or summary
    if body and not re.search(r"<[a-zA-Z/!]", body):
        body = "".join(f"<p>{_escape(p)}</p>" for p in re.split(r"\n\s*\n", body) if p.strip())
    release = Release(
        id=make_id(ctx.publisher, str(key), _hint(entry)),
        title=title,
        published=_when(entry, "published") or _when(entry, "updated"),
        source=Source(name=f"{name}#{index}", sha256=digest, format="feed"),
        publisher=_author(entry) or ctx.publisher,
        body_html=body,
        summary=clean_text(summary) if content and summary else None,
    )
    updated = _when(entry, "updated")
    if release.published and updated and updated > release.published:
        release.updated = updated
    release.topics = [t.get("term") or t.get("label") for t in entry.get("tags") or [] if t.get("term") or t.get("label")]
    release.attachments = _enclosures(entry)
    plain = html_to_text(sanitize_html(body)) if body else ""
    release.language = language or detect_language(title + " " + plain, ctx.language)
    paragraphs = quote_paragraphs(sanitize_html(body)) if body else []
    release.quotes = (extract_quotes_en(paragraphs) if release.language == "en"
                      else extract_quotes("\n\n".join(paragraphs)))
    return finish(release, ctx)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _hint(entry) -> str | None:
    link = entry.get("link") or ""
    slug = link.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0] if link else ""
    return slug or None


def _when(entry, field: str) -> datetime | None:
    """A date of an item with the offset it was written with (RFC 822 or ISO 8601), else feedparser's UTC."""
    present = set(dict.keys(entry))  # feedparser maps a missing 'updated' to 'published', with a warning
    raw = str(entry[field] if field in present else "").strip()
    if raw:
        try:
            return email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            pass
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    parsed = entry[f"{field}_parsed"] if f"{field}_parsed" in present else None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC) if parsed else None


def _author(entry) -> str | None:
    """An author that names a person or a body ('admin-2', a CMS login, does not)."""
    author = clean_text((entry.get("author_detail") or {}).get("name") or entry.get("author"))
    if author and (" " in author or author[:1].isupper()) and not re.fullmatch(r"[\w.-]+@[\w.-]+", author):
        return author
    return None


def _enclosures(entry) -> list[Attachment]:
    found = []
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and link.get("href"):
            length = str(link.get("length") or "").strip()
            found.append(Attachment(
                url=link["href"],
                type=link.get("type") or mimetypes.guess_type(link["href"])[0],
                length=int(length) if length.isdigit() and int(length) > 0 else None,
                title=link.get("title") or None,
            ))
    return found
