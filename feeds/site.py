"""Static export: every public page, feed and download of the press room as files, for any web server or CDN.

The files are rendered by the Flask app itself (through WSGI, with the build's public address as
``Site.base_url``), so the static site and the dynamic one cannot drift. URLs come from the data (every
release page, every facet page, every archive page of a listing or feed) and from links: fixed entry points
(SEEDS), then every link that stays on the site of the documents whose links the data does not already
give (home and facet pages, the search and open-data pages, the OPML, robots.txt, a sitemap index; not
release pages, archive pages, feeds, lists of release pages or data). During a build the app reads the
database once (``feeds.web.selection.Snapshot``): the database does not change while it is written out.

A URL becomes a file that nginx's ``try_files $uri $uri.html $uri/index.html`` serves: ``/`` is ``index.html``,
``/releases/<id>`` is ``releases/<id>.html``, ``/topics/<name>/feed/2.atom`` is that file. The only links
with a query string (Datasette's CSV exports, feeds of several facets at once) are filed under
``_q/<raw query>/`` (``/feed.atom?place=X&kind=Y`` is ``_q/place=X&kind=Y/feed.atom``), which the nginx
snippet maps with the same ``try_files`` prefixed by ``/_q/$args``. A withdrawn release (410) is filed under
``_gone/``; the unknown-address page is ``404.html``.

Incremental: ``OUT/.build-manifest.json`` keeps the hash of every file; a file whose bytes did not change is
not written again, so its modification time (nginx's Last-Modified and ETag) stays. A document whose
ingredients (``Keys``: releases and revisions shown, links, code, data version) are those of the last build is
not even rendered again.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import html
import io
import json
import operator
import os
import re
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NotRequired, TypedDict
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from werkzeug.wsgi import FileWrapper

from feeds import FEWER_COLLECTIONS_YOUNG, export, fewer_collections, leave_with_parent, opendata, store
from feeds.export import tables
from feeds.config import Site
from feeds.web import syndication
from feeds.web.selection import Snapshot

MANIFEST = ".build-manifest.json"
QUERY_DIR, GONE_DIR = "_q", "_gone"
# Entry points: everything else is found by following links from these.
SEEDS = ("/", "/robots.txt", "/sitemap.xml", "/feeds.opml", "/search", "/donnees-ouvertes")
NOT_FOUND_PROBE = "/__page-introuvable__"
# Never files: the upload API (POST only) and live searches. Datasette (/data/) gives its CSV and JSON
# exports only; its other pages (browsing, SQL) stay live on the Datasette instance.
DYNAMIC_PREFIXES = ("/api/",)
LIVE_WITH_QUERY = ("/search",)
DATASETTE_PREFIX = "/data/"
DOWNLOADS = (DATASETTE_PREFIX, "/donnees-ouvertes")  # the open data section: its page and every download
DATASETTE_EXPORTS = (".csv", ".json")
# Types whose documents may carry links to follow.
TEXT_TYPES = ("text/html", "text/plain", "text/xml", "application/xml", "application/atom+xml",
              "application/rss+xml", "application/feed+json", "text/x-opml")
LINK_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)')""")
# Characters JSON escapers (Jinja's tojson) write as \uXXXX inside URLs of JSON-LD.
JSON_ESCAPES = {"\\u0027": "'", "\\u0026": "&", "\\/": "/"}
LISTING_ARCHIVE = re.compile(r"(?P<listing>.*)/page/(?P<page>[1-9][0-9]{0,8})")  # /page/2, /topics/X/page/2
# Blueprints whose documents a build asks of their views directly (_view_get): pages, feeds, sitemaps.
VIEWS_ALONE = ("pages", "syndication", "sitemaps")
POOL_THRESHOLD = 400  # fewer URLs than this in a round are rendered in this process, without a pool
CHUNK = 32
# Code that shapes every page: a change in it means no cached release page can be trusted.
CODE_ROOT = Path(__file__).resolve().parent


class BuildError(Exception):
    """The static site cannot be built (bad address, unwritable folder, unknown database)."""


@dataclass
class BuildReport:
    files: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rendered: int = 0  # documents rendered (release pages of an unchanged revision are not)
    gone: list[str] = field(default_factory=list)  # URL paths answered 410
    broken: list[str] = field(default_factory=list)  # links of the site that led nowhere (404)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return len(self.written) + len(self.removed)

    def summary(self) -> str:
        return (f"{self.files} fichiers, {len(self.written)} écrits, {len(self.removed)} supprimés, "
                f"{self.rendered} documents rendus en {self.seconds:.2f} s")


class Page(TypedDict):
    """One rendered URL, as the manifest remembers it."""

    url: str  # path and raw query, e.g. /feed.atom?publisher=X
    file: str  # relative path in OUT
    status: int
    content_type: str
    cache_control: str | None
    sha: str
    key: NotRequired[str | None]  # what it is made of (see Keys): no need to render it again if unchanged
    links: list[str]  # last: the manifest writes them apart


# ---------------------------------------------------------------- URLs and files

