"""The Flask app: release pages, listings and feeds, all computed from the database."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime
from flask import Flask, g, url_for

from feeds import store
from feeds.config import Site

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
                               "script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def external(endpoint: str, **values) -> str:
    """Absolute URL on the configured public address (canonical URLs never depend on the request's Host)."""
    from flask import current_app

    base = current_app.config["SITE"].base_url
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


def release_link(absolute: bool = True) -> Callable[[str], str]:
    """``external`` (or ``url_for``) of release pages for thousands of ids: routed once, then the route's converter."""
    from flask import current_app

    prefix = (external if absolute else url_for)("pages.release", release_id="_")[:-1]
    to_url = current_app.url_map.converters["default"](current_app.url_map).to_url
    # Ids are slugs: characters no URL quotes, which a pattern recognises ten times faster than quoting them.
    return lambda release_id: prefix + (release_id if _UNRESERVED.fullmatch(release_id) else to_url(release_id))


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")  # RFC 3986's unreserved characters


@lru_cache(maxsize=4096)
def _date_fr(day: date) -> str:
    """« jeudi 25 janvier 2018 »: Babel's formatting is worth remembering, listings repeat the same days."""
    return format_date(day, format="full", locale="fr")


def create_app(test_config: dict | None = None) -> Flask:
    """``test_config`` (or the caller) gives DATABASE (a path) and SITE (a ``Site``)."""
    app = Flask(__name__)
    app.config.from_mapping(DATABASE="data/pressroom.db", SITE=Site())
    if test_config:
        app.config.from_mapping(test_config)
    site: Site = app.config["SITE"]
    embargo_lock = threading.Lock()
    state = {"checked_version": None, "next_embargo": None}

    local = threading.local()

    def db():
        """This thread's connection, kept across requests: opening one and reading the schema costs more
        than most pages. A database file replaced on disk (rebuilt) gets a new connection."""
        path = app.config["DATABASE"]
        stat = os.stat(path)
        if getattr(local, "inode", None) != stat.st_ino:
            if getattr(local, "db", None) is not None:
                local.db.conn.close()
            local.db, local.inode = store.connect(path, create=False), stat.st_ino
        local.identity = (stat.st_dev, stat.st_ino)
        return local.db

    def data_state() -> tuple[int, tuple[int, int]]:
        """(data version, identity of the database file) for this request, asked once: what cached answers
        are keyed on (a database rebuilt from scratch counts its versions from 1 again)."""
        if "pressroom_state" not in g:
            g.pressroom_state = (store.data_version(db()), local.identity)
        return g.pressroom_state

    app.extensions["pressroom_db"] = db
    app.extensions["pressroom_state"] = data_state

    @app.before_request
    def publish_due_embargoes():
        """Embargoes end on time without a restart: the first request after the hour publishes them."""
        now = datetime.now(site.tz)
        version, _ = data_state()
        database = local.db  # this thread's, opened or checked by data_state
        if state["checked_version"] != version:
            state["next_embargo"] = store.next_embargo(database)
            state["checked_version"] = version
        due = state["next_embargo"]
        if due and datetime.fromisoformat(due) <= now:
            with embargo_lock:
                rw = store.connect(app.config["DATABASE"])
                try:
                    published = store.publish_due(rw, now, {site.publisher["name"]: site.publisher})
                finally:
                    rw.conn.close()
                state["checked_version"] = None
            g.pop("pressroom_state", None)  # the data moved on
            if published:
                api.announce()

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.template_filter("date_fr")
    def date_fr(value: datetime | None) -> str:
        return _date_fr(value.date()) if value else ""

    @app.template_filter("datetime_fr")
    def datetime_fr(value: datetime | None) -> str:
        return format_datetime(value, "EEEE d MMMM y 'à' HH'h'mm", locale="fr") if value else ""

    fixed: dict[str, dict[str, str]] = {}

    def site_links() -> dict[str, str]:
        """The addresses every page links to, worked out once per script root (routing is not free)."""
        from flask import request

        if request.script_root not in fixed:
            fixed[request.script_root] = {
                "home": url_for("pages.index"), "search": url_for("pages.search"),
                "opendata": url_for("opendata.page"), "atom": url_for("syndication.atom"),
                "rss": url_for("syndication.rss"), "sitemap": url_for("sitemaps.sitemap"),
                "style": url_for("static", filename="style.css"),
                "favicon": url_for("static", filename="favicon.svg"),
                "picture": site.absolute(url_for("static", filename="pressroom.png")),
            }
        return fixed[request.script_root]

    @app.context_processor
    def inject_site():
        return {"site": site, "external": external, "links": site_links()}

    from feeds.web import api, history, pages, sitemaps, syndication

    app.register_blueprint(pages.bp)
    app.register_blueprint(sitemaps.bp)
    app.register_blueprint(syndication.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(history.bp)

    from feeds.web import opendata

    app.register_blueprint(opendata.bp)
    return app
