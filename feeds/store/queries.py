"""Reads: releases, listings and feeds, facets, history, sitemaps; what the web app and the exports ask.

Nothing here writes: every function runs on a connection opened read-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlite_utils
from sqlite_utils.db import quote_identifier

from feeds.model import Release, Source, loads
from feeds.store.filters import feed_where

def data_version(db: sqlite_utils.Database) -> int:
    """A counter that moves on every change of public data (the basis of ETags and caches)."""
    row = db.conn.execute("SELECT value FROM _meta WHERE key = 'version'").fetchone()
    return int(row[0]) if row else 0


def stored_json(conn: sqlite3.Connection, release_id: str) -> tuple[str | None, int | None]:
    """The JSON of the record the store holds for a release (withdrawn, last revision or pending, in this
    order) and its last revision number, in one query."""
    return conn.execute(
        "SELECT coalesce((SELECT record FROM _withdrawn WHERE id = ?1), "
        "(SELECT record FROM revisions WHERE release_id = ?1 ORDER BY revision DESC LIMIT 1), "
        "(SELECT record FROM _pending WHERE id = ?1)), "
        "(SELECT max(revision) FROM revisions WHERE release_id = ?1)", (release_id,)).fetchone()


def stored_record(db: sqlite_utils.Database, release_id: str) -> dict | None:
    """The record the store holds for a release: its last revision, or its pending draft or embargo."""
    text = stored_json(db.conn, release_id)[0]
    return loads(text) if text is not None else None


def get_record(db: sqlite_utils.Database, release_id: str) -> tuple[Release, dict] | None:
    """The latest public revision of a release as a Release, with its row (publisher, revision, withdrawal)."""
    data = next(db.query(
        "SELECT r.*, p.name AS publisher_name, p.url AS publisher_url, p.logo AS publisher_logo, v.record "
        "FROM releases r JOIN publishers p ON p.id = r.publisher_id "
        "JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision WHERE r.id = ?",
        (release_id,),
    ), None)
    if data is None:
        return None
    if data["status"] == "withdrawn":
        # Only the tombstone is public: what the row still says (title, dates, source), nothing more.
        return Release(id=data["id"], title=data["title"], language=data["language"] or "fr",
                       published=datetime.fromisoformat(data["published"]) if data["published"] else None,
                       source=Source(data["source_name"], data["source_sha256"], data["source_format"]),
                       publisher=data["publisher_name"], kind=data["kind"] or "communique",
                       place=data["place"], status="published"), data
    return Release.from_dict(loads(data["record"])), data


def latest(db: sqlite_utils.Database, limit: int = 50, offset: int = 0, where: str = "",
           params: Iterable[Any] = ()) -> list[Release]:
    """Public, not withdrawn releases newest first; ``where`` is a trusted SQL fragment with ? params."""
    sql = (
        "SELECT v.record FROM releases r JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision "
        f"WHERE r.status = 'published' {('AND ' + where) if where else ''} "
        "ORDER BY r.published DESC, r.id LIMIT ? OFFSET ?"
    )
    rows = db.conn.execute(sql, (*params, limit, offset)).fetchall()
    return [Release.from_dict(loads(r[0])) for r in rows]


def count(db: sqlite_utils.Database, where: str = "", params: Iterable[Any] = ()) -> int:
    """The number of public releases that ``where`` (a trusted SQL fragment with ? params) keeps."""
    if not where:
        return feed_count(db)  # kept by triggers: no count of every public release
    sql = f"SELECT count(*) FROM releases r WHERE r.status = 'published' AND {where}"
    return db.conn.execute(sql, tuple(params)).fetchone()[0]


def iter_public(db: sqlite_utils.Database) -> Iterator[Release]:
    """Every public release, withdrawn ones left out, newest first."""
    for (record,) in db.conn.execute(
        "SELECT v.record FROM releases r JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision "
        "WHERE r.status = 'published' ORDER BY r.published DESC, r.id"
    ):
        yield Release.from_dict(loads(record))


def publishers(db: sqlite_utils.Database) -> dict[str, dict]:
    """Every publisher's row by its name."""
    return {r["name"]: r for r in db["publishers"].rows}


def history(db: sqlite_utils.Database, release_id: str) -> list[dict]:
    """Every public revision of a release, oldest first: revision, recorded_at, changes, record."""
    rows = db.query("SELECT revision, recorded_at, source_sha256, changes, record FROM revisions "
                    "WHERE release_id = ? ORDER BY revision", (release_id,))
    return [{**row, "changes": loads(row["changes"]), "record": loads(row["record"])} for row in rows]


