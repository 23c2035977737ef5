"""The SQLite database: public tables for the open data, revisions, and the queries of the web app.

Public tables (served by Datasette) hold only what the public may see. Drafts and releases under
embargo wait in ``_pending``, which Datasette is not allowed to read, and move to the public tables
when their embargo ends (``publish_due``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import DescIndex, quote_identifier

from feeds.model import Release, Source, dumps, loads

# Bump when normalisation changes, so unchanged files are parsed again.
PARSER_VERSION = 1
PRIVATE_TABLES = ("_pending", "_meta", "_tokens", "_withdrawn")

# Fields that are bookkeeping, not content: a change in them alone is not a new revision.
_NOT_CONTENT = {"source", "warnings", "updated"}


class StoreError(Exception):
    """The database cannot be opened or written."""


@dataclass
class Outcome:
    id: str
    action: str  # new, updated, unchanged
    revision: int


_COUNT_TRIGGERS = (
    """CREATE TRIGGER releases_published_count_insert AFTER INSERT ON releases
    WHEN new.status = 'published' BEGIN
        INSERT INTO _meta (key, value) VALUES ('published', 1)
        ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
    END""",
    """CREATE TRIGGER releases_published_count_delete AFTER DELETE ON releases
    WHEN old.status = 'published' BEGIN
        UPDATE _meta SET value = CAST(value AS INTEGER) - 1 WHERE key = 'published';
    END""",
    """CREATE TRIGGER releases_published_count_update AFTER UPDATE OF status ON releases
    WHEN old.status IS NOT new.status BEGIN
        INSERT INTO _meta (key, value) VALUES ('published', 0) ON CONFLICT(key) DO NOTHING;
        UPDATE _meta SET value = CAST(value AS INTEGER) + (new.status = 'published')
            - (old.status = 'published') WHERE key = 'published';
    END""",
)


def _tables(db: sqlite_utils.Database) -> None:
    """Create the schema. sqlite-utils owns the DDL, so code and schema cannot drift."""
    db["publishers"].create({"id": int, "name": str, "url": str, "logo": str}, pk="id", not_null={"name"},
                            if_not_exists=True)
    db["publishers"].create_index(["name"], unique=True, if_not_exists=True)
    db["releases"].create(
        {
            "id": str, "title": str, "standfirst": str, "published": str, "updated": str, "year": int,
            "month": str, "kind": str, "publisher_id": int, "place": str, "language": str, "summary": str,
            "topics": str, "status": str, "event_start": str,
            "revision": int, "source_name": str, "source_sha256": str, "source_format": str,
            "warnings": str, "withdrawn_reason": str, "withdrawn_at": str, "parser_version": int,
            # The long texts last: SQLite reads a row's columns in order, so filters and facets on the
            # short columns never walk the overflow pages of the bodies.
            "body_html": str, "body_text": str,
        },
        pk="id", not_null={"title"}, foreign_keys=[("publisher_id", "publishers", "id")], if_not_exists=True,
    )
    # Datasette's default order of the table (metadata.yml: newest first), with the primary key that breaks
    # its ties: the pages after the first (and CSV streams) ask for rows after a (published, id) pair, which
    # without this index sorts every remaining row again for each page of 1 000 (28 s a page at 100 000).
    _replace_index(db, "idx_releases_published", "releases", [DescIndex("published"), "id"])
    # Every public release in feed order with what a static build keys its documents on (revision and
    # facets) and what the sitemap dates them by, from the index alone: the rows, which hold the bodies, are
    # 40 MB at 10 000 releases.
    _replace_index(db, "idx_releases_status_published", "releases",
                   ["status", "published", "id", "revision", "publisher_id", "place", "kind", "updated"])
    for cols in (["publisher_id", "published"], ["kind"], ["place"], ["year"], ["month"],
                 ["source_sha256"], ["status", "kind"], ["status", "place"],
                 ["status", "year"],
                 # Covering indexes: the topic facet reads the JSON list of topics without the bodies, the
                 # open-data chart counts releases per month and publisher from the index alone.
                 ["topics"], ["status", "month", "publisher_id"]):
        db["releases"].create_index(cols, if_not_exists=True)
    db["people"].create({"id": int, "name": str}, pk="id", not_null={"name"}, if_not_exists=True)
    db["people"].create_index(["name"], unique=True, if_not_exists=True)
    db["topics"].create({"id": int, "name": str}, pk="id", not_null={"name"}, if_not_exists=True)
    db["topics"].create_index(["name"], unique=True, if_not_exists=True)
    children = {
        "quotes": {"release_id": str, "position": int, "person_id": int, "role": str, "text": str},
        "contacts": {"release_id": str, "position": int, "name": str, "role": str, "email": str, "phones": str},
        "links": {"release_id": str, "position": int, "url": str, "text": str},
        "attachments": {"release_id": str, "position": int, "url": str, "type": str, "length": int,
                        "title": str},
        "release_topics": {"release_id": str, "position": int, "topic_id": int},
    }
    for name, columns in children.items():
        fks = [("release_id", "releases", "id")]
        if "person_id" in columns:
            fks.append(("person_id", "people", "id"))
        if "topic_id" in columns:
            fks.append(("topic_id", "topics", "id"))
        db[name].create(columns, pk=("release_id", "position"), foreign_keys=fks, if_not_exists=True)
    db["quotes"].create_index(["person_id"], if_not_exists=True)
    db["release_topics"].create_index(["topic_id"], if_not_exists=True)
    db["revisions"].create(
        {"release_id": str, "revision": int, "recorded_at": str, "source_sha256": str, "changes": str,
         "record": str},
        pk=("release_id", "revision"), foreign_keys=[("release_id", "releases", "id")], if_not_exists=True,
    )
    db["revisions"].create_index([DescIndex("recorded_at"), "release_id", "revision"], if_not_exists=True)
    db["_pending"].create({"id": str, "status": str, "embargo_until": str, "source_sha256": str,
                           "parser_version": int, "record": str}, pk="id", if_not_exists=True)
    db["_pending"].create_index(["embargo_until"], if_not_exists=True)
    db["_pending"].create_index(["source_sha256"], if_not_exists=True)
    db["_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    # The last full record of a withdrawn release: kept to recognise the same document sent again,
    # never public (its public revisions become tombstones).
    db["_withdrawn"].create({"id": str, "record": str}, pk="id", if_not_exists=True)
    if "releases_fts" not in db.table_names():
        db["releases"].enable_fts(["title", "standfirst", "body_text"], fts_version="FTS5",
                                  tokenize="unicode61 remove_diacritics 2", create_triggers=True)
    if "releases_published_count_insert" not in db.triggers_dict:
        # The number of public releases, kept by triggers: the main feed numbers its archive pages with it,
        # and counting 100,000 index entries would cost a cold feed build more than everything else.
        for trigger in _COUNT_TRIGGERS:  # one by one: executescript would commit the schema's transaction
            db.conn.execute(trigger)
        db.conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES "
                        "('published', (SELECT count(*) FROM releases WHERE status = 'published'))")


def _replace_index(db: sqlite_utils.Database, old: str, table: str, columns: list) -> None:
    """An index that a newer one covers is dropped (a database made by an older version)."""
    if old in {index.name for index in db[table].indexes}:
        db.conn.execute(f"DROP INDEX {quote_identifier(old)}")
    db[table].create_index(columns, if_not_exists=True)


def read_only_uri(path: str | Path) -> str:
    """The URI that opens a database read-only, whatever its path holds: "#", "?" or "%" in a file name would
    otherwise end or change the path that SQLite reads from the URI."""
    return Path(path).absolute().as_uri() + "?mode=ro"


def connect(path: str | Path, create: bool = True) -> sqlite_utils.Database:
    """A connection with WAL and sane timeouts; creates the schema on first use."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"base de données introuvable : {path}")
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        db = sqlite_utils.Database(conn)
        if create:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            with transaction(db):  # idempotent: brings a database made by an older version up to date
                _tables(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} : {exc}") from None
    return db


class transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error: the database is never half-written.

    Inside a transaction already open (``bulk_load``), a savepoint: rolled back alone on an error, written
    or not with the transaction around it."""

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn
        self.nested = False

    def __enter__(self):
        self.nested = self.conn.in_transaction
        self.conn.execute("SAVEPOINT nested" if self.nested else "BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if not self.nested:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
            return False
        if exc_type:
            self.conn.execute("ROLLBACK TO nested")
        self.conn.execute("RELEASE nested")
        return False


BULK_CACHE_KIB = 256 * 1024  # the page cache of a bulk load: more than its BULK_MAX releases take
FTS_HASH, FTS_BULK_HASH = 1 << 20, 8 << 20  # bytes of terms the full-text index holds in memory, usually and in bulk


@contextmanager
def bulk_load(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One transaction for many writes into a table they outnumber (a first ingest).

    The secondary indexes of ``releases`` and ``revisions`` and the triggers that keep the full-text index
    are dropped, then made again at the end from the statements SQLite kept of them (``_tables`` wrote
    them): one sorted build of each index and one rebuild of the full-text index (three times cheaper than
    a row at a time) instead of updates for every row. All or nothing, the indexes included; ``transaction``
    inside it is a savepoint.
    """
    cache, temp = db.conn.execute("PRAGMA cache_size").fetchone()[0], db.conn.execute("PRAGMA temp_store").fetchone()[0]
    # A cache as large as the load: pages written once, not spilled to the WAL and read back.
    db.conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    # Each write that may fail halfway (an upsert, a foreign key) first copies the pages it changes to a statement
    # journal, a temporary file once it has outgrown 64 KiB: 170 MB of writes at 10 000 releases, kept in memory.
    db.conn.execute("PRAGMA temp_store = MEMORY")
    # Alone with the database, the load commits through a rollback journal: its pages are written once, into
    # the database, instead of into the write-ahead log and then copied back with a second sync (half of the
    # commit's time at 10 000 releases). SQLite keeps the WAL while another connection has the database open.
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
            # FTS5 writes what it has indexed as a segment each time it holds 1 MB, then merges the segments: with
            # 8 MB, a quarter less time to rebuild, and fewer segments for a search to read (FTS5's option
            # "hashsize", put back to its default after).
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