def _plain_file(path: str, content_type: str) -> str:
    """The file that ``try_files $uri $uri.html $uri/index.html`` finds for a URL path."""
    decoded = unquote(path)
    if decoded.endswith("/"):
        return decoded.lstrip("/") + "index.html"
    if content_type.startswith("text/html") and not decoded.endswith(".html"):
        return decoded.lstrip("/") + ".html"
    return decoded.lstrip("/")


def file_for(url: str, content_type: str, status: int = 200) -> str:
    """The relative file path of a URL (path and raw query) in the build."""
    parts = urlsplit(url)
    name = _plain_file(parts.path or "/", content_type)
    if status == 410:
        name = f"{GONE_DIR}/{name}"
    elif parts.query:
        name = f"{QUERY_DIR}/{parts.query}/{name}"
    segments = name.split("/")
    if any(s in ("", ".", "..") for s in segments) or "\x00" in name:
        raise BuildError(f"adresse impossible à écrire comme fichier : {url}")
    return name


def links_of(body: bytes, content_type: str, current: str, base_url: str) -> list[str]:
    """Every URL of the site (path and query) that a document links to."""
    if not content_type.startswith(TEXT_TYPES):
        return []
    text = body.decode("utf-8", "replace")
    found = {a or b for a, b in LINK_ATTRIBUTE.findall(text)} if "html" in content_type else set()
    for escaped, char in JSON_ESCAPES.items():
        text = text.replace(escaped, char)
    found.update(m.group(0) for m in re.finditer(re.escape(base_url) + r"""/[^\s"<>{}\\]*""", text))
    out = set()
    for raw in found:
        url = html.unescape(raw)
        if url.startswith(base_url + "/"):
            url = url[len(base_url):]
        elif url.startswith("/") and not url.startswith("//"):
            pass
        elif "://" in url or url.startswith(("mailto:", "tel:", "data:", "#", "//")):
            continue
        else:
            url = urljoin(current, url)
        url = url.split("#", 1)[0]
        parts = urlsplit(url)
        if url and _wanted(parts.path, parts.query):
            out.add(url)
            fmt = _feed_format(parts.path)
            if fmt:  # a feed in one format is written in the others too (the OPML lists Atom only)
                head, query = parts.path[:-len(fmt)], f"?{parts.query}" if parts.query else ""
                out.update(head + other + query for other in syndication.FORMATS)
    return sorted(out)


def _feed_format(path: str) -> str | None:
    """``atom``, ``rss`` or ``json`` for the path of a feed or of its archive pages, else None."""
    found = syndication.parse_feed_path(path)
    return found[0] if found else None


def _wanted(path: str, query: str) -> bool:
    if path.startswith(DYNAMIC_PREFIXES) or (query and path in LIVE_WITH_QUERY):
        return False
    if path.startswith(DATASETTE_PREFIX):
        return path.endswith(DATASETTE_EXPORTS)
    return True


# ---------------------------------------------------------------- rendering

# status, Content-Type, Cache-Control, body, and the ETag of views that make it a digest of the body (VIEWS_ALONE)
Answer = tuple[int, str, str | None, bytes, str | None]
_worker: dict = {}
_made: set[Path] = set()  # folders this process made or found (a build writes thousands of files into each)


def _init_worker(db_path: str, site: Site, datasette_url: str | None, out: str,
                 parent: int | None = None) -> None:
    from jinja2 import FileSystemBytecodeCache

    from feeds.web import create_app

    if parent is not None:  # a worker of the pool, which lives for one build
        leave_with_parent(parent)
        gc.set_threshold(FEWER_COLLECTIONS_YOUNG, *gc.get_threshold()[1:])
    _made.clear()
    # A process that builds again (``watch``) keeps its app, with its templates loaded; not a forked worker,
    # whose copy holds the parent's database connections.
    made_for = (os.getpid(), db_path, repr(asdict(site)), datasette_url)
    app = _worker["app"] if _worker.get("made_for") == made_for else None
    # The database does not change during a build: listings and feeds read it once (feeds.web.selection).
    # A connection that only reads, and may write the WAL back into the database as the last one to close.
    db = store.connect(db_path, create=False)
    if app is None:
        # A build asks for every feed document once: the server's cache of 512 documents would only hold 120 MB.
        app = create_app({"DATABASE": db_path, "SITE": site}, db=db, source=Snapshot(db),
                         feed_cache=syndication.FeedCache(size=0))
        # Compiled templates kept between builds (in the user's private temporary folder): a rebuild every
        # minute would otherwise compile them every time.
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    else:
        app.kept.db.conn.close()
        app.kept.db, app.kept.source = db, Snapshot(db)
    _worker.update(out=Path(out), db_path=db_path, site=site, datasette=None, app=app, made_for=made_for)


