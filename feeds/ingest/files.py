"""Ingest files into the store: parse what changed, write in short transactions, report everything."""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils

from feeds import fewer_collections, leave_with_parent, store
from feeds.config import Site
from feeds.ingest import (
    DEFAULT_MAX_BYTES,
    Context,
    IngestError,
    Rejected,
    forget_publishers,
    iter_files,
    parse_bytes,
    publisher_for,
    read_file,
)
from feeds.ingest.base import sha256
from feeds.model import loads

BATCH = 1000  # releases per write transaction (each commit writes back every index page the batch touched)
CHUNK = 1000  # files read ahead and parsed together
# The workers wait for the first chunk to be read, and this process writes what is left of the batch after
# the last release is parsed: both are kept short.
FIRST_CHUNK, LAST_BATCH = 100, 200
PARALLEL_FROM = 200  # below this many files, a process pool costs more than it saves
# A run of at least BULK_FROM files, more than the database holds, writes its first BULK_MAX releases in one
# transaction without the secondary indexes (store.bulk_load); the transaction stays short enough for
# other writers, who wait up to 30 s, and a crash loses at most that much work.
BULK_FROM = 2000
BULK_MAX = 10_000


@dataclass
class IngestReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, {len(self.rejected)} rejected"

    def to_dict(self) -> dict:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [{"file": r.name, "reason": r.reason} for r in self.rejected], "ids": self.ids}


def context_for(site: Site, now: datetime, publisher: dict | None = None) -> Context:
    """What a parser knows besides the document: its publisher's name, address and time zone."""
    publisher = publisher or site.publisher
    try:
        tz = ZoneInfo(publisher["timezone"]) if publisher.get("timezone") else site.tz
    except (ZoneInfoNotFoundError, ValueError):
        raise IngestError(f"fuseau horaire inconnu pour {publisher['name']} : {publisher['timezone']}") from None
    return Context(publisher=publisher["name"], publisher_url=publisher.get("url"), timezone=tz,
                   language=publisher.get("language", site.language), now=now)


def _parse_job(job: tuple) -> tuple[list[str] | None, str | None]:
    """The releases of one document as JSON texts (cheap to send between processes, and the store keeps
    them as they are), or the reason it was rejected."""
    data, name, ctx, fmt, max_bytes = job
    try:
        releases = parse_bytes(data, name, ctx, fmt, max_bytes)
    except IngestError as exc:
        return None, str(exc)
    return [r.to_json() for r in releases], None


@dataclass
class _Chunk:
    """Files read together and sent to the parsers; what reading them found waits to be reported until
    their releases are written, so that the report keeps the order of the files."""

    names: list[str] = field(default_factory=list)
    results: Iterable[tuple[list[str] | None, str | None]] = ()
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    publishers: list[dict] = field(default_factory=list)


