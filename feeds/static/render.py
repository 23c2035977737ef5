"""Every URL of the site asked of the app itself, as a server would ask it, with the ETag the last build saw:
a 304 says the file on disk is still the answer; otherwise the answer's bytes are written if they changed.

During a build the app reads the database once (``feeds.web.selection.ReadOnce``): the database does not
change while it is written out. A process may render in a pool of workers; each holds its own app.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from urllib.parse import unquote

from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import FileWrapper

from feeds import FEWER_COLLECTIONS_YOUNG, leave_with_parent
from feeds.config import Site
from feeds.static import BuildError
from feeds.static.files import NOT_FOUND_FILE, file_for, forget_folders, write_file
from feeds.static.manifest import Page
from feeds.web.selection import ReadOnce
from feeds.web.urls import NOT_FOUND

# Blueprints whose views a build calls in the request context of each URL, without the app's hooks (they ran
# once for the build, at its start): pages, feeds, sitemaps. Anything else goes through WSGI.
VIEWS_ALONE = ("pages", "syndication", "sitemaps")
# status, Content-Type, Cache-Control, body, ETag
Answer = tuple[int, str, str | None, bytes, str | None]
# A URL to render: (URL, its page in the last build if its file is still there, the ETag to send back)
Task = tuple[str, Page | None, str | None]
_worker: dict = {}


def app_for_build(db_path: str, site: Site, app=None):
    """(app, source): the app a build renders with, ``app`` if given (a build again in the same process), and
    the source it reads the database with once for this build."""
    from jinja2 import FileSystemBytecodeCache

    from feeds import store
    from feeds.web import create_app, syndication

    # A connection that only reads, and may write the WAL back into the database as the last one to close.
    db = store.connect(db_path, create=False)
    source = ReadOnce(db)
    if app is None:
        # A build asks for every feed document once: a cache would only hold them.
        app = create_app({"DATABASE": db_path, "SITE": site}, db=db, source=source,
                         feed_cache=syndication.FeedCache(size=0))
        # Compiled templates kept between builds (in the user's private temporary folder): a rebuild every
        # minute would otherwise compile them every time.
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    else:
        app.kept.db, app.kept.source = db, source
    return app, source


def join_pool(parent: int) -> None:
    """Initializer of a pool's workers; each readies itself for a build with its first chunk (``render_many``).
    Ctrl-C is the parent's to handle (it shuts the pool down): a worker idle between builds ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    leave_with_parent(parent)
    gc.set_threshold(FEWER_COLLECTIONS_YOUNG, *gc.get_threshold()[1:])


def init_worker(db_path: str, site: Site, out: str, build: tuple | None = None) -> None:
    """Ready this process to render the build ``build``: its app (kept from the last build of this process when
    it is the same database and site, not in a forked worker, whose copy holds the parent's connections), a
    fresh source."""
    forget_folders()
    made_for = (os.getpid(), db_path, repr(asdict(site)))
    kept = _worker.get("app") if _worker.get("made_for") == made_for else None
    close()  # the last build's connection: each build reads the database as it is now
    app, source = app_for_build(db_path, site, kept)
    _worker.update(out=Path(out), app=app, source=source, made_for=made_for, build=build)


def close() -> None:
    """The source's connection (the app's) closed: the last one to close writes the WAL back into the database."""
    source = _worker.pop("source", None)
    if source is not None:
        source.db.conn.close()


def forget() -> None:
    """For a process that ends with its build."""
    close()
    _worker.pop("made_for", None)
    _worker.pop("app", None)


def site_urls() -> tuple[list[str], set[str]]:
    """(every URL of the site, those of the open data section), as the app says."""
    from feeds.web.urls import opendata_urls, site_urls as named

    with _worker["app"].test_request_context("/"):
        return named(_worker["source"]), set(opendata_urls())


_ENVIRON = {
    "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
    "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
}


def _environ(url: str, etag: str | None) -> dict:
    path, _, query = url.partition("?")
    environ = {**_ENVIRON, "QUERY_STRING": query, "wsgi.input": io.BytesIO(),
               "PATH_INFO": unquote(path).encode("utf-8").decode("latin-1")}  # PEP 3333
    if etag:
        environ["HTTP_IF_NONE_MATCH"] = etag
    return environ


def answer(url: str, etag: str | None = None) -> Answer:
    """The app's answer to a GET of ``url`` (a conditional one with ``etag``)."""
    app, environ = _worker["app"], _environ(url, etag)
    found = _view_get(app, environ) if "context" in _worker else None
    return found or _wsgi_get(app, environ)


