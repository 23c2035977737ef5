"""Ingest files into the store: find and read them, parse what changed, write in short transactions, report
everything."""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import itertools
import os
import sqlite3
import stat
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils

from feeds import fewer_collections, leave_with_parent, store
from feeds.config import Site
from feeds.ingest import DEFAULT_MAX_BYTES, SUFFIXES, Context, IngestError, Rejected, parse_bytes
from feeds.ingest.base import sha256
from feeds.model import loads


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root) for every candidate file under ``paths``, sorted; root is the folder given."""
    for path in paths:
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for filename in sorted(filenames):
                    f = Path(dirpath) / filename
                    if f.suffix.lower() in SUFFIXES and not filename.startswith("."):
                        yield f, path
        else:
            yield path, path.parent


# The errors for which Path.exists() says False rather than raising.
_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def read_file(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a file, refusing links that leave the input folder and oversized files."""
    try:
        info = os.lstat(path)  # one call for exists(), is_symlink(), is_file() and the size
        if stat.S_ISLNK(info.st_mode):
            if not path.resolve().is_relative_to(root.resolve()):
                raise IngestError("lien symbolique vers un fichier hors du dossier d'entrée, ignoré")
            info = os.stat(path)
    except OSError as exc:
        if exc.errno in _MISSING:
            raise IngestError("fichier introuvable") from None
        raise
    if not stat.S_ISREG(info.st_mode):
        raise IngestError("ce n'est pas un fichier ordinaire")
    size = info.st_size
    if size > max_bytes:
        raise IngestError(f"fichier trop volumineux ({size} octets, limite {max_bytes})")
    try:
        with open(path, "rb", buffering=0) as f:  # no buffer to fill and copy: the file is read whole
            return f.read()
    except OSError as exc:
        raise IngestError(f"lecture impossible ({exc.strerror})") from None


PUBLISHER_FILE = "_publisher.toml"


@functools.lru_cache(maxsize=1024)
def _publisher_in(folder: Path, root: Path) -> dict | None:
    marker = folder / PUBLISHER_FILE
    if marker.is_file():
        try:
            data = tomllib.loads(marker.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"{marker} illisible : {exc}") from None
        if data.get("name"):
            return data
    if folder == root or folder.parent == folder:
        return None
    return _publisher_in(folder.parent, root)


def publisher_for(path: Path, root: Path) -> dict | None:
    """The publisher of a file: the nearest ``_publisher.toml`` (name, url, logo) up to the input root."""
    return _publisher_of_folder(path.parent, root)


@functools.lru_cache(maxsize=1024)
def _publisher_of_folder(folder: Path, root: Path) -> dict | None:
    # Resolving a path costs a system call per folder in it: once per folder, not once per file.
    return _publisher_in(folder.resolve(), root.resolve())


def forget_publishers() -> None:
    """Read ``_publisher.toml`` files again (a new ingest run sees edited files)."""
    _publisher_of_folder.cache_clear()
    _publisher_in.cache_clear()


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
    """What a run did: how many releases are new, updated and unchanged, each rejected file and why."""

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
    forget_publishers()
    files = list(iter_files(list(paths)))
    workers = workers if workers is not None else (os.cpu_count() or 1)
    run = _Run(db, site, fmt, max_bytes, now or datetime.now(site.tz),
               _pool(workers) if workers > 1 and len(files) >= PARALLEL_FROM else None)
    run.bulk_left = BULK_MAX if run.pool and len(files) >= max(BULK_FROM, len(run.known)) else 0
    try:
        with run.bulk:
            iterator = iter(progress(files) if progress else files)
            waiting: _Chunk | None = None  # parsed by the pool while the chunk before it is written
            size = FIRST_CHUNK
            while chunk := list(itertools.islice(iterator, size)):
                size = CHUNK
                current = run.read(chunk)
                if waiting:
                    run.write(waiting)
                waiting = current
                if not run.pool:
                    run.write(waiting)
                    waiting = None
            if waiting:
                run.write(waiting, min(LAST_BATCH, BATCH))
            run.flush()
    finally:
        if run.pool:
            run.pool.shutdown(cancel_futures=True)
    return run.report


