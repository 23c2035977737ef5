"""Feed documents: releases in, bytes out, one builder per format (Atom 1.0, RSS 2.0, JSON Feed 1.1).

Written with lxml rather than feedgen: feedgen has no JSON Feed, no RFC 5005 archive links, turns an
author without e-mail into nothing useful in RSS and puts ``]]>``-breakable CDATA in ``content:encoded``.
Every text is cleaned here once more, so a hostile record in the database can never break a feed.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin

from lxml import etree
from markupsafe import escape

from feeds.config import Site
from feeds.ingest.normalise import sanitize_html
from feeds.model import Release

# Entry ids never depend on the host, the title or the format: only on the release's permanent id.
ENTRY_NAMESPACE = uuid.UUID("6f1d8c3e-2b7a-4c59-9e0a-3d5b7c1a2f40")

CONTENT_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}

ATOM = "http://www.w3.org/2005/Atom"
HISTORY = "http://purl.org/syndication/history/1.0"  # RFC 5005
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR = "feeds (salle de presse ouverte)"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Not allowed in XML 1.0 (C0 controls, lone surrogates, U+FFFE/U+FFFF), or discouraged (C1, non-characters).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def entry_id(release_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, release_id)}"


def xml_text(value: str | None) -> str:
    """Text every XML parser and JSON encoder accepts: illegal characters dropped."""
    return _ILLEGAL.sub("", value or "")


def plain_line(value: str | None) -> str:
    """One line of plain text (titles, names): illegal characters dropped, spaces folded."""
    return _SPACES.sub(" ", xml_text(value)).strip()


def absolute_html(fragment: str, base: str) -> str:
    """Sanitised HTML whose links and images are absolute against the release page (feeds have no base)."""
    cleaned = sanitize_html(xml_text(fragment))
    return _URL_ATTRIBUTE.sub(lambda m: m[1] + urljoin(base, m[2]) + m[3], cleaned)


@dataclass
class Document:
    """What one feed document is about: its identity, titles and links (archives included)."""

    id: str
    title: str
    subtitle: str
    self_url: str
    page_url: str
    archive: bool = False
    hub: str = ""  # a WebSub hub that pushes this feed
    history: dict[str, str] = field(default_factory=dict)  # current, prev-archive, next-archive → URL


@dataclass
class Entry:
    """A release as every format needs it: texts cleaned, dates settled, links absolute."""

    id: str
    url: str
    title: str
    published: datetime
    updated: datetime
    author: str
    language: str
    topics: list[str]
    summary: str
    content_html: str
    attachments: list[dict]

    @classmethod
    def of(cls, release: Release, recorded_at: str | None, url: str, site: Site) -> Entry:
        recorded = datetime.fromisoformat(recorded_at) if recorded_at else EPOCH
        published = release.published or recorded
        parts = []
        if release.standfirst:
            parts.append(f"<p><strong>{escape(xml_text(release.standfirst))}</strong></p>")
        if release.body_html:
            parts.append(absolute_html(release.body_html, url))
        title = plain_line(release.title) or plain_line(release.id)
        attachments = []
        for a in release.attachments:
            href = urljoin(url, xml_text(a.url).strip())
            if not href.startswith(("http://", "https://")):
                continue
            mime = a.type or mimetypes.guess_type(href)[0] or "application/octet-stream"
            attachments.append({"url": href, "type": mime, "title": plain_line(a.title) or None,
                                "length": a.length if a.length and a.length > 0 else None})
        return cls(
            id=entry_id(release.id), url=url, title=title, published=published,
            updated=max(release.updated or published, published),
            author=plain_line(release.publisher) or site.publisher["name"],
            language=plain_line(release.language) or site.language,
            topics=[t for t in (plain_line(t) for t in release.topics) if t],
            summary=plain_line(release.summary or release.standfirst),
            content_html="\n".join(parts) or f"<p>{escape(title)}</p>",
            attachments=attachments,
        )


def feed_updated(entries: list[Entry]) -> datetime:
    return max((e.updated for e in entries), default=EPOCH)


def _sub(parent, tag: str, text: str | None = None, **attrib) -> etree._Element:
    element = etree.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrib.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def build_atom(doc: Document, entries: list[Entry], site: Site) -> bytes:
    nsmap = {None: ATOM, "fh": HISTORY} if doc.archive or doc.history else {None: ATOM}
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap=nsmap)
    feed.set(XML_LANG, site.language)
    a = f"{{{ATOM}}}"
    _sub(feed, a + "id", doc.id)
    _sub(feed, a + "title", _title(doc, site), type="text")
    _sub(feed, a + "subtitle", _subtitle(doc, site), type="text")
    _sub(feed, a + "updated", feed_updated(entries).isoformat())
    _sub(feed, a + "link", rel="self", type="application/atom+xml", href=doc.self_url)
    _sub(feed, a + "link", rel="alternate", type="text/html", href=doc.page_url)
    for rel, href in doc.history.items():
        _sub(feed, a + "link", rel=rel, type="application/atom+xml", href=href)
    if doc.hub:
        _sub(feed, a + "link", rel="hub", href=doc.hub)
    if doc.archive:
        _sub(feed, f"{{{HISTORY}}}archive")
    author = _sub(feed, a + "author")
    _sub(author, a + "name", plain_line(site.publisher["name"]))
    if site.publisher.get("url"):
        _sub(author, a + "uri", site.publisher["url"])
    _sub(feed, a + "generator", GENERATOR)
    logo = site.absolute(site.publisher.get("logo"))
    if logo:
        _sub(feed, a + "logo", logo)
    _sub(feed, a + "rights", _rights(site), type="text")
    for e in entries:
        entry = _sub(feed, a + "entry")
        entry.set(XML_LANG, e.language)
        _sub(entry, a + "id", e.id)
        _sub(entry, a + "title", e.title, type="text")
        _sub(entry, a + "published", e.published.isoformat())
        _sub(entry, a + "updated", e.updated.isoformat())
        _sub(_sub(entry, a + "author"), a + "name", e.author)
        _sub(entry, a + "link", rel="alternate", type="text/html", href=e.url)
        for att in e.attachments:
            _sub(entry, a + "link", rel="enclosure", type=att["type"], href=att["url"], title=att["title"],
                 length=str(att["length"]) if att["length"] else None)
        for topic in e.topics:
            _sub(entry, a + "category", term=topic, label=topic)
        if e.summary:
            _sub(entry, a + "summary", e.summary, type="text")
        _sub(entry, a + "content", e.content_html, type="html")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")


def build_rss(doc: Document, entries: list[Entry], site: Site) -> bytes:
    nsmap = {"atom": ATOM, "content": CONTENT, "dc": DC}
    if doc.archive or doc.history:
        nsmap["fh"] = HISTORY
    rss = etree.Element("rss", nsmap=nsmap, version="2.0")
    channel = _sub(rss, "channel")
    _sub(channel, "title", _title(doc, site))
    _sub(channel, "link", doc.page_url)
    _sub(channel, "description", _subtitle(doc, site))
    _sub(channel, f"{{{ATOM}}}link", rel="self", type="application/rss+xml", href=doc.self_url)
    for rel, href in doc.history.items():
        _sub(channel, f"{{{ATOM}}}link", rel=rel, type="application/rss+xml", href=href)
    if doc.hub:
        _sub(channel, f"{{{ATOM}}}link", rel="hub", href=doc.hub)
    if doc.archive:
        _sub(channel, f"{{{HISTORY}}}archive")
    _sub(channel, "language", site.language)
    _sub(channel, "copyright", _rights(site))
    _sub(channel, "lastBuildDate", format_datetime(feed_updated(entries)))
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "docs", "https://www.rssboard.org/rss-specification")
    for e in entries:
        item = _sub(channel, "item")
        _sub(item, "title", e.title)
        _sub(item, "link", e.url)
        _sub(item, "guid", e.id, isPermaLink="false")
        _sub(item, "pubDate", format_datetime(e.published))
        # RSS <author> must be an e-mail address; a body's name goes in dc:creator.
        _sub(item, f"{{{DC}}}creator", e.author)
        for topic in e.topics:
            _sub(item, "category", topic)
        if e.summary:  # HTML by convention in RSS, so the plain text is escaped once more
            _sub(item, "description", str(escape(e.summary)))
        _sub(item, f"{{{CONTENT}}}encoded", e.content_html)
        # RSS allows one enclosure, whose length is required: the first attachment of known length.
        known = [att for att in e.attachments if att["length"]]
        if known:
            _sub(item, "enclosure", url=known[0]["url"], length=str(known[0]["length"]), type=known[0]["type"])
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8")


def build_json(doc: Document, entries: list[Entry], site: Site) -> bytes:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _title(doc, site),
        "home_page_url": doc.page_url,
        "feed_url": doc.self_url,
        "description": _subtitle(doc, site),
        "language": site.language,
        "authors": [{k: v for k, v in (("name", plain_line(site.publisher["name"])),
                                       ("url", site.publisher.get("url"))) if v}],
    }
    # JSON Feed pages towards older items with next_url: the most recent archive page.
    if doc.hub:
        feed["hubs"] = [{"type": "WebSub", "url": doc.hub}]
    if doc.history.get("prev-archive"):
        feed["next_url"] = doc.history["prev-archive"]
    feed["items"] = [_json_item(e) for e in entries]
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_item(e: Entry) -> dict:
    item = {
        "id": e.id, "url": e.url, "title": e.title, "content_html": e.content_html,
        **({"summary": e.summary} if e.summary else {}), "date_published": e.published.isoformat(), "date_modified": e.updated.isoformat(),
        "authors": [{"name": e.author}], "language": e.language,
    }
    if e.topics:
        item["tags"] = e.topics
    if e.attachments:
        item["attachments"] = [
            {k: v for k, v in (("url", a["url"]), ("mime_type", a["type"]), ("title", a["title"]),
                               ("size_in_bytes", a["length"])) if v}
            for a in e.attachments
        ]
    return item


def _title(doc: Document, site: Site) -> str:
    return plain_line(doc.title) or plain_line(site.title) or "Salle de presse"


def _subtitle(doc: Document, site: Site) -> str:
    """Never blank: RSS requires a description."""
    return plain_line(doc.subtitle) or _title(doc, site)


def _rights(site: Site) -> str:
    return " — ".join(x for x in (site.licence.get("name"), site.licence.get("url")) if x)


BUILDERS: dict[str, Callable[[Document, list[Entry], Site], bytes]] = {
    "atom": build_atom, "rss": build_rss, "json": build_json,
}


def etag_of(body: bytes) -> str:
    """A strong validator from the bytes themselves: identical after a rebuild of the database."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
