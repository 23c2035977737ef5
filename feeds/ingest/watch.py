"""Watch folders: ingest new and changed files as they arrive (polling, standard library only).

A file is ingested once it has stopped changing for one interval, so a document still being copied
is not read half-written. Unchanged files are skipped by ``ingest_files`` (same sha256).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlite_utils

from feeds.config import Site
from feeds.ingest import DEFAULT_MAX_BYTES
from feeds.ingest.files import IngestReport, ingest_files, iter_files

DEFAULT_INTERVAL = 2.0


def file_stamps(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every candidate file under ``paths``."""
    state = {}
    for path, _root in iter_files(paths):
        try:
            st = path.stat()
        except OSError:  # removed between listing and stat
            continue
        state[str(path)] = (st.st_mtime_ns, st.st_size)
    return state


def watch(db: sqlite_utils.Database, paths: list[Path], site: Site, interval: float = DEFAULT_INTERVAL,
          stop: threading.Event | None = None, on_report: Callable[[IngestReport], None] | None = None,
          fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
          clock: Callable[[], datetime] | None = None) -> None:
    """Ingest ``paths`` now, then again whenever their files changed and settled; returns once ``stop`` is set."""
    stop = stop or threading.Event()
    clock = clock or (lambda: datetime.now(site.tz))

    def run() -> None:
        report = ingest_files(db, paths, site, fmt, max_bytes, now=clock())
        if on_report:
            on_report(report)

    seen = file_stamps(paths)
    run()
    ingested = seen
    while not stop.wait(interval):
        current = file_stamps(paths)
        if current != seen:  # still arriving or being written: look again next time
            seen = current
            continue
        if current != ingested:
            run()
            ingested = current
