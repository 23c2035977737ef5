"""GOV.UK content-store JSON (news articles: press releases, news stories, government responses)."""

from __future__ import annotations

import json
import mimetypes
from datetime import datetime
from urllib.parse import urljoin

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.decoding import decode
from feeds.ingest.markup import clean_text
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes_en, quote_paragraphs
from feeds.model import Attachment, Release, Source
from feeds.sanitize import sanitize_html

GOVUK = "https://www.gov.uk"
KINDS = {
    "press_release": "communique",
    "news_story": "article",
    "government_response": "declaration",
    "world_news_story": "article",
    "speech": "declaration",
    "statement_to_parliament": "declaration",
    "written_statement": "declaration",
    "oral_statement": "declaration",
    "authored_article": "article",
}
TOPIC_LINKS = ("taxons", "topics", "policy_areas", "related_policies", "topical_events", "world_locations")


def load_json(data: bytes) -> object:
    """A JSON document from bytes (UTF-8, or any encoding ``decode`` repairs)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = decode(data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno} : {exc.msg})") from None


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    ctx = ctx or Context()
    item = load_json(data)
    if not isinstance(item, dict) or not (item.get("content_id") or item.get("base_path")):
        raise IngestError("ce JSON n'est pas un contenu GOV.UK (ni content_id ni base_path)")
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    locale = str(item.get("locale") or "en")
    key = f"{item.get('content_id') or item.get('base_path')}:{locale}"
    publisher = _publisher(links, details) or ctx.publisher
    page_url = urljoin(GOVUK, str(item.get("base_path") or "")) if item.get("base_path") else None
    body_html = _absolute(str(details.get("body") or ""), page_url or GOVUK)
    release = Release(
        id=make_id(ctx.publisher, key, str(item.get("base_path") or "").rstrip("/").rsplit("/", 1)[-1] or None),
        title=clean_text(item.get("title")),
        published=_datetime(details.get("first_public_at") or item.get("first_published_at")),
        source=Source(name=name, sha256=sha256(data), format="govuk"),
        kind=KINDS.get(str(item.get("document_type")), "communique"),
        publisher=publisher,
        standfirst=clean_text(item.get("description")) or None,
        language=locale.split("-")[0].lower(),
        body_html=body_html,
    )
    updated = _datetime(item.get("public_updated_at"))
    if updated and release.published and updated > release.published:
        release.updated = updated
    release.topics = [t for group in TOPIC_LINKS for t in _titles(links.get(group))]
    release.quotes = extract_quotes_en(quote_paragraphs(sanitize_html(body_html)))
    release.attachments = _attachments(details.get("attachments"), page_url or GOVUK)
    return finish(release, ctx)


def _titles(items) -> list[str]:
    return [clean_text(i.get("title")) for i in items or [] if isinstance(i, dict) and i.get("title")]


def _publisher(links: dict, details: dict) -> str | None:
    """GOV.UK's primary publishing organisation, else the first emphasised one, else the first one."""
    primary = _titles(links.get("primary_publishing_organisation"))
    if primary:
        return primary[0]
    organisations = [o for o in links.get("organisations") or [] if isinstance(o, dict)]
    emphasised = details.get("emphasised_organisations") or []
    for content_id in emphasised:
        for o in organisations:
            if o.get("content_id") == content_id and o.get("title"):
                return clean_text(o["title"])
    titles = _titles(organisations)
    return titles[0] if titles else None


def _datetime(value) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _absolute(body_html: str, base: str) -> str:
    """Relative links of GOV.UK bodies (/government/…) made absolute before sanitising."""
    if 'href="/' not in body_html and "src=\"/" not in body_html:
        return body_html
    return body_html.replace('href="/', f'href="{GOVUK}/').replace('src="/', f'src="{GOVUK}/')


def _attachments(items, base: str) -> list[Attachment]:
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("file_url")
        if not url:
            continue
        url = urljoin(base, str(url))
        size = item.get("file_size")
        found.append(Attachment(
            url=url,
            type=item.get("content_type") or mimetypes.guess_type(url)[0],
            length=size if isinstance(size, int) else None,
            title=clean_text(item.get("title")) or None,
        ))
    return found
