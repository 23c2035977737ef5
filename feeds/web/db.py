"""The database of a request, the flaskr way: one connection opened on first use, kept on ``g`` and closed
when the application context ends (``teardown_appcontext``).

Reads go through a read-only connection: a GET cannot change the database, not even by checkpointing its
WAL, which only a writer does. The upload API asks for a writable one.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils
from flask import Flask, current_app, g

from feeds import store
from feeds.web.kept import kept
from feeds.web.selection import Live

# Seconds a connection waits for a lock (a reader only meets one while a WAL is recovered).
TIMEOUT = 30


def read_only(path: str | Path) -> sqlite_utils.Database:
    """A connection that cannot write (shared between threads by a static build)."""
    conn = sqlite3.connect(store.read_only_uri(path), uri=True, timeout=TIMEOUT, check_same_thread=False)
    return sqlite_utils.Database(conn)


def get_db() -> sqlite_utils.Database:
    """The request's read-only connection, or the database injected into ``create_app``."""
    fixed = kept().db
    if fixed is not None:
        return fixed
    if "db" not in g:
        path = current_app.config["DATABASE"]
        found = os.stat(path)
        # The file's identity, taken before opening: a database rebuilt from scratch counts its versions from 1.
        g.db_file = (found.st_dev, found.st_ino)
        g.db = read_only(path)
    return g.db


def get_writable_db() -> sqlite_utils.Database:
    """A connection that may write, for the request that publishes (the upload API)."""
    if "writable_db" not in g:
        g.writable_db = store.connect(current_app.config["DATABASE"], create=False)
    return g.writable_db


def data_state() -> tuple[int, tuple[int, int]]:
    """(data version, identity of the database file), asked once a request: what cached answers are keyed on."""
    if "data_state" not in g:
        db = get_db()
        g.data_state = (store.data_version(db), g.get("db_file", (0, id(db))))
    return g.data_state


def get_source() -> Live:
    """Where listings and feeds read their releases: the injected source, else the request's database."""
    return kept().source or Live(get_db())


def close_db(exception: BaseException | None = None) -> None:
    for name in ("db", "writable_db"):
        db = g.pop(name, None)
        if db is not None:
            db.conn.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
