"""The schema: tables, indexes, full-text index and triggers (made by sqlite-utils), connections, transactions.

``connect`` brings a database made by an older version up to date when it may write (``create``); a
connection opened to read (``create=False``, ``read_only_uri``) runs no DDL and no pragma that writes the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import DescIndex, quote_identifier

PRIVATE_TABLES = ("_pending", "_meta", "_tokens", "_withdrawn")


class StoreError(Exception):
    """The database cannot be opened or written."""


# The number of public releases, kept by triggers: the main feed numbers its archive pages with it, which
# would otherwise count every public release of the index for each cold feed.
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

# The one-to-many tables of a release, keyed (release_id, position).
CHILD_TABLES = {
    "quotes": {"release_id": str, "position": int, "person_id": int, "role": str, "text": str},
    "contacts": {"release_id": str, "position": int, "name": str, "role": str, "email": str, "phones": str},
    "links": {"release_id": str, "position": int, "url": str, "text": str},
    "attachments": {"release_id": str, "position": int, "url": str, "type": str, "length": int, "title": str},
    "release_topics": {"release_id": str, "position": int, "topic_id": int},
}


def create_schema(db: sqlite_utils.Database) -> None:
    """Create what is missing, in this order (the order of ``sqlite_master``). sqlite-utils owns the DDL, so
    code and schema cannot drift; every step is idempotent."""
    _releases(db)
    _release_indexes(db)
    _names(db)
    _children(db)
    _revisions(db)
    _private(db)
    _full_text(db)
    _published_count(db)


def _releases(db: sqlite_utils.Database) -> None:
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


def _release_indexes(db: sqlite_utils.Database) -> None:
    # Datasette's default order of the table (metadata.yml: newest first), with the primary key that breaks
    # its ties: the pages after the first (and CSV streams) ask for rows after a (published, id) pair, which
    # without this index sorts every remaining row again for each page.
    _replace_index(db, "idx_releases_published", "releases", [DescIndex("published"), "id"])
    # Every public release in feed order with what a static build keys its documents on (revision and
    # facets) and what the sitemap dates them by, from the index alone, never from the rows that hold the bodies.
    _replace_index(db, "idx_releases_status_published", "releases",
                   ["status", "published", "id", "revision", "publisher_id", "place", "kind", "updated"])
    for cols in (["publisher_id", "published"], ["kind"], ["place"], ["year"], ["month"],
                 ["source_sha256"], ["status", "kind"], ["status", "place"],
                 ["status", "year"],
                 # Covering indexes: the topic facet reads the JSON list of topics without the bodies, the
                 # open-data chart counts releases per month and publisher from the index alone.
                 ["topics"], ["status", "month", "publisher_id"]):
        db["releases"].create_index(cols, if_not_exists=True)


def _replace_index(db: sqlite_utils.Database, old: str, table: str, columns: list) -> None:
    """An index that a newer one covers is dropped (a database made by an older version)."""
    if old in {index.name for index in db[table].indexes}:
        db.conn.execute(f"DROP INDEX {quote_identifier(old)}")
    db[table].create_index(columns, if_not_exists=True)


def _names(db: sqlite_utils.Database) -> None:
    for table in ("people", "topics"):
        db[table].create({"id": int, "name": str}, pk="id", not_null={"name"}, if_not_exists=True)
        db[table].create_index(["name"], unique=True, if_not_exists=True)


def _children(db: sqlite_utils.Database) -> None:
    for name, columns in CHILD_TABLES.items():
        fks = [("release_id", "releases", "id")]
        if "person_id" in columns:
            fks.append(("person_id", "people", "id"))
        if "topic_id" in columns:
            fks.append(("topic_id", "topics", "id"))
        db[name].create(columns, pk=("release_id", "position"), foreign_keys=fks, if_not_exists=True)
    db["quotes"].create_index(["person_id"], if_not_exists=True)
    db["release_topics"].create_index(["topic_id"], if_not_exists=True)


def _revisions(db: sqlite_utils.Database) -> None:
    db["revisions"].create(
        {"release_id": str, "revision": int, "recorded_at": str, "source_sha256": str, "changes": str,
         "record": str},
        pk=("release_id", "revision"), foreign_keys=[("release_id", "releases", "id")], if_not_exists=True,
    )
    db["revisions"].create_index([DescIndex("recorded_at"), "release_id", "revision"], if_not_exists=True)


def _private(db: sqlite_utils.Database) -> None:
    db["_pending"].create({"id": str, "status": str, "embargo_until": str, "source_sha256": str,
                           "parser_version": int, "record": str}, pk="id", if_not_exists=True)
    db["_pending"].create_index(["embargo_until"], if_not_exists=True)
    db["_pending"].create_index(["source_sha256"], if_not_exists=True)
    db["_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    # The last full record of a withdrawn release: kept to recognise the same document sent again,
    # never public (its public revisions become tombstones).
    db["_withdrawn"].create({"id": str, "record": str}, pk="id", if_not_exists=True)


def _full_text(db: sqlite_utils.Database) -> None:
    if "releases_fts" not in db.table_names():
        db["releases"].enable_fts(["title", "standfirst", "body_text"], fts_version="FTS5",
                                  tokenize="unicode61 remove_diacritics 2", create_triggers=True)


def _published_count(db: sqlite_utils.Database) -> None:
    if "releases_published_count_insert" not in db.triggers_dict:
        for trigger in _COUNT_TRIGGERS:  # one by one: executescript would commit the schema's transaction
            db.conn.execute(trigger)
        db.conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES "
                        "('published', (SELECT count(*) FROM releases WHERE status = 'published'))")


def ensure_tokens(db: sqlite_utils.Database) -> None:
    """The private table of upload tokens (only their sha256 hashes), for databases made before it."""
    db["_tokens"].create({"name": str, "hash": str, "created_at": str}, pk="name", not_null={"hash"},
                         if_not_exists=True)


def read_only_uri(path: str | Path) -> str:
    """The URI that opens a database read-only, whatever its path holds: "#", "?" or "%" in a file name would
    otherwise end or change the path that SQLite reads from the URI."""
    return Path(path).absolute().as_uri() + "?mode=ro"


def connect(path: str | Path, create: bool = True) -> sqlite_utils.Database:
    """A connection with sane timeouts. With ``create``: WAL, the file and its schema made or brought up to
    date. Without: an existing file as it is, nothing written by opening, reading or (from Python 3.12 on,
    which can ask SQLite not to checkpoint) closing it; ``read_only_uri`` never writes at all."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"base de données introuvable : {path}")
    try:
        # mode=rw: a file removed since the check above is an error, not a new empty database.
        target, uri = (str(path), False) if create else (path.absolute().as_uri() + "?mode=rw", True)
        conn = sqlite3.connect(target, uri=uri, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        if not create and hasattr(conn, "setconfig"):  # Python 3.12 and newer
            # The last connection to close copies the WAL into the database: not one opened to read.
            conn.setconfig(sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
        db = sqlite_utils.Database(conn)
        if create:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            with transaction(db):  # idempotent: brings a database made by an older version up to date
                create_schema(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} : {exc}") from None
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error: the database is never half-written.

    Inside a transaction already open (``bulk_load``), a savepoint: rolled back alone on an error, written
    or not with the transaction around it."""
    conn = db.conn
    nested = conn.in_transaction
    conn.execute("SAVEPOINT nested" if nested else "BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO nested" if nested else "ROLLBACK")
        if nested:
            conn.execute("RELEASE nested")
        raise
    conn.execute("RELEASE nested" if nested else "COMMIT")
