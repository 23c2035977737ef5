"""sitemap.xml (every release page), a Google News sitemap (the last two days) and robots.txt naming them."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, request, url_for
from lxml import etree

from feeds import store
from feeds.config import Site
from feeds.model import Release
from feeds.web.db import get_db
from feeds.web.links import external, release_link

bp = Blueprint("sitemaps", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# The sitemap protocol's limit per file; past it /sitemap.xml becomes an index of numbered files.
MAX_URLS = 50000
NEWS_DAYS = 2
NEWS_MAX = 1000
XML_TYPE = "application/xml; charset=utf-8"


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def urlset(entries: Iterable[tuple[str, str | None]]) -> bytes:
    """A sitemap <urlset> of (URL, last modification as ISO 8601) pairs.

    Written as text, not as a tree: 50,000 URLs as elements cost a server tens of MB for one answer.
    """
    out = bytearray(f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP_NS}\">".encode())
    for loc, lastmod in entries:
        lastmod = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
        out += f"<url><loc>{escape(loc)}</loc>{lastmod}</url>".encode()
    out += b"</urlset>"
    return bytes(out)


def sitemap_index(locations: list[str]) -> bytes:
    root = etree.Element("sitemapindex", nsmap={None: SITEMAP_NS})
    for loc in locations:
        etree.SubElement(etree.SubElement(root, "sitemap"), "loc").text = loc
    return _xml(root)


def news_urlset(releases: list[Release], site: Site, page_url_of) -> bytes:
    """A Google News sitemap: publication name and language, date and title of each recent release."""
    root = etree.Element("urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    for release in releases:
        url = etree.SubElement(root, "url")
        etree.SubElement(url, "loc").text = page_url_of(release.id)
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = release.publisher or site.publisher["name"]
        etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = release.language
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = release.published.isoformat()
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = release.title
    return _xml(root)


def recent(db, now: datetime, days: int = NEWS_DAYS) -> list[Release]:
    """Public releases published in the last ``days`` days (and not in the future), newest first."""
    since = now - timedelta(days=days)
    # Offsets differ between releases, so the SQL bound is a day wider and the exact test is done here.
    candidates = store.latest(db, NEWS_MAX, where="r.published >= ?",
                              params=[(since - timedelta(days=1)).date().isoformat()])
    return [r for r in candidates if r.published and since <= r.published <= now]


def _respond(body: bytes, content_type: str = XML_TYPE) -> Response:
    response = Response(body, headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
    response.add_etag()
    return response.make_conditional(request)


def _with_urls(rows: list[tuple[str, str | None]]) -> Iterable[tuple[str, str | None]]:
    page_url = release_link()
    return ((page_url(i), modified) for i, modified in rows)


@bp.route("/sitemap.xml")
def sitemap():
    """Every release page with its last modification; an index of numbered files past 50,000."""
    db = get_db()
    total = store.count(db)
    if total + 1 > MAX_URLS:
        chunks = (total + MAX_URLS - 1) // MAX_URLS
        return _respond(sitemap_index([external("sitemaps.chunk", number=n) for n in range(1, chunks + 1)]))
    rows = store.sitemap_rows(db)
    return _respond(urlset(chain([(external("pages.index"), None)], _with_urls(rows))))


@bp.route("/sitemap-<int:number>.xml")
def chunk(number: int):
    db = get_db()
    rows = store.sitemap_rows(db, MAX_URLS, (number - 1) * MAX_URLS) if number >= 1 else []
    if not rows:
        abort(404)
    return _respond(urlset(_with_urls(rows)))


@bp.route("/sitemap-news.xml")
def news():
    site: Site = current_app.config["SITE"]
    return _respond(news_urlset(recent(get_db(), datetime.now(site.tz)), site, release_link()))


@bp.route("/robots.txt")
def robots():
    """Everything may be crawled but search results; the sitemaps say where the releases are."""
    body = (
        "User-agent: *\n"
        f"Disallow: {url_for('pages.search')}\n"
        "Allow: /\n"
        f"Sitemap: {external('sitemaps.sitemap')}\n"
        f"Sitemap: {external('sitemaps.news')}\n"
    )
    return _respond(body.encode("utf-8"), "text/plain; charset=utf-8")
