"""``feeds build --watch``: build now, then again whenever the data moves, in one process."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from feeds import store
from feeds.config import Site
from feeds.static import BuildError
from feeds.static.build import BuildReport, build, start_pool


def _data_state(db_path: str) -> tuple[int, int, int]:
    """(data version, device, inode) of the database: a database made again from scratch counts its versions
    from 1 again, in a new file."""
    db = store.connect(db_path, create=False)
    try:
        found = os.stat(db_path)
        return store.data_version(db), found.st_dev, found.st_ino
    finally:
        db.conn.close()


def watch(db_path: str | Path, out: str | Path, site: Site, interval: float = 2.0, refresh: float = 3600.0,
          stop: threading.Event | None = None, on_report: Callable[[BuildReport], None] | None = None,
          on_error: Callable[[Exception], None] | None = None, full: bool = False, **options) -> None:
    """Build now, then again whenever the data moves (a new version or a new database file: an embargo that
    ends moves it once ``feeds serve`` or ``feeds publish-due`` publishes it) and at least every ``refresh``
    seconds (the news sitemap lists the last two days); returns once ``stop`` is set.

    One process for every build, and one pool of workers: their imports, their apps and the pages of the last
    manifest serve them all. ``full`` is for the first build; ``options`` are ``build``'s. After a failed
    build (``on_error``), the next comes with the next change of the data, or within ``refresh``.
    """
    stop = stop or threading.Event()
    built: tuple[tuple, float] | None = None  # (the data the last build started from, when)
    pool = start_pool(options.pop("workers", None) or os.cpu_count() or 1)
    try:
        while True:
            try:
                version = _data_state(str(db_path))
                if built is None or version != built[0] or time.monotonic() - built[1] >= refresh:
                    built = version, time.monotonic()
                    report = build(db_path, out, site, full=full, workers=1, pool=pool, **options)
                    full = False
                    if on_report:
                        on_report(report)
            except (BuildError, store.StoreError, sqlite3.Error, OSError) as exc:  # the next change builds again
                if on_error is None:
                    raise
                on_error(exc)
            if stop.wait(interval):
                return
    finally:
        if pool is not None:
            pool.shutdown()