def run_async(coroutine):
    """Run a coroutine to its end from synchronous code, even where an event loop already runs (a thread of its own)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


_WHOLE_TABLE_CSV = re.compile(rf"{DATASETTE_PREFIX}pressroom/(\w+)\.csv\?_stream=on&_size=max")


def _datasette_get(url: str) -> Answer:
    """A Datasette export (CSV or JSON) rendered in-process, as the live server answers it; a whole table in
    CSV written by ``tables.datasette_csv``, the same bytes without starting Datasette."""
    table = _WHOLE_TABLE_CSV.fullmatch(url)
    if table:
        try:
            body = tables.datasette_csv(_worker["db_path"], table[1], opendata.table_metadata(table[1]))
            return 200, "text/plain; charset=utf-8", None, body, None
        except export.ExportError:
            pass  # Datasette knows best
    if _worker.get("datasette") is None:
        from feeds.server import make_datasette

        ds = make_datasette(_worker["db_path"], _worker["site"])
        run_async(ds.invoke_startup())
        _worker["datasette"] = ds
    ds = _worker["datasette"]
    # Datasette's client takes paths below its base_url (/data/ on the live server).
    response = run_async(ds.client.get(url[len(DATASETTE_PREFIX) - 1:]))
    return (response.status_code, response.headers.get("content-type", ""),
            response.headers.get("cache-control"), response.content, None)


def _fetch(url: str) -> Answer:
    if url.startswith(DATASETTE_PREFIX):
        return _datasette_get(url)
    adapter = _worker.get("adapter")
    found = _view_get(adapter, url) if adapter is not None and "?" not in url else None
    return found or _wsgi_get(_worker["app"], url)


@contextmanager
def _one_request():
    """One request context for many documents, each answered by its view alone (see ``_view_get``); the
    app's before-request hooks (embargoes that end) run once, at the start."""
    app = _worker["app"]
    with app.test_request_context("/") as ctx:
        app.preprocess_request()
        _worker["adapter"] = ctx.url_adapter
        try:
            yield
        finally:
            del _worker["adapter"]


def _view_get(adapter, url: str) -> Answer | None:
    """A page, feed or sitemap from its view function, without a request of its own: in a build of
    thousands of documents, the request (context, hooks, WSGI) costs a sixth of a release page. None
    for anything else, and for errors, which the app answers through WSGI as it would a visitor."""
    app = _worker["app"]
    try:
        endpoint, args = adapter.match(unquote(url), method="GET")
        if endpoint.partition(".")[0] not in VIEWS_ALONE:
            return None
        response = app.make_response(app.view_functions[endpoint](**args))
    except Exception:  # a 404, a redirect, a failure: the same URL again through WSGI
        return None
    headers = response.headers
    return (response.status_code, headers.get("Content-Type", ""), headers.get("Cache-Control"), response.get_data(),
            headers.get("ETag"))


def _wsgi_get(app, url: str) -> Answer:
    """One GET through the app's WSGI interface, as a server would call it (Flask's test client costs more
    than many of the pages it fetches)."""
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "QUERY_STRING": parts.query,
        "PATH_INFO": unquote(parts.path).encode("utf-8").decode("latin-1"),  # PEP 3333
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split(" ", 1)[0]), headers=dict(headers))

    result = app.wsgi_app(environ, start_response)
    try:
        # A file (send_file: the SQLite download, the SIG export) is read at once rather than joined from 8 KB
        # blocks: one copy of hundreds of MB instead of two.
        file = result.file if isinstance(result, FileWrapper) else None
        body = file.read() if file is not None else b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = answer["headers"]
    return answer["status"], headers.get("Content-Type", ""), headers.get("Cache-Control"), body, None


def _write(out: Path, name: str, body: bytes) -> None:
    """Atomically: readers (nginx) see the old bytes or the new ones, never half a file."""
    target = out / name
    if target.parent not in _made:
        target.parent.mkdir(parents=True, exist_ok=True)
        _made.add(target.parent)
    work = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # Path.write_bytes's, without its layers
    try:
        view = memoryview(body)
        while view:  # a write may be short (at most 2 GB on Linux)
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(work, target)


def _render(task: tuple[str, dict | None, bool]) -> tuple[dict | None, bool]:
    """Render one URL, write its file when its bytes changed; (page as a dict or None, written).

    A leaf's links are not read (``Keys.leaf``: what they link to, the build finds from the data).
    """
    url, previous, leaf = task
    out: Path = _worker["out"]
    status, content_type, cache_control, body, etag = _fetch(url)
    if status == 404 and url == NOT_FOUND_PROBE:
        name = "404.html"
    elif status in (200, 410):
        try:
            name = file_for(url, content_type, status)
        except BuildError:
            return {"url": url, "status": status, "unwritable": True}, False
    else:
        return {"url": url, "status": status}, False
    # What tells the next build whether the file changed: the digest the view made for its ETag where there
    # is one (a second digest of a gigabyte of feeds costs 0.4 s).
    sha = etag.strip('"') if etag and etag.startswith('"') else hashlib.sha256(body).hexdigest()
    # Data exports (tables as CSV or JSON) are leaves: their text is not a page of the site. So are feeds
    # and a sitemap's list of pages (not an index of sitemaps): they link to release pages and archives,
    # which the build finds without reading them.
    leaf = (leaf or status != 200 or url.startswith(DATASETTE_PREFIX) or _feed_format(urlsplit(url).path)
            or (content_type.startswith("application/xml") and b"<urlset" in body[:200]))
    links = [] if leaf else links_of(body, content_type, urlsplit(url).path, _worker["site"].base_url)
    written = not (previous and previous.get("sha") == sha and previous.get("file") == name
                   and (out / name).is_file())
    if written:
        _write(out, name, body)
    page = Page(url=url, file=name, status=status, content_type=content_type, cache_control=cache_control,
                sha=sha, links=links)
    return page, written


