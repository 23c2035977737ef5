"""The bulk load: one transaction for many writes into tables they outnumber (a first ingest)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils
from sqlite_utils.db import quote_identifier

from feeds.store.schema import transaction

BULK_CACHE_KIB = 256 * 1024  # the page cache of a bulk load: more than the releases of one load take (ingest's BULK_MAX)
FTS_HASH, FTS_BULK_HASH = 1 << 20, 8 << 20  # bytes of terms the full-text index holds in memory, usually and in bulk


@contextmanager
def bulk_load(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One transaction for many writes into tables they outnumber (a first ingest).

    The secondary indexes of ``releases`` and ``revisions`` and the triggers that keep the full-text index
    are dropped, then made again at the end from the statements SQLite kept of them (``schema`` wrote
    them): one sorted build of each index and one rebuild of the full-text index instead of updates for
    every row. All or nothing, the indexes included; ``transaction`` inside it is a savepoint.
    """
    cache, temp = db.conn.execute("PRAGMA cache_size").fetchone()[0], db.conn.execute("PRAGMA temp_store").fetchone()[0]
    # A cache as large as the load: pages written once, not spilled to the WAL and read back.
    db.conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    # Each write that may fail halfway (an upsert, a foreign key) first copies the pages it changes to a statement
    # journal, a temporary file once it has outgrown 64 KiB: kept in memory instead.
    db.conn.execute("PRAGMA temp_store = MEMORY")
    # Alone with the database, the load commits through a rollback journal: its pages are written once, into
    # the database, instead of into the write-ahead log and then copied back with a second sync. SQLite keeps
    # the WAL while another connection has the database open.
    rollback = _journal_mode(db.conn, "delete")
    if rollback:
        db.conn.execute("PRAGMA synchronous = FULL")
    try:
        with transaction(db) as conn:
            dropped = conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ((type = 'index' AND tbl_name "
                "IN ('releases', 'revisions')) OR (type = 'trigger' AND tbl_name = 'releases' AND sql LIKE "
                "'%releases_fts%')) ORDER BY rowid").fetchall()
            for kind, name, _ in dropped:
                conn.execute(f"DROP {kind.upper()} {quote_identifier(name)}")
            yield conn
            # FTS5 writes what it has indexed as a segment each time it holds FTS_HASH bytes, then merges the
            # segments: a larger hash while rebuilding makes fewer segments to merge and for a search to read
            # (FTS5's option "hashsize", put back to its default after).
            conn.execute("INSERT INTO releases_fts (releases_fts, rank) VALUES ('hashsize', ?)", (FTS_BULK_HASH,))
            conn.execute("INSERT INTO releases_fts (releases_fts) VALUES ('rebuild')")
            conn.execute("INSERT INTO releases_fts (releases_fts, rank) VALUES ('hashsize', ?)", (FTS_HASH,))
            for _, _, sql in dropped:  # in the order they had
                conn.execute(sql)
    finally:
        db.conn.execute(f"PRAGMA cache_size = {cache}")
        db.conn.execute(f"PRAGMA temp_store = {temp}")
        if rollback:
            db.conn.execute("PRAGMA synchronous = NORMAL")
            _journal_mode(db.conn, "wal")  # should a reader hold it now, the next connect() does it


def _journal_mode(conn: sqlite3.Connection, mode: str) -> bool:
    """Whether the database now uses this journal mode (False when other connections keep it as it was)."""
    try:
        return conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode
    except sqlite3.OperationalError:  # busy
        return False

