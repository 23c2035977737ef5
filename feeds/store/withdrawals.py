"""Withdrawals: a release leaves every public listing, its page answers 410, a tombstone stays in the open data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from feeds.model import loads
from feeds.store.queries import stored_json
from feeds.store.schema import StoreError, transaction
from feeds.store.writes import bump_data_version, delete_children, json_text

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
        text, last_revision = stored_json(conn, release_id)
        record, revision, source = loads(text), last_revision + 1, row[2]
        cleared = ", ".join(f"{c} = NULL" for c in _WITHDRAWN_CLEARED)
        conn.execute(f"UPDATE releases SET status = 'withdrawn', withdrawn_reason = ?, withdrawn_at = ?, "
                     f"revision = ?, {cleared} WHERE id = ?", (reason, now.isoformat(), revision, release_id))
        delete_children(conn, release_id)
        # What was withdrawn leaves the open data: every public revision becomes a tombstone, the
        # full record is kept privately.
        conn.execute("INSERT OR REPLACE INTO _withdrawn (id, record) VALUES (?, ?)",
                     (release_id, text))
        tombstone = json_text({"id": release_id, "title": record.get("title"), "status": "withdrawn",
                               "withdrawn_reason": reason, "withdrawn_at": now.isoformat()})
        conn.execute("UPDATE revisions SET record = ? WHERE release_id = ?", (tombstone, release_id))
        conn.execute(
            "INSERT INTO revisions (release_id, revision, recorded_at, source_sha256, changes, record) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (release_id, revision, now.isoformat(), source, json_text(["status"]), tombstone),
        )
        bump_data_version(conn)
    return Withdrawal(release_id, revision, now.isoformat(), reason)

