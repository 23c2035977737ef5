"""HTML pages: the latest releases, one page per release, search, and publisher, topic, place and person pages."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

import phonenumbers
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from feeds import store
from feeds.kinds import KINDS, kind as kind_of
from feeds.sanitize import sanitize_html
from feeds.web import jsonld, syndication, validators
from feeds.web.db import get_db, get_source
from feeds.web.kept import kept
from feeds.web.links import external, release_link

bp = Blueprint("pages", __name__)
PAGE_SIZE = 20
SEARCH_MAX_CHARS = 200

# Facet pages: endpoint (= store facet) -> (URL prefix, French label, plural).
FACETS = {
    "publisher": (syndication.FACET_PATHS["publisher"], "Éditeur", "Éditeurs"),
    "topic": (syndication.FACET_PATHS["topic"], "Thème", "Thèmes"),
    "place": (syndication.FACET_PATHS["place"], "Lieu", "Lieux"),
    "person": (syndication.FACET_PATHS["person"], "Personne citée", "Personnes citées"),
}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "/")
LISTING_CACHE = "public, max-age=300"


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _pages(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def _html(template: str, status: int = 200, etag: str | None = None, **context) -> Response:
    """A page with a validator (``etag``, what it is made of, else the ETag of its bytes): browsers and caches
    revalidate for free."""
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    if status == 200:
        if etag:
            response.set_etag(etag.strip('"'))
        else:
            response.add_etag()
        response.headers["Cache-Control"] = LISTING_CACHE
        response.make_conditional(request)
    return response


@bp.app_template_global()
def facet_url(kind: str, name: str) -> str:
    """``url_for`` of a facet page, remembered: the same few names are linked from thousands of pages."""
    return kept().facet_urls.get_or((request.script_root, kind, name), lambda: url_for(f"pages.{kind}", name=name))


def _facet_page(kind: str, name: str) -> str:
    """``external`` of a facet page; with a public address, the remembered ``facet_url`` on it (every release page
    links its publisher and its people)."""
    base = current_app.config["SITE"].base_url
    return base + facet_url(kind, name) if base else external(f"pages.{kind}", name=name)


@bp.app_template_global()
def release_url(release_id: str) -> str:
    """``url_for`` of a release page without routing each time: listings link twenty of them."""
    return kept().release_links.get_or(request.script_root, lambda: release_link(absolute=False))(release_id)


@bp.app_template_global()
def listing_item(render, release, snippet: Markup | None, level: int) -> Markup:
    """A release in a list (``render``: the macro of _macros.html), remembered with what it shows: a release is
    in the listing of its publisher, its place, its topics and people, each with archive pages, which a static
    build renders one after the other. Search results with a snippet are not kept."""
    if snippet:
        return render(release, snippet, level)
    published = release.published.isoformat() if release.published else None
    key = (request.script_root, level, release.id, release.language, release.title, published, release.place,
           release.publisher, release.summary)
    return kept().listing_items.get_or(key, lambda: render(release, snippet, level))


@bp.app_template_filter("phone")
@lru_cache(maxsize=4096)
def phone(number: str) -> str:
    """E.164 as people write it: national format for the site's country, international otherwise (remembered:
    press offices sign thousands of releases with the same numbers)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    region = phonenumbers.region_code_for_number(parsed)
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if region == "FR" else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, fmt)


@bp.app_template_filter("safe_url")
def safe_url(url: str | None) -> str | None:
    """Links from sources only where they cannot run code (no javascript:, data: …)."""
    return url if url and url.strip().lower().startswith(SAFE_SCHEMES) else None


_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)", re.IGNORECASE)