def recorded_dates(db: sqlite_utils.Database, release_id: str) -> tuple[str | None, str | None]:
    """When the press room first and last recorded a release (for releases whose source gives no date)."""
    row = db.conn.execute("SELECT min(recorded_at), max(recorded_at) FROM revisions WHERE release_id = ?",
                          (release_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def feed_entries(db: sqlite_utils.Database, filters: Iterable[tuple[str, str]] = (), limit: int = 50,
                 offset: int = 0, oldest_first: bool = False) -> list[tuple[Release, str]]:
    """Public releases matching every filter, with the time their current revision was recorded.

    Newest first for a subscription feed, oldest first for archive pages (which must not move).
    """
    where, params = feed_where(filters)
    order = "r.published ASC, r.id ASC" if oldest_first else "r.published DESC, r.id DESC"
    rows = db.conn.execute(
        "SELECT v.record, v.recorded_at FROM releases r "
        "JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision "
        f"WHERE r.status = 'published'{where} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [(Release.from_dict(loads(record)), recorded_at) for record, recorded_at in rows]


def feed_count(db: sqlite_utils.Database, filters: Iterable[tuple[str, str]] = ()) -> int:
    """The number of public releases matching every filter; without filters, the count the triggers keep."""
    filters = list(filters)
    if not filters:
        row = db.conn.execute("SELECT value FROM _meta WHERE key = 'published'").fetchone()
        return int(row[0]) if row else 0
    where, params = feed_where(filters)
    return db.conn.execute(f"SELECT count(*) FROM releases r WHERE r.status = 'published'{where}",
                           params).fetchone()[0]


# Publishers with at least one public release, each looked up once.
_PUBLISHERS_IN_USE = ("SELECT p.name FROM publishers p WHERE EXISTS (SELECT 1 FROM releases r "
                      "WHERE r.publisher_id = p.id AND r.status = 'published')")


def facet_values(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every value of every facet that has at least one public release: the feeds worth listing.

    Each value is looked up once (publishers, topics and people exist until a public release of theirs is
    found; places and kinds are read in an index, one value after the other): never a pass over every release.
    """
    exists = {
        "publisher": _PUBLISHERS_IN_USE,
        "topic": "SELECT t.name FROM topics t WHERE EXISTS (SELECT 1 FROM release_topics rt JOIN releases r "
                 "ON r.id = rt.release_id WHERE rt.topic_id = t.id AND r.status = 'published')",
        "person": "SELECT p.name FROM people p WHERE EXISTS (SELECT 1 FROM quotes q JOIN releases r "
                  "ON r.id = q.release_id WHERE q.person_id = p.id AND r.status = 'published')",
    }
    values = {kind: sorted(r[0] for r in db.conn.execute(sql) if r[0]) for kind, sql in exists.items()}
    values.update(place=_distinct(db, "place", ""), kind=_distinct(db, "kind", ""))
    return {kind: values[kind] for kind in ("publisher", "topic", "place", "person", "kind")}


def _distinct(db: sqlite_utils.Database, column: str, after: Any, descending: bool = False,
              most: int | None = None) -> list:
    """The distinct values of a column of public releases past ``after``, one index step each (the column is
    indexed with status): a handful of values among a million rows cost a handful of lookups."""
    found, last, quoted = [], after, quote_identifier(column)
    step = (f"SELECT {'max' if descending else 'min'}({quoted}) FROM releases WHERE status = 'published' "
            f"AND {quoted} {'<' if descending else '>'} ?")
    while (most is None or len(found) < most) and (value := db.conn.execute(step, (last,)).fetchone()[0]) is not None:
        found.append(last := value)
    return found


def facet_known(db: sqlite_utils.Database, kind: str, value: str) -> bool:
    """Whether a facet value exists at all (an unknown one is a 404, a known one without releases an empty feed)."""
    table = {"publisher": "publishers", "topic": "topics", "person": "people"}.get(kind)
    if table:
        return db.conn.execute(f"SELECT 1 FROM {quote_identifier(table)} WHERE name = ?",
                               (value,)).fetchone() is not None
    if kind == "place":
        return db.conn.execute("SELECT 1 FROM releases WHERE place = ? LIMIT 1", (value,)).fetchone() is not None
    return True


_FACET_OPTIONS: dict[tuple, dict] = {}


def facet_options(db: sqlite_utils.Database, places: int = 100) -> dict[str, list]:
    """The values search can filter on, among public releases: publishers, kinds, the commonest places, years.

    Computed once per data version (every search page shows them)."""
    key = (db.conn.execute("PRAGMA database_list").fetchone()[2], data_version(db), places)
    if key not in _FACET_OPTIONS:
        _FACET_OPTIONS.clear()
        _FACET_OPTIONS[key] = _facet_options(db, places)
    return _FACET_OPTIONS[key]


def _facet_options(db: sqlite_utils.Database, places: int) -> dict[str, list]:
    """``facet_options`` computed."""
    def values(sql: str, *params) -> list:
        return [r[0] for r in db.conn.execute(sql, params)]

    # Distinct values one index step at a time; places counted only when there are more than shown.
    commonest = _distinct(db, "place", "", most=places + 1)
    if len(commonest) > places:
        commonest = values("SELECT place FROM releases WHERE status = 'published' AND place > '' "
                           "GROUP BY place ORDER BY count(*) DESC, place LIMIT ?", places)
    return {
        "publisher": values(_PUBLISHERS_IN_USE + " ORDER BY p.name"),
        "kind": _distinct(db, "kind", ""),
        "place": sorted(commonest),
        "year": _distinct(db, "year", 10**6, descending=True),
    }


def sitemap_rows(db: sqlite_utils.Database, limit: int = 50000, offset: int = 0) -> list[tuple[str, str | None]]:
    """(id, last modification) of public releases, oldest first so sitemap chunks stay stable."""
    return db.conn.execute(
        "SELECT r.id, coalesce(r.updated, r.published, "
        "(SELECT max(recorded_at) FROM revisions v WHERE v.release_id = r.id)) "
        "FROM releases r WHERE r.status = 'published' ORDER BY r.rowid LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
