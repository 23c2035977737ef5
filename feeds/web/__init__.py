"""The Flask app: release pages, listings and feeds, all computed from the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from feeds.config import Site
from feeds.web.kept import Kept
from feeds.web.links import external, release_link
from feeds.web.presentation import SECURITY_HEADERS

if TYPE_CHECKING:
    import sqlite_utils

    from feeds.web.selection import Live
    from feeds.web.syndication import FeedCache

__all__ = ["SECURITY_HEADERS", "create_app", "external", "release_link"]


def create_app(test_config: dict | None = None, *, db: sqlite_utils.Database | None = None,
               source: Live | None = None, feed_cache: FeedCache | None = None) -> Flask:
    """The app. ``test_config`` (or the caller) gives DATABASE (a path) and SITE (a ``Site``).

    A static build injects what it shares between every request: ``db``, a read-only database used instead of
    a connection per request (never closed by the app), ``source``, what listings and feeds read (default:
    ``Live`` over the request's connection), and ``feed_cache`` (default: a new ``FeedCache``).
    """
    app = Flask(__name__)
    app.config.from_mapping(DATABASE="data/pressroom.db", SITE=Site())
    if test_config:
        app.config.from_mapping(test_config)

    from feeds.web import api, db as database, history, opendata, pages, presentation, sitemaps, syndication

    app.kept = Kept(feed_cache=feed_cache if feed_cache is not None else syndication.FeedCache(), db=db,
                    source=source)
    database.init_app(app)
    presentation.init_app(app)
    for blueprint in (pages.bp, sitemaps.bp, syndication.bp, api.bp, history.bp, opendata.bp):
        app.register_blueprint(blueprint)
    return app