@contextmanager
def _one_request():
    """One request context for the build, whose request each URL's replaces (see ``_view_get``); the app's
    before-request hooks (embargoes that end) run once, at the start."""
    app = _worker["app"]
    with app.test_request_context("/") as ctx:
        app.preprocess_request()
        _worker["context"] = ctx
        try:
            yield
        finally:
            del _worker["context"]


def _view_get(app, environ: dict) -> Answer | None:
    """A page, feed or sitemap from its view, the URL's request (its path, its If-None-Match) in the build's
    request context: routed by the adapter bound once, without a context, hooks or WSGI of its own, which cost
    more than the 304 of most URLs. None for anything else and for failures, which the app answers through
    WSGI as it would a visitor."""
    ctx = _worker["context"]
    request = app.request_class(environ)
    # Every URL of the build has the root of the build's request (one host, no script root): given, not worked
    # out again from the environment for each (feeds ask for it).
    request.__dict__["url_root"] = ctx.request.url_root
    try:
        rule, args = ctx.url_adapter.match(request.path, method="GET", return_rule=True)
    except HTTPException:  # unknown, or a redirect
        return None
    if rule.endpoint.partition(".")[0] not in VIEWS_ALONE:
        return None
    request.url_rule, request.view_args = rule, args
    outer, ctx.request = ctx.request, request
    try:
        response = app.make_response(app.view_functions[rule.endpoint](**args))
    except HTTPException as exc:  # a 304 found before rendering, or an error page
        if exc.response is None:
            return None
        response = exc.response
    except Exception:
        return None
    finally:
        ctx.request = outer
    headers = response.headers
    return (response.status_code, headers.get("Content-Type", ""), headers.get("Cache-Control"), response.get_data(),
            headers.get("ETag"))


def _wsgi_get(app, environ: dict) -> Answer:
    """One GET through the app's WSGI interface, as a server would call it (Flask's test client costs more
    than many of the pages it fetches)."""
    answered: dict = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=int(status.split(" ", 1)[0]), headers=dict(headers))

    result = app.wsgi_app(environ, start_response)
    try:
        # A file (send_file: the SQLite download, the SIG export) is read at once rather than joined from 8 KB
        # blocks: one copy of hundreds of MB instead of two.
        file = result.file if isinstance(result, FileWrapper) else None
        body = file.read() if file is not None else b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = answered["headers"]
    return answered["status"], headers.get("Content-Type", ""), headers.get("Cache-Control"), body, headers.get("ETag")


def render(task: Task) -> tuple[dict, bool, bool]:
    """Ask the app for one URL, write its file when its bytes changed: (page, or a failure as a dict with
    ``url`` and ``status``; written; rendered, false for a 304)."""
    url, previous, etag = task
    status, content_type, cache_control, body, new_etag = answer(url, etag)
    if status == 304 and previous is not None:
        return previous, False, False
    if status == 404 and url == NOT_FOUND:
        name = NOT_FOUND_FILE
    elif status in (200, 410):
        try:
            name = file_for(url, content_type, status)
        except BuildError:
            return {"url": url, "status": status, "unwritable": True}, False, True
    else:
        return {"url": url, "status": status}, False, True
    sha = hashlib.sha256(body).hexdigest()
    # ``previous`` comes only with a file still on disk: the same bytes under the same name need no writing.
    written = not (previous is not None and previous["sha"] == sha and previous["file"] == name)
    if written:
        write_file(_worker["out"], name, body)
    page = Page(url=url, file=name, status=status, content_type=content_type, cache_control=cache_control,
                sha=sha, etag=new_etag if status == 200 else None)
    return page, written, True


def rendered(tasks: Iterable[Task]) -> Iterator[tuple[dict, bool, bool]]:
    with _one_request():
        for task in tasks:
            yield render(task)


def render_many(tasks: list[Task], build: tuple) -> list[tuple[dict, bool, bool]]:
    """For a worker of the pool: a chunk of tasks of the build ``build``, ``(database, site, out, token)``; the
    first chunk of a build readies the worker for it (a pool may be kept between builds: ``feeds build
    --watch``)."""
    if _worker.get("build") != build:
        init_worker(*build[:3], build=build)
    return list(rendered(tasks))


def shared(own: list[Task], chunks: list[list[Task]], futures: list) -> Iterator[tuple[dict, bool, bool]]:
    """This process's tasks (``own``), then the chunks given to the workers, taken back from the end while the
    workers have not started them (they start from the beginning, where the long downloads are): this process
    renders rather than waits."""
    yield from rendered(own)
    taken = 0
    for future, chunk in zip(reversed(futures), reversed(chunks), strict=True):
        if not future.cancel():
            break
        taken += 1
        yield from rendered(chunk)
    for future in futures[:len(futures) - taken]:
        yield from future.result()
