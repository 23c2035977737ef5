"""What every ingester does with its release: a permanent id first, ``finish`` last (checks and derived fields
common to every format), so that a release looks the same whatever format it arrived in."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import timedelta

from feeds import kinds
from feeds.ingest.base import Context, IngestError
from feeds.ingest.dates import aware
from feeds.ingest.markup import clean_text, html_to_text, text_and_links
from feeds.model import Release
from feeds.sanitize import sanitize_html

TITLE_MAX = 300
MAX_LINKS = 1000


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


def summarise(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def finish(release: Release, ctx: Context) -> Release:
    """Checks and derived fields common to every format, run once at the end of each parser."""
    _clean_fields(release, ctx)
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
    release.kind = kinds.kind(release.kind).code
    _check_dates(release, ctx)
    if not release.body_text and not release.standfirst:
        release.warn("empty_body", "le communiqué n'a pas de texte")
    return release


def _clean_fields(release: Release, ctx: Context) -> None:
    """Every one-line field as plain text; the title required, and cut past TITLE_MAX."""
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
    for q in release.quotes:
        q.text, q.speaker, q.role = clean_text(q.text), clean_text(q.speaker) or None, clean_text(q.role) or None
    for c in release.contacts:
        c.name, c.role = clean_text(c.name) or None, clean_text(c.role) or None
        c.email = clean_text(c.email).lower() or None
    for a in release.attachments:
        a.title = clean_text(a.title) or None


def _check_dates(release: Release, ctx: Context) -> None:
    """Dates made aware in the publisher's time zone; a missing, future or implausible date warned about."""
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
