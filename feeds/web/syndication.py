"""Feeds over HTTP: every selection (all, a facet, a search) in three formats, archived, cached, conditional.

A feed is ``/feed.{atom,rss,json}`` with at most one value per facet as query parameters
(``?publisher=…&topic=…&q=…``). The feed of a single facet lives under the facet's own path
(``/topics/<name>/feed.atom``; ``/feed.atom?topic=<name>`` redirects there), and a feed's N-th RFC 5005
archive page, counted from the oldest so that its URL does not move when new releases arrive, is
``…/feed/N.atom`` (``?page=N`` redirects there): a static copy of the site serves them as plain files.
Each document is built once per data version and served as cached bytes with a strong ETag and a
Last-Modified taken from the data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, redirect, request
from lxml import etree
from werkzeug.http import http_date

from feeds import store
from feeds.config import Site
from feeds.kinds import KINDS
from feeds.web import validators
from feeds.web.db import data_state, get_db, get_source
from feeds.web.feedcache import Built, FeedCache
from feeds.web.kept import kept
from feeds.web.links import external
from feeds.web.feedbuild import BUILDERS, CONTENT_TYPES, Document, entry_id, etag_of, plain_line
from feeds.web.selection import Live, Selection

__all__ = ["bp", "Built", "entry_id", "FeedCache", "feeds_for", "feed_url", "feed_urls", "FILTERS"]

bp = Blueprint("syndication", __name__)

# The facets a feed can follow, in the canonical order of their query parameters, with their French label.
FILTERS = {"publisher": "Éditeur", "topic": "Thème", "place": "Lieu", "person": "Personne citée",
           "kind": "Type", "q": "Recherche"}
FORMAT_LABELS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
# Feed ids (not entry ids) name the selection, never the host.
FEED_NAMESPACE = uuid.UUID("0b8e3c52-5d0e-4f7a-8a6c-1f2e9d4b7c31")
# The path of each facet's pages and of its feeds; ``kind`` has feeds only.
FACET_PATHS = {"publisher": "/publishers/", "topic": "/topics/", "place": "/places/", "person": "/people/",
               "kind": "/kinds/"}
# A name in a path is quoted as werkzeug's path converter quotes it, so pages and feeds spell it alike.
PATH_SAFE = "!$&'()*+,/:;=@"
FORMATS = ("atom", "rss", "json")
MAX_VALUE = 200
OPML_TYPE = "text/x-opml; charset=utf-8"
CACHE_CONTROL = {"feed": "public, max-age=300", "archive": "public, max-age=86400"}


class FeedNotFound(Exception):
    """A facet value or an archive page that does not exist."""


def _site_root() -> str:
    """The site's address without its final slash, asked by every feed request (routing each time is not free)."""
    return kept().site_roots.get_or(request.url_root, lambda: external("pages.index").rstrip("/"))


def feed_url(fmt: str, selection: Selection = (), page: int | None = None, root: str | None = None) -> str:
    """The absolute URL of a feed: also its ``rel="self"``, so it must be exactly what is served."""
    if len(selection) == 1 and selection[0][0] in FACET_PATHS:
        (kind, value), = selection
        path, params = f"{FACET_PATHS[kind]}{quote(value, safe=PATH_SAFE)}/feed", []
    else:
        path, params = "/feed", list(selection)
    query = urlencode(params, quote_via=quote)
    return (f"{root if root is not None else _site_root()}{path}{f'/{page}' if page else ''}.{fmt}"
            + (f"?{query}" if query else ""))


def feed_urls(root: str, selections: Iterable[Selection] = ((),)) -> list[str]:
    """The feeds of each selection in every format, sorted (the topics of WebSub); by default the site's feeds."""
    return sorted({feed_url(fmt, selection, None, root) for selection in selections for fmt in FORMATS})


def _value_label(kind: str, value: str) -> str:
    if kind == "kind":
        return KINDS[value].plural if value in KINDS else value
    if kind == "q":
        return f"« {value} »"
    return value


def feed_title(site: Site, selection: Selection) -> str:
    if not selection:
        return site.title
    return site.title + " — " + ", ".join(f"{FILTERS[k]} : {_value_label(k, v)}" for k, v in selection)


def feed_subtitle(site: Site, selection: Selection) -> str:
    if not selection:
        return site.description or site.title
    return "Les communiqués de la salle de presse (" + ", ".join(
        f"{FILTERS[k].lower()} : {_value_label(k, v)}" for k, v in selection) + ")"