def _bump_version(conn: sqlite3.Connection, by: int = 1) -> None:
    conn.execute("INSERT INTO _meta (key, value) VALUES ('version', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + ?", (str(by), by))


def data_version(db: sqlite_utils.Database) -> int:
    """A counter that moves on every change of public data (the basis of ETags and caches)."""
    row = db.conn.execute("SELECT value FROM _meta WHERE key = 'version'").fetchone()
    return int(row[0]) if row else 0


def known_sources(db: sqlite_utils.Database) -> set[str]:
    """sha256 of every source already ingested with the current parser: those files are unchanged."""
    rows = db.conn.execute(
        "SELECT source_sha256 FROM releases WHERE parser_version = ? "
        "UNION SELECT source_sha256 FROM _pending WHERE parser_version = ?",
        (PARSER_VERSION, PARSER_VERSION),
    )
    return {r[0] for r in rows}


def _is_public(record: dict, now: datetime) -> bool:
    embargo = record["embargo_until"]
    return record["status"] == "published" and (embargo is None or datetime.fromisoformat(embargo) <= now)


def _previous(conn: sqlite3.Connection, release_id: str) -> tuple[str | None, int]:
    """The JSON of the record the store holds for a release (withdrawn, last revision or pending, in this
    order) and its last revision number, in one query."""
    return conn.execute(
        "SELECT coalesce((SELECT record FROM _withdrawn WHERE id = ?1), "
        "(SELECT record FROM revisions WHERE release_id = ?1 ORDER BY revision DESC LIMIT 1), "
        "(SELECT record FROM _pending WHERE id = ?1)), "
        "(SELECT max(revision) FROM revisions WHERE release_id = ?1)", (release_id,)).fetchone()


def _record_of(conn: sqlite3.Connection, release_id: str) -> dict | None:
    text = _previous(conn, release_id)[0]
    return loads(text) if text is not None else None


def changed_fields(old: dict, new: dict) -> list[str]:
    return [k for k in new if k not in _NOT_CONTENT and old.get(k) != new.get(k)]


def upsert(db: sqlite_utils.Database, release: Release, now: datetime,
           publishers: dict[str, dict] | None = None) -> Outcome:
    """Write one release in its own transaction: new, a new revision, or unchanged."""
    return upsert_many(db, [release], now, publishers)[0]


def upsert_many(db: sqlite_utils.Database, releases: Iterable[Release], now: datetime,
                publishers: dict[str, dict] | None = None) -> list[Outcome]:
    """Write several releases in one transaction (all or nothing)."""
    releases = list(releases)
    records = [_record_and_text(release) for release in releases]
    written = _write_all(db, records, now, publishers)
    for release, (record, _), (_, stored) in zip(releases, records, written, strict=True):
        if stored["updated"] != record["updated"]:
            release.updated = now  # stamped as a new revision
    return [outcome for outcome, _ in written]


_SURROGATES = re.compile("[\ud800-\udfff]")
_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False) makes one per call


def _record_and_text(release: Release) -> tuple[dict, str]:
    """A release's record and its JSON. Lone surrogates, which no decoded document holds but a Release made
    in code may, become U+FFFD: SQLite stores UTF-8, which cannot hold them."""
    text = release.to_json()
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return loads(text), text


def upsert_records(db: sqlite_utils.Database, records: Iterable[tuple[dict, str]], now: datetime,
                   publishers: dict[str, dict] | None = None) -> list[Outcome]:
    """``upsert_many`` for records already made (``Release.to_dict()``), each with its JSON text
    (``Release.to_json()``): ingest's worker processes serialise them."""
    return [outcome for outcome, _ in _write_all(db, records, now, publishers)]


def _write_all(db: sqlite_utils.Database, records: Iterable[tuple[dict, str]], now: datetime,
               publishers: dict[str, dict] | None) -> list[tuple[Outcome, dict]]:
    """Every (record, JSON text) in one transaction: each outcome with the record as written."""
    with transaction(db) as conn:
        writes = _Writes(conn, now, publishers or {})
        written = [writes.upsert(record, text) for record, text in records]
        writes.close()
    return written


