"""The Flask app: release pages, listings and feeds, all computed from the database."""

from __future__ import annotations

import sqlite_utils
from flask import Flask

from feeds.config import Site
from feeds.web import db as database, presentation
from feeds.web.feedcache import FeedCache
from feeds.web.kept import Kept
from feeds.web.links import external, release_link
from feeds.web.presentation import SECURITY_HEADERS
from feeds.web.selection import Live

__all__ = ["SECURITY_HEADERS", "create_app", "external", "release_link"]


def create_app(test_config: dict | None = None, *, db: sqlite_utils.Database | None = None,
               source: Live | None = None, feed_cache: FeedCache | None = None) -> Flask:
    """The app. ``test_config`` (or the caller) gives DATABASE (a path) and SITE (a ``Site``).

    A static build injects what it shares between every request: ``db``, a database that every request reads
    instead of opening a connection (the app never closes it), ``source``, what listings and feeds read (default:
    ``Live`` over the request's connection), and ``feed_cache`` (default: a new ``FeedCache``).
    """
    app = Flask(__name__)
    app.config.from_mapping(DATABASE="data/pressroom.db", SITE=Site())
    if test_config:
        app.config.from_mapping(test_config)

    app.kept = Kept(feed_cache=feed_cache if feed_cache is not None else FeedCache(), db=db, source=source)
    database.init_app(app)
    presentation.init_app(app)

    from feeds.web import api, history, opendata, pages, sitemaps, syndication

    for blueprint in (pages.bp, sitemaps.bp, syndication.bp, api.bp, history.bp, opendata.bp):
        app.register_blueprint(blueprint)
    return app