def feeds_for(kind: str | None = None, value: str | None = None) -> list[tuple[str, str, str]]:
    """(title, absolute URL, media type) of the Atom, RSS and JSON feeds of a page's selection.

    ``feeds_for()`` is every release; ``kind`` is one of publisher, topic, place, person, kind, q (or search).
    """
    site: Site = current_app.config["SITE"]
    kind = "q" if kind == "search" else kind
    selection: Selection = ((kind, value),) if kind and value else ()
    root = _site_root()

    def feeds() -> list[tuple[str, str, str]]:
        title = feed_title(site, selection)
        return [(f"{title} ({FORMAT_LABELS[fmt]})", feed_url(fmt, selection, root=root),
                 CONTENT_TYPES[fmt].split(";")[0]) for fmt in FORMATS]

    # The site's feeds are linked from every page: worked out once per address.
    return kept().site_feeds.get_or(root, feeds) if not selection else feeds()


@bp.app_context_processor
def _inject_feeds_for():
    return {"feeds_for": feeds_for}


def _selection_from(args) -> Selection:
    selection = []
    for kind in FILTERS:
        value = plain_line(args.get(kind, ""))[:MAX_VALUE]
        if value:
            selection.append((kind, value))
    return tuple(selection)


def page_url_for(selection: Selection, root: str) -> str:
    """The HTML page a feed mirrors: the facet's page or the search, when the pages offer one."""
    if len(selection) == 1:
        kind, value = selection[0]
        endpoint, args = ("pages.search", {"q": value}) if kind == "q" else (f"pages.{kind}", {"name": value})
        if endpoint in current_app.view_functions:
            return external(endpoint, **args)
    return root + "/"


def archive_count(total: int, size: int) -> int:
    """Full pages counted from the oldest (RFC 5005 archives, listing archives); the newest are on the current page."""
    return (total - 1) // size if total > 0 else 0


@lru_cache(maxsize=65536)  # a release is an entry of a dozen feed documents: its id is quoted once
def _release_path(release_id: str) -> str:
    return f"/releases/{quote(release_id)}"


def build_document(db, site: Site, fmt: str, selection: Selection, page: int | None, root: str,
                   page_url: str | None = None, source: Live | None = None) -> Built:
    """One feed document from the database: the latest ``site.feed_size`` releases, or an archive page."""
    for kind, value in selection:
        if (kind == "kind" and value not in KINDS) or not store.facet_known(db, kind, value):
            raise FeedNotFound(f"{kind}={value}")
    source = source or Live(db)
    size = max(site.feed_size, 1)
    archives = archive_count(source.count(selection), size)
    history = {}
    if page is None:
        rows = source.rows(selection, size)
        if archives:
            history["prev-archive"] = feed_url(fmt, selection, archives, root)
    else:
        if not 1 <= page <= archives:
            raise FeedNotFound(f"page {page}")
        rows = source.rows(selection, size, (page - 1) * size, oldest_first=True)[::-1]  # newest first inside
        history["current"] = feed_url(fmt, selection, None, root)
        if page > 1:
            history["prev-archive"] = feed_url(fmt, selection, page - 1, root)
        if page < archives:
            history["next-archive"] = feed_url(fmt, selection, page + 1, root)
    entries = [source.entry(release, recorded_at, root + _release_path(release.id), site)
               for release, recorded_at in rows]
    doc = Document(
        id=f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, urlencode(selection))}",
        title=feed_title(site, selection), subtitle=feed_subtitle(site, selection),
        self_url=feed_url(fmt, selection, page, root), page_url=page_url or root + "/",
        archive=page is not None, history=history, hub=site.websub_hub,
    )
    body = BUILDERS[fmt](doc, entries, site, source.kept)
    recorded = [r for _, r in rows if r]
    return Built(body, etag_of(body), datetime.fromisoformat(max(recorded)) if recorded else None,
                 CONTENT_TYPES[fmt], CACHE_CONTROL["archive" if page else "feed"])