class _Writes:
    """The upserts of one transaction, and what they share: the ids of names already looked up (each
    publisher's url and logo set once) and the moves of the data version, made once at the end."""

    def __init__(self, conn: sqlite3.Connection, now: datetime, publishers: dict[str, dict]):
        self.conn, self.now, self.publishers = conn, now, publishers
        self.ids: dict[tuple[str, str], int] = {}
        self.changes = 0

    def close(self) -> None:
        if self.changes:
            _bump_version(self.conn, self.changes)
            self.changes = 0

    def upsert(self, record: dict, text: str | None = None) -> tuple[Outcome, dict]:
        """Write one record: new, a new revision, or unchanged. ``text`` is its JSON, if already made.

        Returns the outcome and the record as written: a copy with a new ``updated`` time for a revision
        that did not change it."""
        conn, now = self.conn, self.now
        release_id, sha = record["id"], record["source"]["sha256"]
        old_text, last_revision = _previous(conn, release_id)
        last_revision = last_revision or 0
        if old_text is not None:
            old = loads(old_text)
            changes = changed_fields(old, record)
            if not changes:
                # Same content (perhaps re-encoded or re-spaced): remember the new bytes, nothing else moves.
                conn.execute("UPDATE releases SET source_sha256 = ?, parser_version = ? WHERE id = ?",
                             (sha, PARSER_VERSION, release_id))
                conn.execute("UPDATE _pending SET source_sha256 = ?, parser_version = ? WHERE id = ?",
                             (sha, PARSER_VERSION, release_id))
                return Outcome(release_id, "unchanged", last_revision), record
            if record["updated"] is None or (old.get("updated") and record["updated"] <= old["updated"]):
                record, text = {**record, "updated": now.isoformat()}, None
            conn.execute("DELETE FROM _withdrawn WHERE id = ?", (release_id,))
        else:
            changes = []
        if text is None:
            text = dumps(record)
        self.changes += 1
        action = "new" if old_text is None else "updated"
        if not _is_public(record, now):
            conn.execute(
                "INSERT INTO _pending (id, status, embargo_until, source_sha256, parser_version, record) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, "
                "embargo_until = excluded.embargo_until, source_sha256 = excluded.source_sha256, "
                "parser_version = excluded.parser_version, record = excluded.record",
                (release_id, record["status"], record["embargo_until"], sha, PARSER_VERSION, text),
            )
            if last_revision:  # a public release turned back into a draft leaves the public tables
                _delete_public(conn, release_id)
            # The version also moves for a new embargo, so a running app looks again at the next one to end.
            return Outcome(release_id, action, last_revision), record
        if old_text is not None:
            conn.execute("DELETE FROM _pending WHERE id = ?", (release_id,))
        revision = last_revision + 1
        self._write_public(record, revision, replace=last_revision > 0)
        conn.execute(
            "INSERT INTO revisions (release_id, revision, recorded_at, source_sha256, changes, record) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (release_id, revision, now.isoformat(), sha, _json(changes or ["*"]), text),
        )
        return Outcome(release_id, action, revision), record

    def lookup(self, table: str, name: str, extra: dict | None = None) -> int:
        key = (table, name)
        if key not in self.ids:
            self.ids[key] = _lookup(self.conn, table, name, extra)
        return self.ids[key]

    def _write_public(self, record: dict, revision: int, replace: bool) -> None:
        """The public rows of a record; ``replace`` when the release had public rows before."""
        conn, release_id = self.conn, record["id"]
        info = self.publishers.get(record["publisher"] or "", {})
        publisher_id = self.lookup("publishers", record["publisher"] or "",
                                   {"url": info.get("url"), "logo": info.get("logo")})
        published = datetime.fromisoformat(record["published"]) if record["published"] else None
        source = record["source"]
        conn.execute(_RELEASE_UPSERT, (
            release_id, record["title"], record["standfirst"], record["published"], record["updated"],
            published.year if published else None, f"{published.year}-{published.month:02d}" if published else None,
            record["kind"], publisher_id, record["place"], record["language"], record["summary"],
            record["body_html"], record["body_text"], _json(record["topics"]),
            "published", record["event_start"], revision, source["name"], source["sha256"], source["format"],
            _json([w["code"] for w in record["warnings"]]), None, None, PARSER_VERSION,
        ))
        if replace:
            _delete_children(conn, release_id)
        children = {
            "quotes": [(release_id, i, self.lookup("people", q["speaker"]) if q["speaker"] else None, q["role"],
                        q["text"]) for i, q in enumerate(record["quotes"])],
            "contacts": [(release_id, i, c["name"], c["role"], c["email"], " ".join(c["phones"]) or None)
                         for i, c in enumerate(record["contacts"])],
            "links": [(release_id, i, x["url"], x["text"]) for i, x in enumerate(record["links"])],
            "attachments": [(release_id, i, a["url"], a["type"], a["length"], a["title"])
                            for i, a in enumerate(record["attachments"])],
            "release_topics": [(release_id, i, self.lookup("topics", t)) for i, t in enumerate(record["topics"])],
        }
        for table, rows in children.items():
            if rows:  # each list is often empty: no statement then
                conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


