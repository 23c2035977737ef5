"""Addresses: absolute URLs on the configured public address, release pages, the links of every page."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import current_app, request, url_for

from feeds.web.kept import kept

_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")  # RFC 3986's unreserved characters


def external(endpoint: str, **values) -> str:
    """Absolute URL on the configured public address (canonical URLs never depend on the request's Host)."""
    base = current_app.config["SITE"].base_url
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


def release_link(absolute: bool = True) -> Callable[[str], str]:
    """``external`` (or ``url_for``) of release pages for thousands of ids: routed once, then the route's converter."""
    prefix = (external if absolute else url_for)("pages.release", release_id="_")[:-1]
    to_url = current_app.url_map.converters["default"](current_app.url_map).to_url
    # Ids are slugs, which need no quoting: recognising one is cheaper than quoting it.
    return lambda release_id: prefix + (release_id if _UNRESERVED.fullmatch(release_id) else to_url(release_id))


def site_links() -> dict[str, str]:
    """The addresses every page links to, worked out once per script root (routing each time is not free)."""
    site = current_app.config["SITE"]
    return kept().site_links.get_or(request.script_root, lambda: {
        "home": url_for("pages.index"), "search": url_for("pages.search"),
        "opendata": url_for("opendata.page"), "atom": url_for("syndication.atom"),
        "rss": url_for("syndication.rss"), "sitemap": url_for("sitemaps.sitemap"),
        "style": url_for("static", filename="style.css"),
        "favicon": url_for("static", filename="favicon.svg"),
        "picture": site.absolute(url_for("static", filename="pressroom.png")),
    })
