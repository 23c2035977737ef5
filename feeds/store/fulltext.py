"""Full-text search: one page of matches, best first or newest first, without ranking or sorting every match."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from feeds.model import Release, loads
from feeds.store.filters import facet_where, fts_expression
from feeds.store.queries import count, feed_count, latest

RANKED_MATCHES = 5000  # up to this many matches, best first (bm25); beyond, newest first
SEARCH_COUNT_LIMIT = 10_000  # matches counted exactly up to this many; beyond, "plus de 10 000 résultats"
# Withdrawn releases keep their title in the index: searches leave them out. Two ranges rather than "!=", which
# SQLite cannot read from the status index.
_NOT_WITHDRAWN = "rowid NOT IN (SELECT rowid FROM releases WHERE status < 'published' OR status > 'published')"
_BM25 = "bm25(releases_fts, 10.0, 4.0, 1.0)"  # the title weighs most, then the standfirst, then the body
# "releases_fts CROSS JOIN releases" below: SQLite keeps that order, the matches first, then the row of each.


@dataclass
class SearchPage:
    """One page of search results: (release, snippet) pairs, the number of matches and how they come."""

    results: list[tuple[Release, str | None]]
    total: int
    exact: bool = True  # False: more than ``total`` (SEARCH_COUNT_LIMIT) matches, not counted further
    ranked: bool = True  # best first (bm25); False: newest first, as there are too many matches to rank


def search(db: sqlite_utils.Database, text: str | None, filters: dict[str, Any] | None = None,
           limit: int = 20, offset: int = 0) -> tuple[list[tuple[Release, str | None]], int]:
    """Releases matching ``text`` and ``filters``: one page of (release, snippet) and the total (see search_page)."""
    page = search_page(db, text, filters, limit, offset)
    return page.results, page.total


def search_page(db: sqlite_utils.Database, text: str | None, filters: dict[str, Any] | None = None,
                limit: int = 20, offset: int = 0) -> SearchPage:
    """Releases matching ``text`` and ``filters``, without ranking or sorting every match.

    Up to RANKED_MATCHES matches: best first (bm25, the title weighing most). More: newest first. The total
    is exact up to SEARCH_COUNT_LIMIT; beyond, the page says "more than" (``exact`` False). The snippet
    marks matches with \\x02 … \\x03, so the caller escapes it before turning the marks into HTML. Without
    text, the newest come first.
    """
    where, params = facet_where(filters or {})
    expression = fts_expression(text)
    if expression is None:
        releases = latest(db, limit, offset, where, params)
        return SearchPage([(r, None) for r in releases], count(db, where, params), ranked=False)
    conn = db.conn
    matches, last = _count_matches(conn, expression, where, params)
    total, exact, ranked = min(matches, SEARCH_COUNT_LIMIT), matches <= SEARCH_COUNT_LIMIT, matches <= RANKED_MATCHES
    if matches == 0 or offset >= total:
        return SearchPage([], total, exact, ranked)
    limit = min(limit, total - offset)  # the pages end with the count, past the limit too
    if where:
        rowids = _filtered_matches(conn, expression, where, params, ranked, limit, offset)
    elif ranked:
        rowids = [r[0] for r in conn.execute(
            f"SELECT rowid FROM releases_fts WHERE releases_fts MATCH ? AND {_NOT_WITHDRAWN} "
            f"ORDER BY {_BM25}, rowid DESC LIMIT ? OFFSET ?", (expression, limit, offset))]
    else:
        rowids = _newest_matches(db, expression, limit, offset, matches, last)
    return SearchPage(_with_snippets(conn, expression, rowids), total, exact, ranked)


def _count_matches(conn: sqlite3.Connection, expression: str, where: str, params: list[Any]) -> tuple[int, int | None]:
    """The number of public matches, counted up to SEARCH_COUNT_LIMIT + 1 only, and without filters the rowid
    of the last one counted: the first matches in rowid order tell how dense they are."""
    if where:
        # Filters need the rows: count through them, up to the limit.
        return conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM releases_fts CROSS JOIN releases r "
            f"ON r.rowid = releases_fts.rowid WHERE releases_fts MATCH ? AND r.status = 'published' AND {where} "
            "LIMIT ?)", (expression, *params, SEARCH_COUNT_LIMIT + 1)).fetchone()[0], None
    # The index alone, bounded: a word found in every release costs no more than a rare one.
    return conn.execute(
        "SELECT count(*), max(rowid) FROM (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ? "
        f"AND {_NOT_WITHDRAWN} ORDER BY rowid LIMIT ?)", (expression, SEARCH_COUNT_LIMIT + 1)).fetchone()


def _filtered_matches(conn: sqlite3.Connection, expression: str, where: str, params: list[Any], ranked: bool,
                      limit: int, offset: int) -> list[int]:
    """Rowids of one page of the matches that pass the filters, ranked or newest first: sorted through the
    rows, at most SEARCH_COUNT_LIMIT of them in the common case of a filter narrower than the words."""
    order = f"{_BM25}, r.published DESC" if ranked else "r.published DESC, r.rowid DESC"
    return [r[0] for r in conn.execute(
        "SELECT r.rowid FROM releases_fts CROSS JOIN releases r ON r.rowid = releases_fts.rowid "
        f"WHERE releases_fts MATCH ? AND r.status = 'published' AND {where} ORDER BY {order} LIMIT ? OFFSET ?",
        (expression, *params, limit, offset))]


def _newest_matches(db: sqlite_utils.Database, expression: str, limit: int, offset: int, counted: int,
                    last: int | None) -> list[int]:
    """Rowids of matching public releases, newest first (publication date, then rowid), one page.

    Never sorts the matches: they are read in the full-text index and kept when among a window of the newest
    releases (read in an index), a window widened until it holds the page. Its first size comes from how
    dense the matches are: ``counted`` were counted, the last at rowid ``last`` (the 10,001st at rowid 20,000,
    one in two), or all of them when no more than SEARCH_COUNT_LIMIT.
    """
    conn = db.conn
    wanted = offset + limit
    density = (counted / max(feed_count(db), 1) if counted <= SEARCH_COUNT_LIMIT
               else min(counted / max(last or 1, 1), 1.0))
    window = int(wanted / max(density, 1e-6) * 1.5) + 200  # a margin over the expected size: rarely widened
    while True:
        newest = [r[0] for r in conn.execute(
            "SELECT rowid FROM releases WHERE status = 'published' ORDER BY published DESC, rowid DESC LIMIT ?",
            (window,))]
        # +rowid: the window is checked for each match read, instead of one index lookup per window row.
        found = {r[0] for r in conn.execute(
            "SELECT rowid FROM releases_fts WHERE releases_fts MATCH ? AND +rowid IN "
            "(SELECT value FROM json_each(?))", (expression, json.dumps(newest)))}
        page = [rowid for rowid in newest if rowid in found]
        if len(page) >= wanted or len(newest) < window:
            return page[offset:wanted]
        window *= 4  # each widening reads every match again: few and large


def _with_snippets(conn: sqlite3.Connection, expression: str, rowids: list[int]) -> list[tuple[Release, str | None]]:
    """The records and snippets of one page of rowids, in that order."""
    if not rowids:
        return []
    found = {rowid: (record, snippet) for rowid, record, snippet in conn.execute(
        "SELECT r.rowid, v.record, snippet(releases_fts, -1, char(2), char(3), '…', 24) "
        "FROM releases_fts CROSS JOIN releases r ON r.rowid = releases_fts.rowid "
        "JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision "
        f"WHERE releases_fts MATCH ? AND releases_fts.rowid IN ({', '.join('?' * len(rowids))})",
        (expression, *rowids))}
    return [(Release.from_dict(loads(found[i][0])), found[i][1]) for i in rowids if i in found]

