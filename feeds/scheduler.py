"""What happens at a time, not on a request: releases whose embargo has ended are published, and the WebSub
hub is told which feeds changed.

``feeds serve`` runs a ``Scheduler`` in a thread of its own while it serves; ``feeds publish-due`` runs it
once (from cron, or before a static export). Reading the press room never writes it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlite_utils

from feeds import store, websub
from feeds.config import Site
from feeds.model import Release
from feeds.web.selection import Selection
from feeds.web.syndication import feed_urls

# Seconds between two looks at the database when no embargo ends sooner: how late an embargo that another
# process wrote (`feeds ingest`, the upload API) can be noticed, when it ends that soon.
INTERVAL = 2.0

log = logging.getLogger(__name__)


@dataclass
class Published:
    """What one run published: the releases, and the feeds they changed (the hub's topics)."""

    ids: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def facets_of(release: Release, publisher: str | None) -> list[Selection]:
    """The facet feeds a release is an entry of."""
    values = [("publisher", publisher), ("place", release.place), ("kind", release.kind)]
    values += [("topic", topic) for topic in release.topics]
    values += [("person", quote.speaker) for quote in release.quotes if quote.speaker]
    return [((kind, value),) for kind, value in values if value]


def changed_feeds(db: sqlite_utils.Database, release_ids: list[str], root: str) -> list[str]:
    """The site's feeds and those of every facet of the releases, at the public address ``root``."""
    selections: list[Selection] = [()]
    for release_id in release_ids:
        found = store.get_record(db, release_id)
        if found is not None:
            release, row = found
            selections += facets_of(release, row.get("publisher_name") or release.publisher)
    return feed_urls(root.rstrip("/"), selections)


class Scheduler:
    """Publishes embargoes as they end, from a connection of its own to ``db_path``."""

    def __init__(self, db_path: str | Path, site: Site, interval: float = INTERVAL):
        self.db_path, self.site, self.interval = str(db_path), site, interval
        self.db: sqlite_utils.Database | None = None
        self.inode: int | None = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def _connection(self) -> sqlite_utils.Database:
        """The writable connection, opened again when the database file was replaced (rebuilt)."""
        try:
            inode = os.stat(self.db_path).st_ino
        except FileNotFoundError:
            raise store.StoreError(f"base de données introuvable : {self.db_path}") from None
        if self.db is None or inode != self.inode:
            self.close()
            self.db, self.inode = store.connect(self.db_path, create=False), inode
        return self.db

    def run_once(self) -> Published:
        """Publish every release whose embargo has ended."""
        db = self._connection()
        site = self.site
        ids = store.publish_due(db, datetime.now(site.tz), {site.publisher["name"]: site.publisher})
        return Published(ids, changed_feeds(db, ids, site.base_url) if ids and site.base_url else [])

    def delay(self) -> float:
        """Seconds until the next look: the end of the next embargo, when it comes before the interval."""
        due = store.next_embargo(self._connection())
        if due is None:
            return self.interval
        left = (datetime.fromisoformat(due) - datetime.now(self.site.tz)).total_seconds()
        return min(left, self.interval) if left > 0 else self.interval

    def run(self) -> None:
        """Publish, sleep, again, until ``stop``; a failure is logged and tried again after an interval."""
        try:
            while not self.stopping.is_set():
                try:
                    published = self.run_once()
                    if published.ids:
                        log.info("embargo levé : %s", ", ".join(published.ids))
                        websub.ping_in_background(self.site.websub_hub, published.topics)
                    delay = self.delay()
                except (OSError, sqlite3.Error, store.StoreError) as exc:
                    log.warning("publication des embargos échus : %s", exc)
                    delay = self.interval
                self.stopping.wait(delay)
        finally:
            self.close()

    def start(self) -> threading.Thread:
        self.stopping.clear()
        self.thread = threading.Thread(target=self.run, name="embargo-scheduler", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self) -> None:
        """Ends the loop (a run under way finishes its transaction first) and waits for it."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def close(self) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None
