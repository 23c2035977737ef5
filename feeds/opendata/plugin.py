"""Datasette plugin of the press room: private tables unreadable, oversized values refused, an accent-blind
``unaccent()`` SQL function, release rows linked to their pages."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import path_with_added_args, path_with_removed_args
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


class TopicFacet(Facet):
    """The topics of the releases shown, counted through release_topics (configured as ``{topic: topics}``).

    Datasette's own array facet parses the JSON ``topics`` of every row with ``distinct j.value, inner.*``
    (bodies included) and builds its links without base_url: far too slow at 100,000 releases. This one
    counts the indexed link table; a value filters with ``topics__arraycontains`` as the array facet does.
    """

    type = "topic"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for item in self.get_configs():
            column = item["config"].get("column") or item["config"]["simple"]
            # The whole table: count the link table alone (a covering index); otherwise only the rows shown.
            shown = "" if not re.search(r"\swhere\s", self.sql, re.IGNORECASE) else \
                f"where rt.release_id in (select [id] from ({self.sql}))"
            sql = (f"select t.name as value, count(*) as count from release_topics rt "
                   f"join topics t on t.id = rt.topic_id {shown} "
                   f"group by t.id order by count desc, value limit {size + 1}")
            try:
                rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for row in rows.rows[:size]:
                value = str(row["value"])
                selected = (f"{column}__arraycontains", value) in pairs
                change = path_with_removed_args if selected else path_with_added_args
                path = change(self.request, {f"{column}__arraycontains": value})
                values.append({"value": value, "label": value, "count": row["count"], "selected": selected,
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path))})
            results.append({
                "name": column, "type": self.type, "results": values, "hideable": item["source"] != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_topic": column})),
                "truncated": len(rows.rows) > size,
            })
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [TopicFacet]
