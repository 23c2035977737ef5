"""Datasette plugin of the press room: private tables unreadable, oversized values refused, an accent-blind
``unaccent()`` SQL function, release rows linked to their pages."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_fts, path_with_added_args, path_with_removed_args
from markupsafe import Markup, escape

from feeds.store import PRIVATE_TABLES, SEARCH_COUNT_LIMIT

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


# ---------------------------------------------------------------- full-text search that stays fast at a million rows

# Datasette's ?_search= keeps the rows whose rowid is among every match, then counts them and facets them: at a
# million releases, a word found in most of them costs seconds. Past SEARCH_COUNT_LIMIT matches (counted in
# the full-text index alone, bounded), the search is neither counted nor faceted, and the page says so; the table
# is walked newest first (its default order) until the page is full, each row looked up in the index when the
# matches are dense, else checked in the set of matches.
RELEASES_PATH = re.compile(rf"^(/[^/]+)?/{DATABASE}/releases(\.json|\.csv)?$")  # base_url or not
SCOPE_KEY = "feeds.many_matches"
DEFAULT_SEARCH = "rowid in (select rowid from releases_fts where releases_fts match escape_fts(:search))"
WALK_SEARCH = ("exists (select 1 from releases_fts where releases_fts match escape_fts(:search) "
               "and releases_fts.rowid = releases.rowid)")
# Sparser matches are put in a set and the table still walked newest first, each row checked in the set ("+": so
# that SQLite does not read every match's row and sort them all by date instead).
SET_SEARCH = "+" + DEFAULT_SEARCH
# A lookup in the full-text index costs about as much as putting this many matches in a set.
WALK_LOOKUP_COST = 300


def many_matches_description() -> str:
    limit = f"{SEARCH_COUNT_LIMIT:,}".replace(",", "\u202f")
    return f"plus de {limit} communiqués correspondent : les plus récents d'abord, sans décompte ni facettes"


async def _many_matches(datasette, search: str) -> str | None:
    """None for a search Datasette answers as usual; else how to walk: "walk" the table newest first, looking each
    row up in the index (dense matches), or keep the "set" of matches (sparser: fewer rows to read than lookups)."""
    expression = escape_fts(search)
    if not expression:
        return None
    db = datasette.get_database(DATABASE)
    try:
        many = (await db.execute(
            "select count(*) from (select 1 from releases_fts where releases_fts match :q limit :n)",
            {"q": expression, "n": SEARCH_COUNT_LIMIT + 1})).first()[0] > SEARCH_COUNT_LIMIT
        if not many:
            return None
        # How dense the matches are, from the first ones in rowid order (as the press room's search does).
        sample, last = (await db.execute(
            "select count(*), max(rowid) from (select rowid from releases_fts where releases_fts match :q "
            "order by rowid limit :n)", {"q": expression, "n": SEARCH_COUNT_LIMIT})).first()
        rows = (await db.execute("select max(rowid) from releases")).first()[0] or 1
    except Exception:  # a query FTS5 cannot parse: Datasette answers it as usual
        return None
    density = sample / max(last or 1, 1)
    return "walk" if 51 * WALK_LOOKUP_COST < density * density * rows else "set"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def bounded_search(scope, receive, send):
            if scope.get("type") == "http" and RELEASES_PATH.match(scope.get("path", "")):
                pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
                search = dict(pairs).get("_search")
                sorted_ = any(k in ("_sort", "_sort_desc") for k, _ in pairs)
                how = await _many_matches(datasette, search) if search and not sorted_ else None
                if how:
                    extra = [(k, "1") for k in ("_nocount", "_nofacet") if k not in dict(pairs)]
                    scope = {**scope, SCOPE_KEY: how, "query_string": urlencode(pairs + extra).encode()}
            await app(scope, receive, send)

        return bounded_search

    return wrap


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):
    outcome = yield
    if database != DATABASE or table != "releases" or not request.scope.get(SCOPE_KEY):
        return

    def walk(hook):
        async def inner():
            arguments = hook
            while callable(arguments):
                arguments = arguments()
            if hasattr(arguments, "__await__"):
                arguments = await arguments
            if arguments and DEFAULT_SEARCH in arguments.where_clauses:
                bounded = WALK_SEARCH if request.scope[SCOPE_KEY] == "walk" else SET_SEARCH
                arguments.where_clauses = [bounded if c == DEFAULT_SEARCH else c for c in arguments.where_clauses]
                arguments.human_descriptions = [*arguments.human_descriptions, many_matches_description()]
            return arguments

        return inner

    outcome.force_result([walk(hook) for hook in outcome.get_result()])
