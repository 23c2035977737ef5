"""Feed documents: releases in, bytes out, one builder per format (Atom 1.0, RSS 2.0, JSON Feed 1.1).

Atom and RSS are built with feedgen, content escaped (never CDATA, so ``]]>`` is just text). What feedgen does
not write goes through its extensions: RFC 5005 ``fh:archive`` (its ``link()`` takes the archive relations),
``dc:creator`` (an RSS ``author`` must be an e-mail address), ``xml:lang`` and whole links per Atom entry.
feedgen has no JSON Feed, which is a plain dict. Every text is cleaned here once more, so a hostile record in
the database can never break a feed (lxml, under feedgen, refuses XML-illegal characters).
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
from urllib.parse import urljoin

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from markupsafe import escape

from feeds.config import Site
from feeds.sanitize import sanitize_html
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


_ABSOLUTE = ("http://", "https://", "mailto:", "tel:")


def absolute_html(fragment: str, base: str) -> str:
    """Sanitised HTML whose links and images are absolute against the release page (feeds have no base)."""
    cleaned = sanitize_html(xml_text(fragment))
    return _URL_ATTRIBUTE.sub(
        lambda m: m[0] if m[2].startswith(_ABSOLUTE) else m[1] + urljoin(base, m[2]) + m[3], cleaned)


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


class _FeedExtras(BaseExtension):
    """What feedgen does not write in a feed head: RFC 5005's ``fh:archive``, and in RSS every atom:link but self."""

    def __init__(self):
        self.archive = False
        self.rss_links: list[dict] = []

    def extend_ns(self) -> dict:
        return {"fh": HISTORY} if self.archive else {}

    # First in the head, so that the entries stay the last children (see _splice).
    def extend_atom(self, feed):
        if self.archive:
            feed.insert(0, xml_elem(f"{{{HISTORY}}}archive"))
        return feed

    def extend_rss(self, rss):
        channel = rss[0]
        self_link = channel.find(f"{{{ATOM}}}link")
        at = channel.index(self_link) + 1 if self_link is not None else 0
        extras = [xml_elem(f"{{{ATOM}}}link", **link) for link in self.rss_links]
        for element in extras + ([xml_elem(f"{{{HISTORY}}}archive")] if self.archive else []):
            channel.insert(at, element)
            at += 1
        return rss


class _EntryExtras(BaseEntryExtension):
    """What feedgen does not write in an entry: its ``xml:lang``, whole Atom links, RSS ``content:encoded`` alone."""

    def __init__(self):
        self.language = ""
        self.links: list[dict] = []
        self.content = ""

    def extend_atom(self, entry):
        entry.set(XML_LANG, self.language)
        # feedgen 1.0 drops every attribute of an entry link but href (lkiesow/python-feedgen#135). Its Atom
        # elements carry no namespace (the root declares it), so neither do these.
        for link in self.links:
            xml_elem("link", entry, **link)
        return entry

    def extend_rss(self, item):
        # feedgen writes content:encoded only next to a description, and a release without summary has none.
        xml_elem(f"{{{CONTENT}}}encoded", item).text = self.content
        return item


def _generator(doc: Document, entries: list[Entry], site: Site, fmt: str) -> FeedGenerator:
    """The head both formats share (``entries`` date it), nothing else."""
    fg = FeedGenerator()
    if fmt == "rss":
        fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("extras", _FeedExtras, _EntryExtras)
    fg.id(doc.id)  # Atom's; RSS has none
    fg.title(_title(doc, site))
    fg.subtitle(_subtitle(doc, site))
    fg.updated(feed_updated(entries))  # also RSS lastBuildDate; feedgen would say "now"
    fg.language(site.language)
    fg.rights(_rights(site))
    fg.generator(GENERATOR)
    fg.link(href=doc.self_url, rel="self", type=CONTENT_TYPES[fmt].split(";")[0])
    fg.link(href=doc.page_url, rel="alternate", type="text/html")  # the last link is RSS's channel link
    fg.extras.archive = doc.archive
    return fg


def _add_atom_entry(fg: FeedGenerator, e: Entry) -> None:
    fe = _add_entry(fg, e)
    fe.author(name=e.author)
    fe.extras.links = [{"rel": "alternate", "type": "text/html", "href": e.url}] + [
        {k: v for k, v in (("rel", "enclosure"), ("type", att["type"]), ("href", att["url"]),
                           ("title", att["title"]), ("length", att["length"] and str(att["length"]))) if v}
        for att in e.attachments]
    if e.summary:
        fe.summary(e.summary, type="text")
    fe.content(e.content_html, type="html")  # escaped text, never CDATA