@fewer_collections
def ingest_files(db: sqlite_utils.Database, paths: Iterable[Path], site: Site, fmt: str | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None,
           progress: Callable[[Iterable], Iterable] | None = None, workers: int | None = None) -> IngestReport:
    """Ingest every file under ``paths``. Unchanged files (same bytes, same parser) are not parsed again.

    Parsing is spread over ``workers`` processes (default: one per core) for large runs; writing
    stays in this process, one short transaction per batch, while the workers parse the next chunk.
    """
    now = now or datetime.now(site.tz)
    forget_publishers()
    report = IngestReport()
    known = store.known_sources(db)
    publishers = {site.publisher["name"]: site.publisher}
    contexts: dict[tuple, Context] = {}  # one per publisher: pickled once per chunk of jobs
    seen_ids: dict[str, str] = {}
    batch: list[tuple[tuple[dict, str], str]] = []
    files = list(iter_files(list(paths)))
    workers = workers if workers is not None else (os.cpu_count() or 1)
    pool = None
    if workers > 1 and len(files) >= PARALLEL_FROM:
        import multiprocessing  # with its pool, 20 ms of imports that the web app (feeds.web.api) does without
        from concurrent.futures import ProcessPoolExecutor

        # What every parser uses (ftfy, markdown-it, phonenumbers, their patterns), imported once here rather
        # than in each forked worker: 0.2 s of CPU each.
        importlib.import_module("feeds.ingest.normalise")
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=leave_with_parent, initargs=(os.getpid(),))

    def read(chunk: list[tuple[Path, Path]]) -> _Chunk:
        """Read a chunk of files and hand the changed ones to the parsers."""
        taken, jobs = _Chunk(), []
        for path, root in chunk:
            try:
                data = read_file(path, root, max_bytes)
                if sha256(data) in known:
                    taken.unchanged += 1
                    continue
                publisher = publisher_for(path, root)
            except IngestError as exc:
                taken.rejected.append(Rejected(str(path), str(exc)))
                continue
            if publisher:
                taken.publishers.append(publisher)
            key = tuple((publisher or {}).get(k) for k in ("name", "url", "timezone", "language"))
            if key not in contexts:
                contexts[key] = context_for(site, now, publisher)
            jobs.append((data, path.name, contexts[key], fmt, max_bytes))
            taken.names.append(str(path))
        # The pool starts on the jobs at once; without one, each is parsed as its result is taken.
        taken.results = pool.map(_parse_job, jobs, chunksize=16) if pool else map(_parse_job, jobs)
        return taken

    def write(chunk: _Chunk, batch_size: int = BATCH) -> None:
        """Take the parsed releases of a chunk in file order, writing each full batch."""
        report.unchanged += chunk.unchanged
        report.rejected.extend(chunk.rejected)
        publishers.update((p["name"], p) for p in chunk.publishers)
        for name, (texts, error) in zip(chunk.names, chunk.results, strict=True):
            if error is not None:
                report.rejected.append(Rejected(name, error))
                continue
            for text in texts:
                record = loads(text)
                other = seen_ids.get(record["id"])
                if other and other != name:
                    report.rejected.append(Rejected(name, f"même identifiant ({record['id']}) que {other}"))
                    continue
                seen_ids[record["id"]] = name
                batch.append(((record, text), name))
            if len(batch) >= batch_size:
                flush()

    bulk = contextlib.ExitStack()  # holds the bulk load while it lasts
    bulk_left = BULK_MAX if pool and len(files) >= max(BULK_FROM, len(known)) else 0

    def flush() -> None:
        """Write the batch. The first full batch of a large run opens the bulk load, closed (committed)
        after BULK_MAX releases or at the end of the run, rolled back with everything in it on an error."""
        nonlocal bulk_left
        if bulk_left and len(batch) >= BATCH and not db.conn.in_transaction:
            try:
                bulk.enter_context(store.bulk_load(db))
            except sqlite3.DatabaseError:
                bulk_left = 0  # the database is locked, say: one transaction per batch, as in a small run
        loading, size = db.conn.in_transaction, len(batch)
        _flush(db, batch, now, publishers, report)
        if loading:
            bulk_left -= size
            if bulk_left <= 0:
                bulk.close()

    try:
        with bulk:
            iterator = iter(progress(files) if progress else files)
            waiting: _Chunk | None = None  # parsed by the pool while the chunk before it is written
            size = FIRST_CHUNK
            while chunk := list(itertools.islice(iterator, size)):
                size = CHUNK
                current = read(chunk)
                if waiting:
                    write(waiting)
                waiting = current
                if not pool:
                    write(waiting)
                    waiting = None
            if waiting:
                write(waiting, min(LAST_BATCH, BATCH))
            flush()
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return report


def _flush(db, batch: list[tuple[tuple[dict, str], str]], now, publishers, report: IngestReport) -> None:
    if not batch:
        return
    try:
        outcomes = store.upsert_records(db, [r for r, _ in batch], now, publishers)
    except sqlite3.DatabaseError:
        # One bad record must not sink the batch: write one by one to find it.
        outcomes = []
        for record, name in batch:
            try:
                outcomes.extend(store.upsert_records(db, [record], now, publishers))
            except sqlite3.DatabaseError as exc:
                report.rejected.append(Rejected(name, f"écriture impossible : {exc}"))
    for outcome in outcomes:
        setattr(report, outcome.action, getattr(report, outcome.action) + 1)
        report.ids.append(outcome.id)
    batch.clear()