def _serve(key, build, made_of=None) -> Response:
    """Cached bytes with validators; 304 when the client already has them (If-None-Match first).

    ``made_of(db)``, when given, is the document's ETag known before it is built (``validators``): a client
    that has it gets its 304 without the document being built.
    """
    version = data_state()
    cache = kept().feed_cache
    built = cache.get(version, key)
    if built is None:
        db = get_db()
        tag = made_of(db) if made_of else None
        if tag and validators.matches(request, tag):
            return validators.not_modified(tag, CACHE_CONTROL["archive" if key[2] else "feed"])
        try:
            built = build(db)
        except FeedNotFound:
            abort(404)
        if tag:
            built.etag = tag
        cache.put(version, key, built)
    headers = {"Content-Type": built.content_type, "ETag": built.etag, "Cache-Control": built.cache_control}
    if built.last_modified:
        headers["Last-Modified"] = http_date(built.last_modified)
    return Response(built.body, headers=headers).make_conditional(request)


def _feed(fmt: str, selection: Selection | None = None, page: int | None = None) -> Response:
    site: Site = current_app.config["SITE"]
    root = _site_root()
    if selection is None:
        selection = _selection_from(request.args) if request.args else ()
        moved = len(selection) == 1 and selection[0][0] in FACET_PATHS
    else:
        moved = False
    if "page" in request.args:  # the old form of archive pages, ?page=N
        page = request.args.get("page", type=int)
        if page is None or page < 1:
            abort(404)
        moved = True
    if moved:
        return redirect(feed_url(fmt, selection, page, root), 301)
    source = get_source()  # one source for the ETag and the document: the rows it read are the ones shown
    return _serve((fmt, selection, page, root),
                  lambda db: build_document(db, site, fmt, selection, page, root, page_url_for(selection, root),
                                            source),
                  lambda db: _made_of(source, site, fmt, selection, page, root))


def _made_of(source: Live, site: Site, fmt: str, selection: Selection, page: int | None, root: str) -> str:
    """A feed document's ETag from what it shows (its entries, its archive links), before it is built."""
    size = max(site.feed_size, 1)
    total = source.count(selection)
    archives = archive_count(total, size)
    if page is None:
        shown, links = source.shown(selection, size), (archives, total)
    else:
        shown, links = source.shown(selection, size, (page - 1) * size, oldest_first=True), page < archives
    return validators.etag("feed", fmt, selection, page, root, links, shown)


def _facet_value(name: str) -> str:
    value = plain_line(name)
    if value != name or len(value) > MAX_VALUE:
        abort(404)
    return value


def _register_feeds() -> None:
    """Every feed in three formats, each with its archive pages: every release, and each facet under its path."""
    for fmt in FORMATS:
        def every(page: int | None = None, fmt: str = fmt):
            return _feed(fmt, page=page)

        bp.add_url_rule(f"/feed.{fmt}", endpoint=fmt, view_func=every)
        bp.add_url_rule(f"/feed/<int:page>.{fmt}", endpoint=fmt, view_func=every)
        for kind, prefix in FACET_PATHS.items():
            def view(name: str, page: int | None = None, kind: str = kind, fmt: str = fmt):
                return _feed(fmt, ((kind, _facet_value(name)),), page)

            bp.add_url_rule(f"{prefix}<path:name>/feed.{fmt}", endpoint=f"{kind}_{fmt}", view_func=view)
            bp.add_url_rule(f"{prefix}<path:name>/feed/<int:page>.{fmt}", endpoint=f"{kind}_{fmt}", view_func=view)


_register_feeds()


def build_opml(db, site: Site, root: str) -> Built:
    """Every feed worth subscribing to, once each (Atom), grouped by facet: what people import."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = f"{site.title} — tous les flux"
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")

    def outline(parent, selection: Selection, text: str) -> None:
        etree.SubElement(parent, "outline", type="rss", version="ATOM", text=text,
                         title=feed_title(site, selection), xmlUrl=feed_url("atom", selection, None, root),
                         htmlUrl=page_url_for(selection, root), language=site.language)

    outline(body, (), "Tous les communiqués")
    groups = {"publisher": "Par éditeur", "topic": "Par thème", "place": "Par lieu",
              "person": "Par personne citée", "kind": "Par type"}
    for kind, values in store.facet_values(db).items():
        if not values:
            continue
        group = etree.SubElement(body, "outline", text=groups[kind], title=groups[kind])
        for value in values:
            outline(group, ((kind, value),), _value_label(kind, value).strip("« »"))
    data = etree.tostring(opml, xml_declaration=True, encoding="utf-8")
    return Built(data, etag_of(data), None, OPML_TYPE, CACHE_CONTROL["feed"])


@bp.route("/feeds.opml")
def opml():
    site: Site = current_app.config["SITE"]
    root = _site_root()
    return _serve(("opml", root), lambda db: build_opml(db, site, root))