# What every parser shares (ftfy, markdown-it, lxml, phonenumbers and their patterns): imported once before the
# workers are forked rather than in each of them.
_SHARED = ("decoding", "markup", "dates", "quotes", "contacts", "language", "normalise")


def _pool(workers: int):
    import multiprocessing  # with its pool, imports that the web app (feeds.web.api) does without
    from concurrent.futures import ProcessPoolExecutor

    for module in _SHARED:
        importlib.import_module(f"feeds.ingest.{module}")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=leave_with_parent, initargs=(os.getpid(),))


class _Run:
    """One ingest run: what it knows of the database, the releases waiting to be written, its report."""

    def __init__(self, db: sqlite_utils.Database, site: Site, fmt: str | None, max_bytes: int, now: datetime,
                 pool) -> None:
        self.db, self.site, self.fmt, self.max_bytes, self.now, self.pool = db, site, fmt, max_bytes, now, pool
        self.report = IngestReport()
        self.known = store.known_sources(db)
        self.publishers = {site.publisher["name"]: site.publisher}
        self.contexts: dict[tuple, Context] = {}  # one per publisher: pickled once per chunk of jobs
        self.seen_ids: dict[str, str] = {}
        self.batch: list[tuple[tuple[dict, str], str]] = []
        self.bulk = contextlib.ExitStack()  # holds the bulk load while it lasts
        self.bulk_left = 0

    def read(self, chunk: list[tuple[Path, Path]]) -> _Chunk:
        """Read a chunk of files and hand the changed ones to the parsers."""
        taken, jobs = _Chunk(), []
        for path, root in chunk:
            try:
                data = read_file(path, root, self.max_bytes)
                if sha256(data) in self.known:
                    taken.unchanged += 1
                    continue
                publisher = publisher_for(path, root)
            except IngestError as exc:
                taken.rejected.append(Rejected(str(path), str(exc)))
                continue
            if publisher:
                taken.publishers.append(publisher)
            key = tuple((publisher or {}).get(k) for k in ("name", "url", "timezone", "language"))
            if key not in self.contexts:
                self.contexts[key] = context_for(self.site, self.now, publisher)
            jobs.append((data, path.name, self.contexts[key], self.fmt, self.max_bytes))
            taken.names.append(str(path))
        # The pool starts on the jobs at once; without one, each is parsed as its result is taken.
        taken.results = self.pool.map(_parse_job, jobs, chunksize=16) if self.pool else map(_parse_job, jobs)
        return taken

    def write(self, chunk: _Chunk, batch_size: int | None = None) -> None:
        """Take the parsed releases of a chunk in file order, writing each full batch (of BATCH releases)."""
        batch_size = batch_size or BATCH
        report = self.report
        report.unchanged += chunk.unchanged
        report.rejected.extend(chunk.rejected)
        self.publishers.update((p["name"], p) for p in chunk.publishers)
        for name, (texts, error) in zip(chunk.names, chunk.results, strict=True):
            if error is not None:
                report.rejected.append(Rejected(name, error))
                continue
            for text in texts:
                record = loads(text)
                other = self.seen_ids.get(record["id"])
                if other and other != name:
                    report.rejected.append(Rejected(name, f"même identifiant ({record['id']}) que {other}"))
                    continue
                self.seen_ids[record["id"]] = name
                self.batch.append(((record, text), name))
            if len(self.batch) >= batch_size:
                self.flush()

    def flush(self) -> None:
        """Write the batch. The first full batch of a large run opens the bulk load, closed (committed)
        after BULK_MAX releases or at the end of the run, rolled back with everything in it on an error."""
        db = self.db
        if self.bulk_left and len(self.batch) >= BATCH and not db.conn.in_transaction:
            try:
                self.bulk.enter_context(store.bulk_load(db))
            except sqlite3.DatabaseError:
                self.bulk_left = 0  # the database is locked, say: one transaction per batch, as in a small run
        loading, size = db.conn.in_transaction, len(self.batch)
        _flush(db, self.batch, self.now, self.publishers, self.report)
        if loading:
            self.bulk_left -= size
            if self.bulk_left <= 0:
                self.bulk.close()


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
