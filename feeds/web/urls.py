"""Every URL the public press room answers for a database, as the app routes them: what a static copy holds.

Release pages (withdrawn ones too: a 410), the home page and the pages of every publisher, topic, place and
quoted person with their archive pages, every feed (all releases, each facet value, in every format) with its
RFC 5005 archive pages, the OPML, the sitemaps and robots.txt, the search page, the open-data page and its
downloads, the static files, and the page of unknown addresses. Searches and the upload API stay live.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, url_for

from feeds import export, store
from feeds.web import pages, sitemaps, syndication
from feeds.web.links import release_link
from feeds.web.selection import Live

NOT_FOUND = "/__page-introuvable__"  # any unknown address: its answer is the 404 page


def site_urls(source: Live) -> list[str]:
    """Every URL (path and query) of the site, in a request context of the app; ``source`` answers for the data."""
    db, site = source.db, current_app.config["SITE"]
    values = store.facet_values(db)
    urls = [NOT_FOUND, url_for("pages.search"), url_for("syndication.opml"), url_for("sitemaps.robots"),
            url_for("sitemaps.news"), *_sitemaps(db)]
    urls += _archives(source, (), "pages.index", pages.PAGE_SIZE, {})
    for kind in pages.FACETS:
        for value in values.get(kind, ()):
            urls += _archives(source, ((kind, value),), f"pages.{kind}", pages.PAGE_SIZE, {"name": value})
    feed_size = max(site.feed_size, 1)
    for selection in [(), *(((kind, value),) for kind, found in values.items() for value in found)]:
        archives = syndication.archive_count(source.count(selection), feed_size)
        for fmt in syndication.FORMATS:
            # The feed's own address (its rel="self"), as the app links it from pages and the OPML.
            urls += [syndication.feed_url(fmt, selection, page, root="") for page in [None, *range(1, archives + 1)]]
    to_url = release_link(absolute=False)
    urls += [to_url(release_id) for release_id in source.release_ids()]
    urls += opendata_urls()
    urls += static_urls()
    return urls


def _archives(source: Live, selection: tuple, endpoint: str, size: int, args: dict) -> list[str]:
    """A listing and its archive pages, counted from the oldest."""
    archives = syndication.archive_count(source.count(selection), size)
    return [url_for(endpoint, **args), *(url_for(endpoint, **args, page=n) for n in range(1, archives + 1))]


def _sitemaps(db) -> list[str]:
    total = store.count(db)
    if total + 1 <= sitemaps.MAX_URLS:
        return [url_for("sitemaps.sitemap")]
    chunks = (total + sitemaps.MAX_URLS - 1) // sitemaps.MAX_URLS
    return [url_for("sitemaps.sitemap"), *(url_for("sitemaps.chunk", number=n) for n in range(1, chunks + 1))]


def opendata_urls() -> list[str]:
    """The open-data page and every download it links (Datasette's pages stay live): the open data section,
    which a build may leave as it was."""
    return [url_for("opendata.page"), url_for("opendata.database"), url_for("opendata.sig"),
            *(url_for(f"opendata.table_{fmt}", table=table) for table in export.PUBLIC_TABLES
              for fmt in ("csv", "json"))]


def static_urls() -> list[str]:
    folder = Path(current_app.static_folder)
    return [url_for("static", filename=path.relative_to(folder).as_posix())
            for path in sorted(folder.rglob("*")) if path.is_file()]
