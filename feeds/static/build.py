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

POOL_THRESHOLD = 400  # fewer URLs than this to render from scratch are rendered in this process, without a pool
CHUNK = 32


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


def _start_pool(workers: int, db_path: str, site: Site, out: Path):
    from concurrent.futures import ProcessPoolExecutor

    # This process renders too (the feeds, then what the others have not started): one worker fewer.
    pool = ProcessPoolExecutor(workers - 1, initializer=render.init_worker,
                               initargs=(db_path, site, str(out), os.getpid()))
    pool.submit(int)  # the workers start (and read the data) now
    return pool


def _rendering(tasks: list[render.Task], opendata: set[str], pool) -> Iterable[tuple[dict, bool, bool]]:
    """The answers to ``tasks``, with the workers of ``pool`` if there is one. Downloads take seconds each: they
    go first and one by one, spread over the workers while the pages fill the gaps. Feeds and conditional
    requests stay in this process: a release is in a dozen feeds, and its entries, serialised once here, would
    be serialised again by every worker; a 304 costs less than sending the task."""
    if pool is None:
        return render.rendered(tasks)
    heavy, light, here = [], [], []
    for task in tasks:
        url = task[0]
        (heavy if url in opendata else here if task[2] or "/feed" in url else light).append(task)
    chunks = [[t] for t in heavy] + [light[i:i + CHUNK] for i in range(0, len(light), CHUNK)]
    futures = [pool.submit(render.render_many, chunk) for chunk in chunks]
    return render.shared(here, chunks, futures)


@fewer_collections
def build(db_path: str | Path, out: str | Path, site: Site, datasette_url: str | None = None,
          workers: int | None = None, full: bool = False, downloads: bool = True,
          progress: Callable[[int], None] | None = None) -> BuildReport:
    """Write the static site of the database ``db_path`` into ``out`` for the public address ``site.base_url``.

    Only files whose bytes changed are written; files of URLs that are gone are removed. ``full`` asks for
    every document without the ETags of the last build. ``downloads=False`` keeps the open data section (its
    page, the tables, the SQLite file: hundreds of MB for a large press room) as the last build wrote it.
    ``datasette_url`` is the public address of a Datasette serving the same database (what ``/data/`` is on
    the live server), for searches and SQL; ``workers`` processes render in parallel (default: the CPUs).
    """
    started = time.perf_counter()
    db_path, out, site.base_url = _checked(db_path, out, site)
    old = previous(out)
    on_disk = files_under(out) if old else set()
    workers = workers or os.cpu_count() or 1
    render.init_worker(db_path, site, str(out))
    urls, opendata = render.site_urls()
    pages, tasks = _plan(urls, opendata, old, on_disk, full, downloads)
    fresh = sum(1 for task in tasks if task[2] is None)
    pool = _start_pool(workers, db_path, site, out) if workers > 1 and fresh >= POOL_THRESHOLD else None
    report = BuildReport()
    try:
        for page, written, was_rendered in _rendering(tasks, opendata, pool):
            report.rendered += was_rendered
            if "unwritable" in page or page["status"] not in (200, 404, 410) or "sha" not in page:
                report.broken.append(page["url"])
                continue
            pages[page["url"]] = page
            if written:
                report.written.append(page["file"])
    finally:
        if pool is not None:
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
