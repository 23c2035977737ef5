"""Writes: upserts with revisions, the public rows of a release, and the publication of embargoes that ended.

Public tables hold only what the public may see. Drafts and releases under embargo wait in ``_pending``,
which Datasette is not allowed to read, and move to the public tables when their embargo ends (``publish_due``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils
from sqlite_utils.db import quote_identifier

from feeds.model import Release, dumps, loads
from feeds.store.queries import stored_json
from feeds.store.schema import CHILD_TABLES, transaction

# Bump when normalisation changes, so unchanged files are parsed again.
PARSER_VERSION = 1

# Fields that are bookkeeping, not content: a change in them alone is not a new revision.
_NOT_CONTENT = {"source", "warnings", "updated"}


@dataclass
class Outcome:
    """What an upsert did to one release, and the release's revision after it."""

    id: str
    action: str  # new, updated, unchanged
    revision: int


def bump_data_version(conn: sqlite3.Connection, by: int = 1) -> None:
    """Move the data version (``queries.data_version``) on: public data changed."""
    conn.execute("INSERT INTO _meta (key, value) VALUES ('version', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + ?", (str(by), by))


def known_sources(db: sqlite_utils.Database) -> set[str]:
    """sha256 of every source already ingested with the current parser: those files are unchanged."""
    rows = db.conn.execute(
        "SELECT source_sha256 FROM releases WHERE parser_version = ? "
        "UNION SELECT source_sha256 FROM _pending WHERE parser_version = ?",
        (PARSER_VERSION, PARSER_VERSION),
    )
    return {r[0] for r in rows}


def _is_public(record: dict, now: datetime) -> bool:
    """Published and out of embargo at ``now``: the record belongs in the public tables."""
    embargo = record["embargo_until"]
    return record["status"] == "published" and (embargo is None or datetime.fromisoformat(embargo) <= now)


def changed_fields(old: dict, new: dict) -> list[str]:
    """The content fields whose values differ: what a new revision changes."""
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
# The short JSON lists of the public columns (topics, warnings, changes), written as json writes them;
# json.dumps(…, ensure_ascii=False) would make an encoder per call.
json_text = json.JSONEncoder(ensure_ascii=False).encode


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
            bump_data_version(self.conn, self.changes)
            self.changes = 0

    def upsert(self, record: dict, text: str | None = None) -> tuple[Outcome, dict]:
        """Write one record: new, a new revision, or unchanged. ``text`` is its JSON, if already made.

        Returns the outcome and the record as written: a copy with a new ``updated`` time for a revision
        that did not change it."""
        conn, now = self.conn, self.now
        release_id, sha = record["id"], record["source"]["sha256"]
        old_text, last_revision = stored_json(conn, release_id)
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
            (release_id, revision, now.isoformat(), sha, json_text(changes or ["*"]), text),
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
            record["body_html"], record["body_text"], json_text(record["topics"]),
            "published", record["event_start"], revision, source["name"], source["sha256"], source["format"],
            json_text([w["code"] for w in record["warnings"]]), None, None, PARSER_VERSION,
        ))
        if replace:
            delete_children(conn, release_id)
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
                conn.executemany(f"INSERT INTO {quote_identifier(table)} VALUES ({', '.join('?' * len(rows[0]))})", rows)


# The statement of every public write, made once: sqlite-utils' upsert reads the table's columns and builds its
# SQL again on each call, on the path that every ingested release takes.
_RELEASE_COLUMNS = ("id", "title", "standfirst", "published", "updated", "year", "month", "kind", "publisher_id",
                    "place", "language", "summary", "body_html", "body_text", "topics", "status", "event_start",
                    "revision", "source_name", "source_sha256", "source_format", "warnings", "withdrawn_reason",
                    "withdrawn_at", "parser_version")
_RELEASE_UPSERT = (
    f"INSERT INTO releases ({', '.join(_RELEASE_COLUMNS)}) VALUES ({', '.join('?' * len(_RELEASE_COLUMNS))}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _RELEASE_COLUMNS[1:])}"
)


def _lookup(conn: sqlite3.Connection, table: str, name: str, extra: dict | None = None) -> int:
    """The id of a name, inserted if new; ``extra`` values (a publisher's url and logo) fill in the row.

    Not sqlite-utils' ``Table.lookup``: it never fills in a known row's other columns, and it reads the
    table's columns and indexes again on every call, inside the loop of every write."""
    quoted = quote_identifier(table)
    row = conn.execute(f"SELECT id FROM {quoted} WHERE name = ?", (name,)).fetchone()
    if row:
        if extra:
            sets = ", ".join(f"{quote_identifier(k)} = coalesce(?, {quote_identifier(k)})" for k in extra)
            conn.execute(f"UPDATE {quoted} SET {sets} WHERE id = ?", (*extra.values(), row[0]))
        return row[0]
    columns = ["name", *(extra or {})]
    cur = conn.execute(
        f"INSERT INTO {quoted} ({', '.join(map(quote_identifier, columns))}) VALUES ({', '.join('?' * len(columns))})",
        (name, *(extra or {}).values()),
    )
    return cur.lastrowid


def delete_children(conn: sqlite3.Connection, release_id: str) -> None:
    """Delete the rows of a release's one-to-many tables."""
    for table in CHILD_TABLES:
        conn.execute(f"DELETE FROM {quote_identifier(table)} WHERE release_id = ?", (release_id,))


def _delete_public(conn: sqlite3.Connection, release_id: str) -> None:
    delete_children(conn, release_id)
    conn.execute("DELETE FROM revisions WHERE release_id = ?", (release_id,))
    conn.execute("DELETE FROM releases WHERE id = ?", (release_id,))


def publish_due(db: sqlite_utils.Database, now: datetime,
                publishers: dict[str, dict] | None = None) -> list[str]:
    """Move releases whose embargo has ended into the public tables; returns their ids."""
    # Compared as instants, not as text: offsets may differ between publishers (and the waiting list is short).
    due = [(release_id,) for release_id, until in db.conn.execute(
        "SELECT id, embargo_until FROM _pending WHERE status = 'published' AND embargo_until IS NOT NULL")
        if datetime.fromisoformat(until) <= now]
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


