"""Datasette plugin of the press room: private tables unreadable, oversized values refused,
release rows linked to their pages."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl
from markupsafe import Markup, escape

from feeds.store import PRIVATE_TABLES

# Large enough for any release, small enough that randomblob(500000000) fails at once.
MAX_VALUE_BYTES = 5_000_000


def _authorizer(action, arg1, arg2, dbname, source):
    # Reading a private table yields NULLs: nothing of a draft or an embargoed release can leak.
    if action == sqlite3.SQLITE_READ and arg1 in PRIVATE_TABLES:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn, database, datasette):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_authorizer(_authorizer)


@hookimpl
def render_cell(value, column, table, database, datasette):
    if database == "pressroom" and table == "releases" and column == "id" and isinstance(value, str):
        return Markup(f'<a href="/releases/{escape(value)}">{escape(value)}</a> '
                      f'(<a href="/releases/{escape(value)}">page du communiqué</a>)')
    return None
