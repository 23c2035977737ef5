"""Datasette plugin of the press room: private tables unreadable, oversized values refused, an accent-blind
``unaccent()`` SQL function, release rows linked to their pages."""

from __future__ import annotations

import sqlite3
import unicodedata

from datasette import hookimpl
from markupsafe import Markup, escape

from feeds.store import PRIVATE_TABLES

DATABASE = "pressroom"
# Large enough for any release, small enough that randomblob(500000000) fails at once.
MAX_VALUE_BYTES = 5_000_000
# Besides our private tables: SQLite's page-level virtual tables, which describe (dbstat) or would hand out
# (sqlite_dbpage, when compiled in) the raw pages of the file, private tables included.
UNREADABLE = frozenset({*PRIVATE_TABLES, "dbstat", "sqlite_dbpage"})
# Columns of canned queries that hold a release id (named in French for the public).
RELEASE_ID_COLUMNS = ("communique",)


def unaccent(value):
    """The text without diacritics: ``unaccent('Région')`` is ``'Region'``; other types pass through."""
    if not isinstance(value, str):
        return value
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _authorizer(action, arg1, arg2, dbname, source):
    # Reading a private table yields NULLs: nothing of a draft or an embargoed release can leak.
    if action == sqlite3.SQLITE_READ and arg1 in UNREADABLE:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn, database, datasette):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_authorizer(_authorizer)
    conn.create_function("unaccent", 1, unaccent, deterministic=True)


def _release_link(release_id: str, text: str) -> Markup:
    return Markup(f'<a href="/releases/{escape(release_id)}" title="Page du communiqué">{escape(text)}</a>')


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE or not isinstance(value, str):
        return None
    if table == "releases" and column == "title":
        # The table's first column links to the Datasette row; the title links to the release's page.
        release_id = row["id"] if "id" in row.keys() else None
        return _release_link(release_id, value) if release_id else None
    if table == "releases" and column == "id":  # the row page, where the id is not a link already
        return Markup(f'{escape(value)} (') + _release_link(value, "page du communiqué") + Markup(")")
    if table is None and column in RELEASE_ID_COLUMNS:
        return _release_link(value, value)
    return None