def body_html(html: str) -> Markup:
    """A release's sanitised body, fitted into its page: headings follow the page's h1 without skipping a level.

    Sanitised again, with the allowlist of ingest, so a page never trusts the database alone; pictures without a text
    alternative are marked decorative.
    """
    html = sanitize_html(html or "")
    levels = sorted({int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)})
    rank = {level: i for i, level in enumerate(levels)}
    stack: list[int] = []
    previous = 1

    def renumber(m: re.Match) -> str:
        nonlocal previous
        if m.group(1):
            return f"</h{stack.pop() if stack else previous}"
        level = min(2 + rank[int(m.group(2))], previous + 1, 6)
        stack.append(level)
        previous = level
        return f"<h{level}"

    html = _HEADING.sub(renumber, html)
    return Markup(_IMG_WITHOUT_ALT.sub('<img alt=""', html))


def _snippet(text: str | None) -> Markup | None:
    """FTS5's snippet escaped, its match marks (\\x02 … \\x03) turned into <mark>."""
    if not text:
        return None
    return Markup(str(escape(text)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


def _pagination(endpoint: str, page: int, pages: int, **args) -> dict:
    def link(n: int) -> str | None:
        return external(endpoint, **args, **({"page": n} if n > 1 else {})) if 1 <= n <= pages else None

    return {"page": page, "pages": pages, "prev": link(page - 1), "next": link(page + 1)}


def _listing(selection: tuple, page: int | None, endpoint: str, **args) -> dict:
    """The newest releases of a selection, or one of its archive pages.

    Archive pages hold PAGE_SIZE releases counted from the oldest, like the feeds' RFC 5005 archives: a new
    release changes the newest page and leaves every archive page as it was (what caches and a static build
    keep). The newest page may show again some releases of the last archive page.
    """
    if "page" in request.args:  # the old form of archive pages, ?page=N
        page = request.args.get("page", type=int)
        if page is None or page < 1:
            abort(404)
        abort(redirect(external(endpoint, **args, page=page), 301))
    source = get_source()
    total = source.count(selection)
    archives = syndication.archive_count(total, PAGE_SIZE)
    if page is not None and not 1 <= page <= archives:
        abort(404)
    # What the page is made of: its releases and the links its size gives (known before it is rendered).
    if page is None:
        shown, links = source.shown(selection, PAGE_SIZE), (archives, total)
    else:
        shown, links = source.shown(selection, PAGE_SIZE, (page - 1) * PAGE_SIZE, oldest_first=True), page < archives
    etag = validators.etag("listing", request.path, links, shown)
    if validators.matches(request, etag):
        abort(validators.not_modified(etag, LISTING_CACHE))
    if page is None:
        rows = source.rows(selection, PAGE_SIZE)
    else:
        rows = source.rows(selection, PAGE_SIZE, (page - 1) * PAGE_SIZE, oldest_first=True)[::-1]

    def link(n: int | None) -> str | None:
        return external(endpoint, **args, **({"page": n} if n else {}))

    newer = None if page is None else link(page + 1 if page < archives else None)
    older = link(archives) if page is None and archives else (link(page - 1) if page and page > 1 else None)
    return {"releases": [release for release, _ in rows], "total": total, "page": page, "etag": etag,
            "canonical": link(page), "archive": {"page": page, "newer": newer, "older": older}}


@bp.route("/")
@bp.route("/page/<int:page>")
def index(page: int | None = None):
    site = current_app.config["SITE"]
    listing = _listing((), page, "pages.index")
    return _html("index.html", **listing,
                 jsonld=jsonld.website(site, external("pages.index"), external("pages.search")))


def _recorded(db, release_id: str) -> tuple[datetime | None, datetime | None]:
    first, last = store.recorded_dates(db, release_id)
    return (datetime.fromisoformat(first) if first else None, datetime.fromisoformat(last) if last else None)


@bp.route("/releases/<release_id>")
def release(release_id: str):
    site = current_app.config["SITE"]
    db = get_db()
    state = get_source().release_state(release_id)
    etag = validators.etag("release", release_id, state) if state else None
    if etag and validators.matches(request, etag):
        return validators.not_modified(etag, LISTING_CACHE)
    found = store.get_record(db, release_id)
    if found is None:
        abort(404)
    rel, row = found
    url = external("pages.release", release_id=rel.id)
    if row.get("status") == "withdrawn":
        return _html("gone.html", status=410, release=rel, row=row,
                     withdrawn_at=datetime.fromisoformat(row["withdrawn_at"]))
    publisher_name = row.get("publisher_name") or site.publisher["name"]
    publisher_page = _facet_page("publisher", publisher_name)
    org = jsonld.publisher_of(site, row, publisher_page)
    people = {q.speaker: _facet_page("person", q.speaker) for q in rel.quotes if q.speaker}
    # The JSON-LD dates a release by when the press room recorded it only if its source gives no date.
    recorded = _recorded(db, rel.id) if rel.published is None else (None, None)
    article = jsonld.news_article(rel, site, url, org, people_urls=people, recorded=recorded)
    data = [
        article,
        jsonld.breadcrumbs([("Accueil", external("pages.index")), (publisher_name, publisher_page),
                            (article["headline"], url)]),
    ]
    return _html("release.html", etag=etag, release=rel, row=row, jsonld=data, canonical=url, lang=rel.language,
                 description=article["description"], publisher=org,
                 og_image=jsonld.raster_image(article["image"], site), body=body_html(rel.body_html),
                 kind_label=kind_of(rel.kind).label)


@bp.route("/search")
def search():
    """Full-text search (diacritics folded) with publisher, kind, place and year filters.

    Best matches first when there are few enough to rank (store.RANKED_MATCHES), else newest first; counted
    exactly up to store.SEARCH_COUNT_LIMIT, beyond "plus de …": the page says which.
    """
    page, db = _page(), get_db()
    q = (request.args.get("q") or "").strip()[:SEARCH_MAX_CHARS]
    kind = request.args.get("kind") or None
    filters = {
        "publisher": request.args.get("publisher") or None,
        "kind": kind if kind in KINDS else None,
        "place": request.args.get("place") or None,
        "year": request.args.get("year", type=int),
    }
    asked = bool(q) or any(v is not None for v in filters.values())
    found = store.search_page(db, q, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE) if asked else None
    results, total = (found.results, found.total) if found else ([], 0)
    args = {k: v for k, v in {"q": q, **filters}.items() if v not in (None, "")}
    return _html(
        "search.html", q=q, filters=filters, asked=asked, total=total, options=store.facet_options(db),
        exact=found.exact if found else True, ranked=bool(found and found.ranked and q),
        ranked_max=store.RANKED_MATCHES,
        results=[(r, _snippet(s)) for r, s in results], kind_labels={code: k.label for code, k in KINDS.items()},
        pagination=_pagination("pages.search", page, _pages(total), **args), noindex=True,
        feeds=syndication.feeds_for("q", q) if q else syndication.feeds_for(),
    )


def _facet(kind: str, name: str, page: int | None):
    site = current_app.config["SITE"]
    listing = _listing(((kind, name),), page, f"pages.{kind}", name=name)
    if not listing["total"]:
        abort(404)
    _, label, _plural = FACETS[kind]
    home = external("pages.index")
    data = [jsonld.collection_page(site, f"{label} : {name}", listing["canonical"], home),
            jsonld.breadcrumbs([("Accueil", home), (name, _facet_page(kind, name))])]
    return _html("facet.html", **listing, kind=kind, name=name, label=label, jsonld=data,
                 feeds=syndication.feeds_for(kind, name))


def _register_facets() -> None:
    for kind, (prefix, _label, _plural) in FACETS.items():
        def view(name: str, page: int | None = None, kind: str = kind):
            return _facet(kind, name, page)

        bp.add_url_rule(prefix + "<path:name>", endpoint=kind, view_func=view)
        bp.add_url_rule(prefix + "<path:name>/page/<int:page>", endpoint=kind, view_func=view)


_register_facets()


@bp.app_errorhandler(404)
def not_found(error: HTTPException):
    """A French page for unknown addresses; other blueprints (feeds, API) keep their own answers."""
    if request.blueprint not in (None, "pages"):
        return error
    return _html("404.html", status=404)
