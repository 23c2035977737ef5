"""``feeds build``: the URLs the app says exist, each asked of the app (conditionally, with the ETag the last
build saw), the files whose bytes changed written, those of URLs that are gone removed, then the web server's
files and the manifest."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from feeds import fewer_collections
from feeds.config import Site
from feeds.static import BuildError, render
from feeds.static.files import files_under, write_file
from feeds.static.manifest import MANIFEST, Page, manifest_bytes, previous, remember
from feeds.static.webserver import server_files

POOL_THRESHOLD = 400  # fewer URLs than this to ask for are asked in this process, without a pool
CHUNK = 32
ASKED_CHUNK = 500


@dataclass
class BuildReport:
    files: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rendered: int = 0  # documents rendered (not those the app answered 304: unchanged)
    gone: list[str] = field(default_factory=list)  # URL paths answered 410
    broken: list[str] = field(default_factory=list)  # URLs of the site that could not be written
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return len(self.written) + len(self.removed)

    def summary(self) -> str:
        return (f"{self.files} fichiers, {len(self.written)} écrits, {len(self.removed)} supprimés, "
                f"{self.rendered} documents rendus en {self.seconds:.2f} s")


def _checked(db_path: str | Path, out: str | Path, site: Site) -> tuple[str, Path, str]:
    """(database, output folder, public address) of a build, or BuildError."""
    base_url = (site.base_url or "").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise BuildError(f"adresse publique invalide : « {site.base_url} » (attendu : https://hôte, sans chemin)")
    db_path = str(Path(db_path).resolve())
    if not Path(db_path).is_file():
        raise BuildError(f"base de données introuvable : {db_path}")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"dossier de sortie impossible à créer : {out} ({exc})") from None
    return db_path, out, base_url


def _plan(urls: list[str], opendata: set[str], old: dict[str, Page], on_disk: set[str], full: bool,
          downloads: bool) -> tuple[dict[str, Page], list[render.Task]]:
    """(pages kept as they are without asking, tasks): the open data section is kept when ``downloads`` is
    false; a URL whose file is still there is asked with its ETag (unless ``full``)."""
    kept: dict[str, Page] = {}
    tasks: list[render.Task] = []
    for url in dict.fromkeys(urls):
        page = old.get(url)
        if page is not None and page["file"] not in on_disk:
            page = None
        if page is not None and not downloads and url in opendata:
            kept[url] = page
        else:
            tasks.append((url, page, None if full or page is None else page["etag"]))
    return kept, tasks


def start_pool(workers: int):
    """Worker processes for a build, or for every build of a watching process (``build``'s ``pool``); None
    for one worker."""
    from concurrent.futures import ProcessPoolExecutor

    if workers <= 1:
        return None
    # This process renders too (the feeds, then what the others have not started): one worker fewer.
    return ProcessPoolExecutor(workers - 1, initializer=render.join_pool, initargs=(os.getpid(),))


def _rendering(tasks: list[render.Task], opendata: set[str], pool,
               key: tuple) -> Iterable[tuple[dict, bool, bool]]:
    """The answers to ``tasks``, with the workers of ``pool`` if there is one (``key`` names the build for
    them). Downloads take seconds each: they go first and one by one, spread over the workers while the pages
    fill the gaps. Feeds to render stay in this process: a release is in a dozen feeds, and its entries,
    serialised once here, would be serialised again by every worker. Conditional requests (a 304 costs less
    than sending one task) go in chunks of hundreds, last: this process takes back those not yet started."""
    if pool is None:
        return render.rendered(tasks)
    heavy, light, here, asked = [], [], [], []
    for task in tasks:
        url = task[0]
        (heavy if url in opendata else asked if task[2] else here if "/feed" in url else light).append(task)
    chunks = [[t] for t in heavy] + [light[i:i + CHUNK] for i in range(0, len(light), CHUNK)]
    chunks += [asked[i:i + ASKED_CHUNK] for i in range(0, len(asked), ASKED_CHUNK)]
    futures = [pool.submit(render.render_many, chunk, key) for chunk in chunks]
    return render.shared(here, chunks, futures)


@fewer_collections
def build(db_path: str | Path, out: str | Path, site: Site, datasette_url: str | None = None,
          workers: int | None = None, full: bool = False, downloads: bool = True,
          progress: Callable[[int], None] | None = None, pool=None) -> BuildReport:
    """Write the static site of the database ``db_path`` into ``out`` for the public address ``site.base_url``.

    Only files whose bytes changed are written; files of URLs that are gone are removed. ``full`` asks for
    every document without the ETags of the last build. ``downloads=False`` keeps the open data section (its
    page, the tables, the SQLite file: hundreds of MB for a large press room) as the last build wrote it.
    ``datasette_url`` is the public address of a Datasette serving the same database (what ``/data/`` is on
    the live server), for searches and SQL; ``workers`` processes render in parallel (default: the CPUs), or
    those of ``pool`` (``start_pool``'s, kept between the builds of a watching process).
    """
    started = time.perf_counter()
    db_path, out, site.base_url = _checked(db_path, out, site)
    old = previous(out)
    on_disk = files_under(out) if old else set()
    workers = workers or os.cpu_count() or 1
    key = (db_path, site, str(out), time.time_ns())  # this build, for the workers
    kept_pool = pool
    if pool is not None:
        pool.submit(render.render_many, [], key)  # a kept worker reads the data while this process does
    render.init_worker(db_path, site, str(out))  # no key here: a worker forked from this process readies itself
    urls, opendata = render.site_urls()
    pages, tasks = _plan(urls, opendata, old, on_disk, full, downloads)
    if pool is None and len(tasks) >= POOL_THRESHOLD:
        pool = start_pool(workers)
        if pool is not None:
            pool.submit(render.render_many, [], key)  # the workers start (and read the data) now
    report = BuildReport()
    try:
        for page, written, was_rendered in _rendering(tasks, opendata, pool, key):
            report.rendered += was_rendered
            if "unwritable" in page or page["status"] not in (200, 404, 410) or "sha" not in page:
                report.broken.append(page["url"])
                continue
            pages[page["url"]] = page
            if written:
                report.written.append(page["file"])
    finally:
        if pool is not None and pool is not kept_pool:
            pool.shutdown()
    if progress:
        progress(len(tasks))
    _finish(out, site.base_url, datasette_url, old, pages, report)
    report.seconds = time.perf_counter() - started
    return report


def _finish(out: Path, base_url: str, datasette_url: str | None, old: dict[str, Page], pages: dict[str, Page],
            report: BuildReport) -> None:
    """Files of URLs that are gone removed, the web server's files and the manifest written."""
    files = {page["file"] for page in pages.values()}
    for page in old.values():
        name = page["file"]
        if name not in files and (out / name).is_file():
            (out / name).unlink()
            report.removed.append(name)
    report.gone = sorted(p["url"] for p in pages.values() if p["status"] == 410)
    ordered = sorted(pages.values(), key=lambda p: p["url"])
    for name, body in server_files(ordered, datasette_url).items():
        if (out / name).is_file() and (out / name).read_bytes() == body.encode("utf-8"):
            continue
        write_file(out, name, body.encode("utf-8"))
        report.written.append(name)
    write_file(out, MANIFEST, manifest_bytes(base_url, ordered))
    remember(out, pages)
    report.files = len(files)
    report.broken.sort()


def finish() -> None:
    """For a process that ends with its build: its connections closed, and the cyclic collector kept from
    walking everything the build kept at the interpreter's exit."""
    import gc

    render.forget()
    gc.freeze()