_CHILD_TABLES = ("quotes", "contacts", "links", "attachments", "release_topics")
_RELEASE_COLUMNS = ("id", "title", "standfirst", "published", "updated", "year", "month", "kind", "publisher_id",
                    "place", "language", "summary", "body_html", "body_text", "topics", "status", "event_start",
                    "revision", "source_name", "source_sha256", "source_format", "warnings", "withdrawn_reason",
                    "withdrawn_at", "parser_version")
_RELEASE_UPSERT = (
    f"INSERT INTO releases ({', '.join(_RELEASE_COLUMNS)}) VALUES ({', '.join('?' * len(_RELEASE_COLUMNS))}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _RELEASE_COLUMNS[1:])}"
)


def _lookup(conn: sqlite3.Connection, table: str, name: str, extra: dict | None = None) -> int:
    row = conn.execute(f"SELECT id FROM [{table}] WHERE name = ?", (name,)).fetchone()
    if row:
        if extra:
            sets = ", ".join(f"[{k}] = coalesce(?, [{k}])" for k in extra)
            conn.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", (*extra.values(), row[0]))
        return row[0]
    columns = ["name", *(extra or {})]
    cur = conn.execute(
        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})",
        (name, *(extra or {}).values()),
    )
    return cur.lastrowid


def _delete_children(conn: sqlite3.Connection, release_id: str) -> None:
    for table in _CHILD_TABLES:
        conn.execute(f"DELETE FROM [{table}] WHERE release_id = ?", (release_id,))


def _delete_public(conn: sqlite3.Connection, release_id: str) -> None:
    _delete_children(conn, release_id)
    conn.execute("DELETE FROM revisions WHERE release_id = ?", (release_id,))
    conn.execute("DELETE FROM releases WHERE id = ?", (release_id,))


def publish_due(db: sqlite_utils.Database, now: datetime,
                publishers: dict[str, dict] | None = None) -> list[str]:
    """Move releases whose embargo has ended into the public tables; returns their ids."""
    due = db.conn.execute(
        "SELECT id FROM _pending WHERE status = 'published' AND embargo_until <= ?", (now.isoformat(),)
    ).fetchall()
    if not due:
        return []
    published = []
    with transaction(db) as conn:
        writes = _Writes(conn, now, publishers or {})
        for (release_id,) in due:
            row = conn.execute("SELECT record FROM _pending WHERE id = ?", (release_id,)).fetchone()
            if not row:
                continue
            release = Release.from_dict(loads(row[0]))
            if release.embargo_until and release.embargo_until <= now:
                conn.execute("DELETE FROM _pending WHERE id = ?", (release_id,))
                writes.upsert(release.to_dict())
                published.append(release_id)
        writes.close()
    return published


def next_embargo(db: sqlite_utils.Database) -> str | None:
    """The earliest embargo end still ahead (compared as instants: offsets may differ between publishers)."""
    rows = db.conn.execute(
        "SELECT embargo_until FROM _pending WHERE status = 'published' AND embargo_until IS NOT NULL").fetchall()
    return min((r[0] for r in rows), key=datetime.fromisoformat, default=None)


# ---------------------------------------------------------------- reading (web app, feeds)

def get_record(db: sqlite_utils.Database, release_id: str) -> tuple[Release, dict] | None:
    """The latest public revision of a release as a Release, with its row (publisher, revision, withdrawal)."""
    cursor = db.conn.execute(
        "SELECT r.*, p.name AS publisher_name, p.url AS publisher_url, p.logo AS publisher_logo, v.record "
        "FROM releases r JOIN publishers p ON p.id = r.publisher_id "
        "JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision WHERE r.id = ?",
        (release_id,),
    )
    row = cursor.fetchone()
    if row is None:
        return None
    data = dict(zip([d[0] for d in cursor.description], row, strict=True))
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
    if not where:
        return feed_count(db)  # kept by triggers: no count of every public release
    sql = f"SELECT count(*) FROM releases r WHERE r.status = 'published' AND {where}"
    return db.conn.execute(sql, tuple(params)).fetchone()[0]


def iter_public(db: sqlite_utils.Database) -> Iterator[Release]:
    for (record,) in db.conn.execute(
        "SELECT v.record FROM releases r JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision "
        "WHERE r.status = 'published' ORDER BY r.published DESC, r.id"
    ):
        yield Release.from_dict(loads(record))


def publishers(db: sqlite_utils.Database) -> dict[str, dict]:
    return {r["name"]: r for r in db["publishers"].rows}