def _add_rss_item(fg: FeedGenerator, e: Entry) -> None:
    fe = _add_entry(fg, e)
    fe.link(href=e.url)
    # RSS <author> must be an e-mail address; a body's name goes in dc:creator.
    fe.dc.dc_creator(e.author)
    if e.summary:  # HTML by convention in RSS, so the plain text is escaped once more
        fe.description(str(escape(e.summary)))
    fe.extras.content = e.content_html
    # RSS allows one enclosure, whose length is required: the first attachment of known length.
    known = [att for att in e.attachments if att["length"]]
    if known:
        fe.enclosure(known[0]["url"], str(known[0]["length"]), known[0]["type"])


def _add_entry(fg: FeedGenerator, e: Entry):
    fe = fg.add_entry(order="append")
    fe.id(e.id)  # and the RSS guid, isPermaLink="false"
    fe.title(e.title)
    fe.published(e.published)
    fe.updated(e.updated)
    if e.topics:
        fe.category([{"term": topic, "label": topic} for topic in e.topics])
    fe.extras.language = e.language
    return fe


# format -> (feedgen serialiser, one entry added, the entry's closing tag, the document's closing tags)
_XML = {
    "atom": (FeedGenerator.atom_str, _add_atom_entry, b"</entry>", b"</feed>"),
    "rss": (FeedGenerator.rss_str, _add_rss_item, b"</item>", b"</channel></rss>"),
}


def _splice(fmt: str, fg: FeedGenerator, doc: Document, entries: list[Entry], site: Site,
            kept: dict | None) -> bytes:
    """feedgen's document with its entries, each serialised by feedgen once and kept for the next document.

    A release is an entry of a dozen feeds (every facet, three formats, archives): a static build renders
    its XML once. Entries are the last children of the document (the extensions put theirs first), and an
    entry's closing tag cannot occur inside it (text is escaped), so the document is the head's bytes with
    the entries' bytes before its closing tags.
    """
    serialise, add, close, end = _XML[fmt]
    kept = {} if kept is None else kept
    missing = [e for e in entries if (fmt, e.id, e.url) not in kept]
    if missing:
        batch = _generator(doc, missing, site, fmt)
        for e in missing:
            add(batch, e)
        body = serialise(batch, encoding="utf-8")
        start = body.index(b"<entry" if fmt == "atom" else b"<item")
        parts = body[start:-len(end)].split(close)[:-1]
        for e, part in zip(missing, parts, strict=True):
            kept[(fmt, e.id, e.url)] = part + close
    head = serialise(fg, encoding="utf-8")
    return head[:-len(end)] + b"".join(kept[(fmt, e.id, e.url)] for e in entries) + end


def build_atom(doc: Document, entries: list[Entry], site: Site, kept: dict | None = None) -> bytes:
    fg = _generator(doc, entries, site, "atom")
    for rel, href in doc.history.items():
        fg.link(href=href, rel=rel, type="application/atom+xml")
    if doc.hub:
        fg.link(href=doc.hub, rel="hub")
    publisher = plain_line(site.publisher["name"])
    if publisher:  # feedgen refuses an author without a name
        fg.author(name=publisher, uri=site.publisher.get("url"))
    logo = site.absolute(site.publisher.get("logo"))
    if logo:
        fg.logo(logo)
    return _splice("atom", fg, doc, entries, site, kept)


def build_rss(doc: Document, entries: list[Entry], site: Site, kept: dict | None = None) -> bytes:
    fg = _generator(doc, entries, site, "rss")
    fg.docs("https://www.rssboard.org/rss-specification")
    fg.extras.rss_links = [{"rel": rel, "type": "application/rss+xml", "href": href}
                           for rel, href in doc.history.items()]
    if doc.hub:
        fg.extras.rss_links.append({"rel": "hub", "href": doc.hub})
    return _splice("rss", fg, doc, entries, site, kept)


def build_json(doc: Document, entries: list[Entry], site: Site, kept: dict | None = None) -> bytes:
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
    kept = {} if kept is None else kept
    for e in entries:  # each item encoded once, like the XML entries (see _splice)
        if ("json", e.id, e.url) not in kept:
            kept[("json", e.id, e.url)] = _json_text(_json_item(e)).encode("utf-8")
    items = b",".join(kept[("json", e.id, e.url)] for e in entries)
    return _json_text(feed).encode("utf-8")[:-1] + b',"items":[' + items + b"]}"


def _json_text(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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


BUILDERS: dict[str, Callable[..., bytes]] = {
    "atom": build_atom, "rss": build_rss, "json": build_json,
}


def etag_of(body: bytes) -> str:
    """A strong validator from the bytes themselves: identical after a rebuild of the database."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