def _shared(own: list, chunks: list[list], futures: list) -> Iterator[tuple[dict | None, bool]]:
    """This process's documents (``own``), then the chunks given to the workers, taken back from the end
    while the workers have not started them (they start from the beginning, where the long downloads are).

    Two busy processes on two cores spend less CPU on the same build than three (34 s against 37 s, the
    medians at 10 000 releases): this process renders rather than waits.
    """
    yield from _rendered(own)
    taken = 0
    for future, chunk in zip(reversed(futures), reversed(chunks), strict=True):
        if not future.cancel():
            break
        taken += 1
        yield from _rendered(chunk)
    for future in futures[:len(futures) - taken]:
        yield from future.result()


def _render_many(tasks: list[tuple[str, dict | None, bool]]) -> list[tuple[dict | None, bool]]:
    return list(_rendered(tasks))


def _rendered(tasks: Iterable[tuple[str, dict | None, bool]]) -> Iterator[tuple[dict | None, bool]]:
    with _one_request():
        for task in tasks:
            yield _render(task)


# ---------------------------------------------------------------- what release pages depend on

def code_fingerprint(site: Site) -> str:
    """The code, templates and configuration every page is made with."""
    digest = hashlib.sha256(repr(sorted(asdict(site).items())).encode())
    for path in sorted(CODE_ROOT.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".css", ".svg", ".yml", ".toml", ".png"):
            digest.update(path.relative_to(CODE_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def release_keys(db_path: str, release_url: Callable[[str], str], fingerprint: str) -> dict[str, str]:
    """URL path -> what its release page is made of (revision, status, publisher), for every release."""
    conn = sqlite3.connect(store.read_only_uri(db_path), uri=True)
    try:
        publishers = {row[0]: hashlib.sha256(repr(row[1:]).encode()).hexdigest()[:16]
                      for row in conn.execute("SELECT id, name, url, logo FROM publishers")}
        rows = conn.execute("SELECT id, revision, status, publisher_id FROM releases").fetchall()
    except sqlite3.Error as exc:
        raise BuildError(f"base de données illisible : {db_path} ({exc})") from None
    finally:
        conn.close()
    return {release_url(release_id): f"{fingerprint}:{revision}:{status}:{publishers.get(publisher)}"
            for release_id, revision, status, publisher in rows}


class Keys:
    """What a document is made of, for the documents that do not need rendering to know it.

    A release page: its release's revision, status and publisher. A feed or a listing page: the releases it
    shows (ids and revisions) and the links that depend on the size of its selection. A download: the data
    version. Other documents (home-made ones are few and cheap) have no key and are always rendered.
    """

    def __init__(self, app, db_path: str, site: Site, fingerprint: str):
        from flask import url_for

        from feeds.web import pages, release_link

        self.snapshot: Snapshot = app.kept.source
        self.site, self.fingerprint = site, fingerprint
        self.facets = {prefix: kind for kind, (prefix, *_rest) in pages.FACETS.items()}
        self.page_size, self.filters = pages.PAGE_SIZE, syndication.FILTERS
        self.feed_url, self.archive_count = syndication.feed_url, syndication.archive_count
        with app.test_request_context():
            self.releases = release_keys(db_path, release_link(absolute=False), fingerprint) \
                if "pages.release" in app.view_functions else {}
            self.facet_pages = sorted(url_for(f"pages.{kind}", name=value) for kind, value in self.snapshot.members
                                      if kind in pages.FACETS and f"pages.{kind}" in app.view_functions)
        self.data = f"{fingerprint}:data:{store.data_version(self.snapshot.db)}"
        self.parsed: dict = {}  # URL -> _selection's answer (asked for keys, leaves and archives)

    def __call__(self, url: str) -> str | None:
        if url in self.releases:
            return self.releases[url]
        if url.startswith(DOWNLOADS):
            return self.data
        found = self._selection(url)
        if found is None:
            return None
        selection, page, size = found
        tokens = self.snapshot.tokens_of(selection)
        if not tokens:  # none, or the database would answer
            return None
        count = len(tokens)
        archives = self.archive_count(count, size)
        if page is None:
            shown, links = tokens[:size], f"{archives} {count}"
        elif 1 <= page <= archives:  # counted from the oldest
            end = max(count - (page - 1) * size, 0)
            shown, links = tokens[max(end - size, 0):end][::-1], page < archives
        else:
            return None
        made_of = "\n".join([url, str(links), *shown])
        return f"{self.fingerprint}:{hashlib.sha256(made_of.encode()).hexdigest()[:32]}"

    def leaf(self, url: str) -> bool:
        """Whether the build knows a document's links without reading it: a release page (its facets come from
        the data) or an archive page (releases, facet pages and archives of the data, the feeds of its head)."""
        if url in self.releases:
            return True
        found = self._selection(url)
        return found is not None and found[1] is not None

    def archives(self, url: str) -> list[str]:
        """Every archive page of a feed or listing: found at once, not one link after the other."""
        if url in self.releases:
            return []
        found = self._selection(url)
        if found is None or found[1] is not None:
            return []
        selection, _, size = found
        path = urlsplit(url).path
        fmt = _feed_format(path)
        if fmt:  # feed_url's archive n: its path, "/n" before the format's extension, its query
            head, _, query = self.feed_url(fmt, selection, 1, root="").partition("?")
            head, query = head[:-len(f"/1.{fmt}")], f"?{query}" if query else ""
        made = {}
        for n in range(1, self.archive_count(self.snapshot.count(selection), size) + 1):
            made[f"{head}/{n}.{fmt}{query}" if fmt else f"{path.rstrip('/')}/page/{n}"] = (selection, n, size)
        self.parsed.update(made)  # what parsing these URLs would answer
        return list(made)

    def _selection(self, url: str) -> tuple[tuple, int | None, int] | None:
        """(selection, archive page, page size) of a feed or listing URL in the form the site links it."""
        if url not in self.parsed:
            self.parsed[url] = self._parse(urlsplit(url))
        return self.parsed[url]

    def _parse(self, parts) -> tuple[tuple, int | None, int] | None:
        selection = []
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name not in self.filters or name == "q":
                return None
            selection.append((name, value))
        feed = syndication.parse_feed_path(parts.path)
        if feed:
            fmt, in_path, page = feed
            selection = sorted([*in_path, *selection], key=lambda item: list(self.filters).index(item[0]))
            canonical = urlsplit(self.feed_url(fmt, tuple(selection), page, root=""))
            if (canonical.path, canonical.query) != (parts.path, parts.query):
                return None
            return tuple(selection), page, max(self.site.feed_size, 1)
        if selection:
            return None
        path, page = parts.path, None
        archive = LISTING_ARCHIVE.fullmatch(path)
        if archive:
            path, page = archive["listing"] or "/", int(archive["page"])
        if path == "/":
            return (), page, self.page_size
        for prefix, kind in self.facets.items():
            if path.startswith(prefix) and len(path) > len(prefix):
                return ((kind, unquote(path[len(prefix):])),), page, self.page_size
        return None


# ---------------------------------------------------------------- the build

def _files_under(folder: Path) -> set[str]:
    """Every file under ``folder``, as the manifest names them: one listing per folder rather than a ``stat``
    per file (15 000 at 10 000 releases)."""
    found: set[str] = set()
    folders = [""]
    while folders:
        prefix = folders.pop()
        try:
            entries = os.scandir(os.path.join(folder, prefix))
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(f"{prefix}{entry.name}/")
                elif entry.is_file():
                    found.add(prefix + entry.name)
    return found


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


# The manifest this process wrote last, and its pages: the next build in the same process (``watch``) need
# not read them again, as long as the file is still the one it wrote (``_write`` replaces it: a new inode).
_last_manifest: dict[Path, tuple[tuple[int, int, int] | None, dict[str, Page]]] = {}


def read_manifest(out: Path) -> dict[str, Page]:
    """URL -> page of the last build into ``out``; empty when there is none (or it cannot be read)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        urls, fields = data["links"], data["fields"]
        pages = {}
        for row in data["pages"]:
            if len(row) != len(fields):
                return {}
            page = dict(zip(fields, row, strict=False))  # checked above, faster than strict
            if page["links"]:  # most pages are leaves, without links
                page["links"] = [urls[i] for i in page["links"]]
            pages[page["url"]] = page
        return pages
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return {}


def _manifest(base_url: str, pages: list[dict]) -> bytes:
    """The pages as JSON rows, each link once in a shared list (many pages link the same facet pages)."""
    index: dict[str, int] = {}
    fields = list(Page.__annotations__)
    head = operator.itemgetter(*fields[:-1])
    rows = [[*head(page), [index.setdefault(link, len(index)) for link in page["links"]] if page["links"] else []]
            for page in pages]
    return json.dumps({"base_url": base_url, "fields": fields, "links": list(index), "pages": rows},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@fewer_collections
def build(db_path: str | Path, out: str | Path, site: Site, datasette_url: str | None = None,
          workers: int | None = None, full: bool = False, downloads: bool = True,
          progress: Callable[[int], None] | None = None) -> BuildReport:
    """Write the static site of the database ``db_path`` into ``out`` for the public address ``site.base_url``.

    Only files whose bytes changed are written; files of URLs that are gone are removed. ``full`` renders
    every release page again (after a change the fingerprint cannot see). ``downloads=False`` keeps the open
    data section (its page, the tables, the SQLite file: hundreds of MB for a large press room) as the last
    build wrote it, for frequent rebuilds of pages and feeds between refreshes of the data. ``datasette_url``
    is the public address of a Datasette serving the same database (what ``/data/`` is on the live server),
    for searches and SQL; ``workers`` processes render in parallel (default: the CPUs).
    """
    started = time.perf_counter()
    base_url = (site.base_url or "").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise BuildError(f"adresse publique invalide : « {site.base_url} » (attendu : https://hôte, sans chemin)")
    db_path = str(Path(db_path).resolve())
    if not Path(db_path).is_file():
        raise BuildError(f"base de données introuvable : {db_path}")
    site.base_url = base_url
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"dossier de sortie impossible à créer : {out} ({exc})") from None
    stamp, remembered = _last_manifest.pop(out.resolve(), (None, {}))
    old = remembered if stamp and stamp == _stamp(out / MANIFEST) else read_manifest(out)
    on_disk = _files_under(out) if old else set()
    workers = workers or os.cpu_count() or 1

    _init_worker(db_path, site, datasette_url, str(out))
    keys = Keys(_worker["app"], db_path, site, code_fingerprint(site))

    report = BuildReport()
    pages: dict[str, dict] = {}
    seen: set[str] = set()
    # Every release has a page, withdrawn ones too (a 410 that nothing links to any more).
    # The entry points first (a few documents, rendered here); then, in one round for the workers, what they
    # link to and what the data says exists: every release page and every facet page (what release pages
    # link to, so they are not read) with the archive pages of every listing and feed.
    frontier = [*SEEDS, NOT_FOUND_PROBE]
    from_data = [*keys.facet_pages, *keys.releases]
    pool = None

    def start_pool():
        from concurrent.futures import ProcessPoolExecutor  # 20 ms of imports, for a full build only

        # This process renders too (the feeds, then what the others have not started): one worker fewer.
        return ProcessPoolExecutor(workers - 1, initializer=_init_worker,
                                   initargs=(db_path, site, datasette_url, str(out), os.getpid()))

    try:
        if workers > 1 and (full or not old):
            # Everything is to be rendered: the workers start (and read the data) while this process renders
            # the entry points.
            pool = start_pool()
            pool.submit(int)
        while frontier:
            seen.update(frontier)
            round_urls = frontier
            todo = []
            for url in frontier:
                previous = old.get(url)
                key = keys(url) if previous and not full else None
                kept = key and previous.get("key") == key or (
                    previous and not downloads and urlsplit(url).path.startswith(DOWNLOADS))
                if kept and previous["file"] in on_disk:
                    pages[url] = previous  # made of the same releases by the same code: the same document
                else:
                    todo.append((url, previous, keys.leaf(url)))
            results: Iterable[tuple[dict | None, bool]]
            # Downloads take seconds each: they go first and one by one, spread over the workers while the
            # pages fill the gaps. Feeds stay in this process: a release is in a dozen of them, and its
            # entries, serialised once here, would be serialised again by every worker.
            heavy, light, feeds = [], [], []
            for task in todo:
                path = urlsplit(task[0]).path
                (heavy if path.startswith(DOWNLOADS) else feeds if _feed_format(path) else light).append(task)
            if (len(todo) >= POOL_THRESHOLD or len(heavy) > 1) and workers > 1:
                if pool is None:
                    pool = start_pool()
                chunks = [[t] for t in heavy] + [light[i:i + CHUNK] for i in range(0, len(light), CHUNK)]
                futures = [pool.submit(_render_many, chunk) for chunk in chunks]  # the workers start now
                results = _shared(feeds, chunks, futures)
            else:
                results = _rendered(todo)
            for page, written in results:
                report.rendered += 1
                if page.get("unwritable") or page["status"] not in (200, 404, 410) or (
                        page["status"] == 404 and page["url"] != NOT_FOUND_PROBE):
                    report.broken.append(page["url"])
                    continue
                page["key"] = keys(page["url"])
                pages[page["url"]] = page
                if written:
                    report.written.append(page["file"])
            if progress:
                progress(len(todo))
            found = {link for url in round_urls if url in pages for link in pages[url]["links"]}
            found.update(from_data)
            from_data = []
            found.update(page for url in [*(found - seen), *round_urls] for page in keys.archives(url))
            frontier = sorted(found - seen)
    finally:
        if pool is not None:
            pool.shutdown()

    files = {page["file"] for page in pages.values()}
    for page in old.values():
        name = page.get("file")
        if name and name not in files and (out / name).is_file():
            (out / name).unlink()
            report.removed.append(name)
    report.gone = sorted(p["url"] for p in pages.values() if p["status"] == 410)
    ordered = sorted(pages.values(), key=lambda p: p["url"])
    for name, body in server_files(ordered, datasette_url).items():
        if (out / name).is_file() and (out / name).read_bytes() == body.encode("utf-8"):
            continue
        _write(out, name, body.encode("utf-8"))
        report.written.append(name)
    _write(out, MANIFEST, _manifest(base_url, ordered))
    _last_manifest[out.resolve()] = _stamp(out / MANIFEST), pages
    report.files = len(files)
    report.broken.sort()
    report.seconds = time.perf_counter() - started
    return report


def finish() -> None:
    """For a process that ends with its build: the app's database connection closed (the last one to close
    writes the WAL back into the database), and the cyclic collector kept from walking everything the build
    kept, which the interpreter's last collection did for 0.2 s after a rebuild at 10 000 releases and for
    1 s after a full build."""
    _worker.pop("made_for", None)
    app = _worker.pop("app", None)
    if app is not None:
        app.kept.db.conn.close()
    gc.freeze()


def _data_state(db_path: str) -> tuple[tuple[int, int, int], str | None]:
    """((data version, device, inode), the next embargo to end) of the database: a database made again from
    scratch counts its versions from 1 again, in a new file."""
    db = store.connect(db_path, create=False)
    try:
        found = os.stat(db_path)
        return (store.data_version(db), found.st_dev, found.st_ino), store.next_embargo(db)
    finally:
        db.conn.close()


def watch(db_path: str | Path, out: str | Path, site: Site, interval: float = 2.0, refresh: float = 3600.0,
          stop: threading.Event | None = None, on_report: Callable[[BuildReport], None] | None = None,
          on_error: Callable[[Exception], None] | None = None, full: bool = False, **options) -> None:
    """Build now, then again whenever the data moves (a new version or a new database file, an embargo that
    ends) and at least every ``refresh`` seconds (the news sitemap lists the last two days); returns once
    ``stop`` is set.

    One process for every build: its imports, its app and the pages of its last manifest serve them all, so
    a new release is on disk in a third to a half of the time of a new ``feeds build`` (BENCHMARKS.md).
    ``full`` is for the first build; ``options`` are ``build``'s. After a failed build (``on_error``), the
    next comes with the next change of the data, or within ``refresh``.
    """
    stop = stop or threading.Event()
    built: tuple[tuple, float] | None = None  # (the data the last build started from, when)
    while True:
        try:
            version, embargo = _data_state(str(db_path))
            due = embargo is not None and datetime.fromisoformat(embargo) <= datetime.now(site.tz)
            if built is None or version != built[0] or due or time.monotonic() - built[1] >= refresh:
                built = version, time.monotonic()  # a build that publishes an embargo moves it: one more build
                report = build(db_path, out, site, full=full, **options)
                full = False
                if on_report:
                    on_report(report)
        except (BuildError, store.StoreError, sqlite3.Error, OSError) as exc:  # the next change builds again
            if on_error is None:
                raise
            on_error(exc)
        if stop.wait(interval):
            return


# ---------------------------------------------------------------- web server configuration

SECURITY_HEADER_NAMES = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def _mime(content_type: str) -> str:
    return content_type.split(";")[0].strip()


def _headers_plan(pages: list[dict]) -> tuple[dict[str, str], str | None, dict[str, tuple[str, str | None]]]:
    """(extension -> type, the usual Cache-Control, plain URL path -> (type, Cache-Control) where they differ)."""
    # One pass: the URLs served, by (extension, type, Cache-Control), groups in the order first seen.
    groups: dict[tuple[str, str, str | None], list[str]] = {}
    for p in pages:
        if p["status"] == 200:
            name = p["file"]
            dot = name.rfind(".")
            key = (name[dot + 1:].lower() if dot > name.rfind("/") else "", p["content_type"], p["cache_control"])
            groups.setdefault(key, []).append(p["url"])
    pairs: Counter = Counter()
    caches: Counter = Counter()
    for (ext, content_type, cache_control), urls in groups.items():
        pairs[ext, content_type] += len(urls)
        caches[cache_control] += len(urls)
    types: dict[str, str] = {}  # each extension's most frequent type, the first seen of equals
    most: dict[str, int] = {}
    for (ext, content_type), count in pairs.items():
        if ext and count > most.get(ext, 0):
            types[ext], most[ext] = content_type, count
    usual = caches.most_common(1)
    cache = usual[0][0] if usual else None
    exceptions: dict[str, tuple[str, str | None]] = {}
    for (ext, content_type, cache_control), urls in groups.items():
        if types.get(ext) != content_type or cache_control != cache:
            for url in urls:
                if "?" not in url:  # a query file follows the location of its path
                    exceptions[url] = (content_type, cache_control)
    return types, cache, exceptions


def _security_headers() -> dict[str, str]:
    from feeds.web import SECURITY_HEADERS

    return {name: SECURITY_HEADERS[name] for name in SECURITY_HEADER_NAMES if name in SECURITY_HEADERS}


def _nginx_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=1 << 16)  # the same thousands of paths at every rebuild of a watching build
def _nginx_location_path(path: str) -> str:
    # nginx matches locations on the decoded path; spaces and quotes need the quoted form.
    return _nginx_string(unquote(path))


def nginx_snippet(pages: list[dict], datasette_url: str | None, plan: tuple | None = None) -> str:
    """The server-level part of an nginx configuration serving the build (``root`` is set by the includer)."""
    types, cache, exceptions = plan or _headers_plan(pages)
    exceptions = dict(exceptions)
    search_headers = exceptions.pop("/search", (None, cache))[1] if datasette_url else cache
    # text/html always gets the charset in nginx; naming it again is a warning.
    charset_types = sorted({_mime(t) for t in {p["content_type"] for p in pages}
                            if "charset=utf-8" in t.lower()} - {"text/html"})
    security = [f"    add_header {name} {_nginx_string(value)} always;" for name, value in _security_headers().items()]

    @functools.cache  # the same few values for thousands of locations
    def headers(cache_control: str | None) -> str:
        lines = security + ([f"    add_header Cache-Control {_nginx_string(cache_control)};"] if cache_control else [])
        return "\n".join(lines)

    try_files = "try_files $static_query$uri $static_query$uri.html $static_query$uri/index.html"
    out = [
        "# Generated by `feeds build`: include it in a server block whose root is the build folder.",
        "# A URL with a query string is a file under /_q/<query>/; a withdrawn release answers 410.",
        "types {",
        *(f"    {mime} {ext};" for ext, mime in sorted((e, _mime(t)) for e, t in types.items())),
        "}",
        "default_type application/octet-stream;",
        "charset utf-8;",
        *(["charset_types " + " ".join(charset_types) + ";"] if charset_types else []),
        "etag on;",
        "server_tokens off;",
        "# No query may climb out of the root through /_q/.",
        'if ($args ~ "\\.\\.") { return 404; }',
        'set $static_query "";',
        'if ($args != "") { set $static_query "/_q/$args"; }',
        "error_page 404 /404.html;",
        "error_page 410 /_gone$uri.html;",
        "location / {",
        f"    {try_files} @missing;",
        headers(cache),
        "}",
    ]
    for path, (content_type, cache_control) in sorted(exceptions.items()):
        out += [
            f"location = {_nginx_location_path(path)} {{",
            "    types { }",
            f"    default_type {_nginx_string(_mime(content_type))};",
            f"    {try_files} @missing;",
            headers(cache_control),
            "}",
        ]
    out += [
        "# The build's own files are not pages.",
        "location ~ ^/(_headers|_redirects|nginx\\.conf\\.snippet|\\.build-manifest\\.json)$ { return 404; }",
        "location @missing {",
        "    if (-f $document_root/_gone$uri.html) { return 410; }",
        "    return 404;",
        "}",
        "location /_gone/ {",
        "    internal;",
        headers(None),
        "}",
        "location = /404.html {",
        "    internal;",
        headers(None),
        "}",
    ]
    if datasette_url:
        target = datasette_url.rstrip("/")
        out += [
            "# Live data stays on Datasette: its pages, SQL and searches.",
            "location /data/ {",
            f"    {try_files} @datasette;",
            headers(cache),
            "}",
            "location @datasette {",
            f"    rewrite ^/data(/.*)$ {target}$1 redirect;",
            "}",
            "location = /search {",
            f"    if ($arg_q) {{ return 302 {target}/pressroom/releases?_search=$arg_q; }}",
            f"    {try_files} @missing;",
            headers(search_headers),
            "}",
        ]
    return "\n".join(out) + "\n"


def cdn_headers(pages: list[dict], plan: tuple | None = None) -> str:
    """``_headers`` (Netlify, Cloudflare Pages): the usual headers for all, and the exceptions by path."""
    _, cache, exceptions = plan or _headers_plan(pages)
    lines = ["/*", *(f"  {k}: {v}" for k, v in _security_headers().items())]
    if cache:
        lines.append(f"  Cache-Control: {cache}")
    for path, (content_type, cache_control) in sorted(exceptions.items()):
        lines += [path, f"  Content-Type: {content_type}"]
        if cache_control != cache:
            lines.append(f"  Cache-Control: {cache_control or 'no-cache'}")
    return "\n".join(lines) + "\n"


def cdn_redirects(pages: list[dict], datasette_url: str | None) -> str:
    """``_redirects`` (Netlify): withdrawn releases answer 410, searches and live data go to Datasette."""
    lines = [f"{urlsplit(p['url']).path}  /{p['file']}  410" for p in pages if p["status"] == 410]
    if datasette_url:
        target = datasette_url.rstrip("/")
        lines += [f"/search  q=:q  {target}/pressroom/releases?_search=:q  302", f"/data/*  {target}/:splat  302"]
    return "\n".join(lines) + ("\n" if lines else "")


def server_files(pages: list[dict], datasette_url: str | None) -> dict[str, str]:
    plan = _headers_plan(pages)
    return {"nginx.conf.snippet": nginx_snippet(pages, datasette_url, plan), "_headers": cdn_headers(pages, plan),
            "_redirects": cdn_redirects(pages, datasette_url)}