# ---------------------------------------------------------------- publishing workflow: withdrawals, history, tokens

class UnknownRelease(StoreError):
    """No release, public or pending, has this id."""


class AlreadyWithdrawn(StoreError):
    """The release was withdrawn before."""


@dataclass
class Withdrawal:
    id: str
    revision: int  # 0 when the release was never public (a draft or an embargo withdrawn before its hour)
    withdrawn_at: str
    reason: str


# Public content a tombstone no longer carries; its id, title, dates, publisher and history stay.
_WITHDRAWN_CLEARED = ("standfirst", "summary", "body_html", "body_text")


def withdraw(db: sqlite_utils.Database, release_id: str, reason: str, now: datetime) -> Withdrawal:
    """Withdraw a release: it leaves every public listing, its page answers 410, a tombstone row stays.

    The withdrawal is a revision of its own (``changes`` = ["status"]); a later changed document
    publishes the release again as a new revision, the same document leaves it withdrawn.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise StoreError("le motif du retrait est vide")
    with transaction(db) as conn:
        row = conn.execute("SELECT status, withdrawn_at, source_sha256 FROM releases WHERE id = ?",
                           (release_id,)).fetchone()
        if row is None:
            pending = conn.execute("SELECT status FROM _pending WHERE id = ?", (release_id,)).fetchone()
            if pending is None:
                raise UnknownRelease(f"aucun communiqué n'a l'identifiant {release_id}")
            if pending[0] == "withdrawn":
                raise AlreadyWithdrawn(f"le communiqué {release_id} est déjà retiré")
            # publish_due takes only status 'published': this one never comes out of _pending.
            conn.execute("UPDATE _pending SET status = 'withdrawn' WHERE id = ?", (release_id,))
            return Withdrawal(release_id, 0, now.isoformat(), reason)
        if row[0] == "withdrawn":
            raise AlreadyWithdrawn(f"le communiqué {release_id} est déjà retiré (le {row[1]})")
        # The record stays the document's own (its status included): the same document ingested again is
        # "unchanged" and the release stays withdrawn; a changed document publishes it again.
        text, last_revision = _previous(conn, release_id)
        record, revision, source = loads(text), last_revision + 1, row[2]
        cleared = ", ".join(f"{c} = NULL" for c in _WITHDRAWN_CLEARED)
        conn.execute(f"UPDATE releases SET status = 'withdrawn', withdrawn_reason = ?, withdrawn_at = ?, "
                     f"revision = ?, {cleared} WHERE id = ?", (reason, now.isoformat(), revision, release_id))
        _delete_children(conn, release_id)
        # What was withdrawn leaves the open data: every public revision becomes a tombstone, the
        # full record is kept privately.
        conn.execute("INSERT OR REPLACE INTO _withdrawn (id, record) VALUES (?, ?)",
                     (release_id, text))
        tombstone = json.dumps({"id": release_id, "title": record.get("title"), "status": "withdrawn",
                                "withdrawn_reason": reason, "withdrawn_at": now.isoformat()}, ensure_ascii=False)
        conn.execute("UPDATE revisions SET record = ? WHERE release_id = ?", (tombstone, release_id))
        conn.execute(
            "INSERT INTO revisions (release_id, revision, recorded_at, source_sha256, changes, record) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (release_id, revision, now.isoformat(), source, json.dumps(["status"]), tombstone),
        )
        _bump_version(conn)
    return Withdrawal(release_id, revision, now.isoformat(), reason)


def history(db: sqlite_utils.Database, release_id: str) -> list[dict]:
    """Every public revision of a release, oldest first: revision, recorded_at, changes, record."""
    rows = db.conn.execute(
        "SELECT revision, recorded_at, source_sha256, changes, record FROM revisions WHERE release_id = ? "
        "ORDER BY revision", (release_id,))
    return [{"revision": r[0], "recorded_at": r[1], "source_sha256": r[2], "changes": loads(r[3]),
             "record": loads(r[4])} for r in rows]


def stored_record(db: sqlite_utils.Database, release_id: str) -> dict | None:
    """The record the store holds for a release: its last revision, or its pending draft or embargo."""
    return _record_of(db.conn, release_id)


def ensure_tokens(db: sqlite_utils.Database) -> None:
    """The private table of upload tokens (only their sha256 hashes), for databases made before it."""
    db["_tokens"].create({"name": str, "hash": str, "created_at": str}, pk="name", not_null={"hash"},
                         if_not_exists=True)


# ---------------------------------------------------------------- feeds (one per facet and per search)

# What a feed can follow: the facets of the pages (FACET_FILTERS) and a full-text search.
FEED_SEARCH = "r.rowid IN (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?)"


def _feed_where(filters: Iterable[tuple[str, str]]) -> tuple[str, list[str]]:
    clauses, params = [], []
    for kind, value in filters:
        if kind == "q":
            expression = fts_expression(value)
            clauses.append(FEED_SEARCH if expression else "0")  # nothing searchable: nothing found
            params.extend([expression] if expression else [])
        else:
            clauses.append(FACET_FILTERS[kind])
            params.append(value)
    return "".join(f" AND {c}" for c in clauses), params


def feed_entries(db: sqlite_utils.Database, filters: Iterable[tuple[str, str]] = (), limit: int = 50,
                 offset: int = 0, oldest_first: bool = False) -> list[tuple[Release, str]]:
    """Public releases matching every filter, with the time their current revision was recorded.

    Newest first for a subscription feed, oldest first for archive pages (which must not move).
    """
    where, params = _feed_where(filters)
    order = "r.published ASC, r.id ASC" if oldest_first else "r.published DESC, r.id DESC"
    rows = db.conn.execute(
        "SELECT v.record, v.recorded_at FROM releases r "
        "JOIN revisions v ON v.release_id = r.id AND v.revision = r.revision "
        f"WHERE r.status = 'published'{where} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [(Release.from_dict(loads(record)), recorded_at) for record, recorded_at in rows]


def feed_count(db: sqlite_utils.Database, filters: Iterable[tuple[str, str]] = ()) -> int:
    filters = list(filters)
    if not filters:
        row = db.conn.execute("SELECT value FROM _meta WHERE key = 'published'").fetchone()
        return int(row[0]) if row else 0
    where, params = _feed_where(filters)
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
    found, last = [], after
    step = (f"SELECT {'max' if descending else 'min'}({column}) FROM releases WHERE status = 'published' "
            f"AND {column} {'<' if descending else '>'} ?")
    while (most is None or len(found) < most) and (value := db.conn.execute(step, (last,)).fetchone()[0]) is not None:
        found.append(last := value)
    return found


def facet_known(db: sqlite_utils.Database, kind: str, value: str) -> bool:
    """Whether a facet value exists at all (an unknown one is a 404, a known one without releases an empty feed)."""
    table = {"publisher": "publishers", "topic": "topics", "person": "people"}.get(kind)
    if table:
        return db.conn.execute(f"SELECT 1 FROM [{table}] WHERE name = ?", (value,)).fetchone() is not None
    if kind == "place":
        return db.conn.execute("SELECT 1 FROM releases WHERE place = ? LIMIT 1", (value,)).fetchone() is not None
    return True


# ---------------------------------------------------------------- pages: facets, search, sitemaps

# Trusted SQL fragments on releases ``r``, each with one ? for the value: the facets pages and search filter on.
FACET_FILTERS = {
    "publisher": "r.publisher_id IN (SELECT id FROM publishers WHERE name = ?)",
    "topic": "r.id IN (SELECT rt.release_id FROM release_topics rt JOIN topics t ON t.id = rt.topic_id "
             "WHERE t.name = ?)",
    "person": "r.id IN (SELECT q.release_id FROM quotes q JOIN people p ON p.id = q.person_id WHERE p.name = ?)",
    "place": "r.place = ?",
    "kind": "r.kind = ?",
    "year": "r.year = ?",
}
SEARCH_MAX_TERMS = 16
_SEARCH_PART = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")


def facet_where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """A WHERE fragment and its parameters for the non-empty ``filters`` (names from FACET_FILTERS)."""
    parts, params = [], []
    for name, value in filters.items():
        if value not in (None, ""):
            parts.append(FACET_FILTERS[name])
            params.append(value)
    return " AND ".join(parts), params


def fts_expression(text: str | None) -> str | None:
    """The user's words as a safe FTS5 expression: every term (or "quoted phrase") becomes a quoted phrase.

    Nothing the user types is read as FTS5 syntax (operators, columns, NEAR, stars), so no query can fail.
    """
    phrases = []
    for phrase, word in _SEARCH_PART.findall(text or ""):
        tokens = _WORD.findall(phrase or word)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"')
    return " ".join(phrases[:SEARCH_MAX_TERMS]) or None


RANKED_MATCHES = 5000  # up to this many matches, best first (bm25); beyond, newest first
SEARCH_COUNT_LIMIT = 10_000  # matches counted exactly up to this many; beyond, "plus de 10 000 résultats"
# Newest first, two ways: walk the releases newest first and look each one up in the full-text index (about
# wanted / density lookups, a lookup costing about as much as reading _LOOKUP_COST matches in the index), or
# read every match (density × releases) and keep those among a window of the newest releases. The first is
# cheaper when the matches are dense.
_LOOKUP_COST = 4000  # measured: 300-750 µs a lookup, 0.07-0.2 µs a match read (16-27 segments)
_DENSITY_SAMPLE = 20_000  # matches read (in the index alone) to choose between the two
# Withdrawn releases keep their title in the index: searches leave them out.
_NOT_WITHDRAWN = "rowid NOT IN (SELECT rowid FROM releases WHERE status < 'published' OR status > 'published')"


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
    """Releases matching ``text`` and ``filters``, without ranking or sorting a million rows.

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
    and_where = f"AND {where}" if where else ""
    if where:
        # Filters need the rows: count through them, up to the limit.
        matches = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM releases_fts CROSS JOIN releases r "
            f"ON r.rowid = releases_fts.rowid WHERE releases_fts MATCH ? AND r.status = 'published' {and_where} "
            "LIMIT ?)", (expression, *params, SEARCH_COUNT_LIMIT + 1)).fetchone()[0]
    else:
        # The index alone, bounded: a word found in every release costs no more than a rare one.
        matches = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM releases_fts WHERE releases_fts MATCH ? AND {_NOT_WITHDRAWN} "
            "LIMIT ?)", (expression, SEARCH_COUNT_LIMIT + 1)).fetchone()[0]
    total, exact = min(matches, SEARCH_COUNT_LIMIT), matches <= SEARCH_COUNT_LIMIT
    if matches == 0 or offset >= total:
        return SearchPage([], total, exact, matches <= RANKED_MATCHES)
    limit = min(limit, total - offset)  # the pages end with the count, past the limit too
    if where:
        # Ranked or sorted by date among the matches that pass the filters, at most SEARCH_COUNT_LIMIT
        # of them in the common case of a filter narrower than the words.
        order = ("bm25(releases_fts, 10.0, 4.0, 1.0), r.published DESC" if matches <= RANKED_MATCHES
                 else "r.published DESC, r.rowid DESC")
        rowids = [r[0] for r in conn.execute(
            "SELECT r.rowid FROM releases_fts CROSS JOIN releases r ON r.rowid = releases_fts.rowid "
            f"WHERE releases_fts MATCH ? AND r.status = 'published' {and_where} ORDER BY {order} LIMIT ? OFFSET ?",
            (expression, *params, limit, offset))]
    elif matches <= RANKED_MATCHES:
        rowids = [r[0] for r in conn.execute(
            f"SELECT rowid FROM releases_fts WHERE releases_fts MATCH ? AND {_NOT_WITHDRAWN} "
            "ORDER BY bm25(releases_fts, 10.0, 4.0, 1.0), rowid DESC LIMIT ? OFFSET ?",
            (expression, limit, offset))]
    else:
        rowids = _newest_matches(db, expression, limit, offset)
    return SearchPage(_with_snippets(conn, expression, rowids), total, exact, matches <= RANKED_MATCHES)


def _newest_matches(db: sqlite_utils.Database, expression: str, limit: int, offset: int) -> list[int]:
    """Rowids of matching public releases, newest first (publication date, then rowid), one page.

    Never sorts the matches: either the releases are walked newest first (an index) and each is looked up
    in the full-text index until the page is full, or the matches are read in the index and kept when among
    a window of the newest releases, a window widened until it holds the page.
    """
    conn = db.conn
    wanted = offset + limit
    # The first matches in rowid order tell how dense they are: the 20,000th match at rowid 40,000, one in two.
    sample, last = conn.execute(
        "SELECT count(*), max(rowid) FROM (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ? "
        "ORDER BY rowid LIMIT ?)", (expression, _DENSITY_SAMPLE)).fetchone()
    published = max(feed_count(db), 1)
    density = min(sample / max(last or 1, 1), 1.0) if sample == _DENSITY_SAMPLE else sample / published
    if wanted * _LOOKUP_COST < density * density * published:
        return [r[0] for r in conn.execute(
            "SELECT r.rowid FROM releases r WHERE r.status = 'published' AND EXISTS (SELECT 1 FROM releases_fts f "
            "WHERE releases_fts MATCH ? AND f.rowid = r.rowid) ORDER BY r.published DESC, r.rowid DESC "
            "LIMIT ? OFFSET ?", (expression, limit, offset))]
    window = int(wanted / max(density, 1e-6) * 1.5) + 200
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
        window *= 4


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


def recorded_dates(db: sqlite_utils.Database, release_id: str) -> tuple[str | None, str | None]:
    """When the press room first and last recorded a release (for releases whose source gives no date)."""
    row = db.conn.execute("SELECT min(recorded_at), max(recorded_at) FROM revisions WHERE release_id = ?",
                          (release_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def sitemap_rows(db: sqlite_utils.Database, limit: int = 50000, offset: int = 0) -> list[tuple[str, str | None]]:
    """(id, last modification) of public releases, oldest first so sitemap chunks stay stable."""
    return db.conn.execute(
        "SELECT r.id, coalesce(r.updated, r.published, "
        "(SELECT max(recorded_at) FROM revisions v WHERE v.release_id = r.id)) "
        "FROM releases r WHERE r.status = 'published' ORDER BY r.rowid LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
