"""One ASGI app on one port: Datasette under /data/, the Flask app everywhere else."""

from __future__ import annotations

import asyncio
import copy
import os
import re
import sqlite3
import time
from collections import OrderedDict
from email.utils import parsedate_to_datetime
from pathlib import Path

import sqlite_utils
from a2wsgi import WSGIMiddleware
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from feeds import opendata, store
from feeds.config import Site
from feeds.opendata import plugin
from feeds.scheduler import Scheduler
from feeds.web import create_app

DATASETTE_PREFIX = "/data"


def make_datasette(db_path: str | Path, site: Site) -> Datasette:
    """Datasette configured for people: French metadata, no facet suggestions, bounded SQL."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="feeds-pressroom")
    metadata = {**copy.deepcopy(opendata.metadata()), "license": site.licence["name"],
                "license_url": site.licence.get("url")}
    ds = Datasette(
        metadata=metadata,
        settings={
            "base_url": DATASETTE_PREFIX + "/",
            "suggest_facets": False,
            "sql_time_limit_ms": 2000,
            "facet_time_limit_ms": 500,
            "max_returned_rows": 1000,
            "allow_download": False,
            "default_page_size": 50,
            # Complete CSV exports (_stream=on) of any size; cells cut short in HTML pages only.
            "max_csv_mb": 0,
            "truncate_cells_html": 300,
        },
    )
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name="pressroom")
    return ds


def _without_prefix(scope: dict) -> dict:
    """The request as Datasette expects it behind a proxy: without /data, which its base_url adds back.

    Datasette 0.65 builds some links (export links, sort links) from the request path and prefixes
    base_url again, so a path that still carries /data gives /data/data/… links (datasette#2759).
    """
    scope = dict(scope)
    scope["path"] = scope["path"][len(DATASETTE_PREFIX):] or "/"
    if scope.get("raw_path"):
        scope["raw_path"] = scope["raw_path"][len(DATASETTE_PREFIX):] or b"/"
    return scope


class ResponseCache:
    """Public GET answers of the Flask app (feeds, pages, sitemaps), replayed without entering Flask.

    Keyed on the path and query string; emptied whenever the data version moves (an embargo that ends moves
    it: the scheduler publishes it). Entries live as long as their own max-age.
    """

    # Besides watching the files, the data version is read at least this often (seconds).
    RECHECK = 1.0
    # The bodies kept, all together and each (bytes): a million releases make twenty sitemap files of 5 MB,
    # which would otherwise stay in memory for as long as the data does not change.
    MAX_BYTES = 32 * 1024 * 1024
    MAX_BODY = 2 * 1024 * 1024

    def __init__(self, db_path: str | Path, max_entries: int = 2048):
        self.db_path = str(db_path)
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, _Cached] = OrderedDict()
        self.size = 0
        self.version: tuple | None = None
        self.db: sqlite_utils.Database | None = None
        self.inode: int | None = None
        self.files: tuple | None = None
        self.checked_until = 0.0

    def invalidate(self) -> None:
        self.checked_until = 0.0

    def _files(self) -> tuple:
        """What any commit changes on disk (the WAL's modification time and size, the database's inode):
        two stat calls instead of a query on every request."""
        db = os.stat(self.db_path)
        try:
            wal = os.stat(self.db_path + "-wal")
            return db.st_ino, db.st_mtime_ns, wal.st_mtime_ns, wal.st_size
        except FileNotFoundError:
            return db.st_ino, db.st_mtime_ns, None, None

    def _current(self) -> bool:
        """Whether cached answers may be used now: the data version is known (and the cache emptied if it moved)."""
        now = time.monotonic()
        try:
            files = self._files()
            if files != self.files or now >= self.checked_until:
                if self.db is None or files[0] != self.inode:  # a database rebuilt in place
                    self.db = sqlite_utils.Database(sqlite3.connect(store.read_only_uri(self.db_path), uri=True,
                                                                    check_same_thread=False))
                    self.inode = files[0]
                version = (files[0], store.data_version(self.db))
                if version != self.version:
                    self.entries.clear()
                    self.size = 0
                    self.version = version
                self.files, self.checked_until = files, now + self.RECHECK
        except (OSError, sqlite3.Error):
            self.db = None
            return False
        return True

    @staticmethod
    def _key(scope) -> tuple | None:
        if scope["method"] not in ("GET", "HEAD"):
            return None
        for name, _ in scope.get("headers", ()):  # a loop: a generator would cost more than the rest
            if name == b"authorization" or name == b"cookie":
                return None
        return scope["path"], scope.get("query_string", b"")

    async def serve(self, scope, receive, send, app) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            async def send_after_write(message):
                if message["type"] == "http.response.start":
                    # An upload or a withdrawal is written before its answer starts: the next reader,
                    # who may ask as soon as the answer arrives, must see it.
                    self.invalidate()
                await send(message)

            await app(scope, receive, send_after_write)
            return
        key = self._key(scope)
        if key is None or not self._current():
            await app(scope, receive, send)
            return
        hit = self.entries.get(key)
        if hit and hit.expires > time.monotonic():
            self.entries.move_to_end(key)  # least recently used out first
            await hit.replay(scope, send)
            return
        captured: dict = {"body": [], "size": 0}

        async def capture(message):
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                captured["size"] += len(body)
                if captured["size"] <= self.MAX_BODY:  # too large to keep: not held either
                    captured["body"].append(body)
            await send(message)

        version = self.version
        await app(scope, receive, capture)
        headers = dict((k.lower(), v) for k, v in captured.get("headers", []))
        cache_control = headers.get(b"cache-control", b"").decode()
        max_age = re.search(r"max-age=(\d+)", cache_control)
        size = captured["size"]
        if (captured.get("status") == 200 and "public" in cache_control and max_age and b"etag" in headers
                and scope["method"] == "GET" and version == self.version and size <= self.MAX_BODY):
            old = self.entries.pop(key, None)
            self.size += size - (len(old.body) if old else 0)
            self.entries[key] = _Cached(time.monotonic() + min(int(max_age[1]), 3600), captured["headers"],
                                        b"".join(captured["body"]))
            while len(self.entries) > self.max_entries or self.size > self.MAX_BYTES:
                self.size -= len(self.entries.popitem(last=False)[1].body)


class _Cached:
    """One cached answer, with what a 304 needs worked out once."""

    __slots__ = ("expires", "headers", "body", "etag", "last_modified", "not_modified_headers")

    def __init__(self, expires: float, headers: list, body: bytes):
        self.expires, self.headers, self.body = expires, headers, body
        stored = {k.lower(): v for k, v in headers}
        self.etag = stored.get(b"etag")
        self.last_modified = stored.get(b"last-modified")
        self.not_modified_headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length",
                                                                                        b"content-type")]

    def not_modified(self, scope) -> bool:
        """If-None-Match first (RFC 9110), else If-Modified-Since."""
        since = None
        for name, value in scope.get("headers", ()):
            if name == b"if-none-match":
                return self.etag is not None and (value.strip() == b"*" or
                                                  self.etag in [m.strip() for m in value.split(b",")])
            if name == b"if-modified-since":
                since = value
        if since is None or self.last_modified is None:
            return False
        try:
            return parsedate_to_datetime(since.decode()) >= parsedate_to_datetime(self.last_modified.decode())
        except (TypeError, ValueError):
            return False

    async def replay(self, scope, send) -> None:
        if self.not_modified(scope):
            await send({"type": "http.response.start", "status": 304, "headers": self.not_modified_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else self.body})


def _without_date(app):
    """An ASGI app whose answers leave the Date header to the server. Werkzeug dates conditional answers itself:
    uvicorn then sent two, and the cache replayed the time it kept an answer as the second."""
    async def without_date(scope, receive, send):
        async def send_without_date(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"date"]}
            await send(message)

        await app(scope, receive, send_without_date)
    return without_date


async def _lifespan(receive, send, on_startup, on_shutdown) -> None:
    """ASGI's lifespan protocol: what starts with the server and stops with it."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await on_startup()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_asgi(db_path: str | Path, site: Site, publish_due: bool = True):
    """Datasette under /data/, the Flask app behind the response cache elsewhere; with ``publish_due``, a
    ``Scheduler`` that publishes embargoes as they end, started and stopped with the server (its lifespan)."""
    flask_app = create_app({"DATABASE": str(db_path), "SITE": site})
    wsgi = _without_date(WSGIMiddleware(flask_app, workers=8))
    cache = ResponseCache(db_path)
    datasette = make_datasette(db_path, site)
    datasette_app = datasette.app()
    scheduler = Scheduler(db_path, site) if publish_due else None
    started = False

    async def startup():
        nonlocal started
        await datasette.invoke_startup()
        started = True
        if scheduler:
            scheduler.start()

    async def shutdown():
        if scheduler:
            await asyncio.to_thread(scheduler.stop)

    async def app(scope, receive, send):
        nonlocal started
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, startup, shutdown)
        path = scope.get("path", "")
        if path == DATASETTE_PREFIX or path.startswith(DATASETTE_PREFIX + "/"):
            if not started:
                await datasette.invoke_startup()
                started = True
            await datasette_app(_without_prefix(scope), receive, send)
        elif scope["type"] == "http":
            await cache.serve(scope, receive, send, wsgi)
        else:
            await wsgi(scope, receive, send)

    app.flask_app = flask_app
    app.datasette = datasette
    app.scheduler = scheduler
    return app


def serve(db_path: str | Path, site: Site, host: str = "127.0.0.1", port: int = 8000,
          publish_due: bool = True) -> None:
    import uvicorn

    uvicorn.run(create_asgi(db_path, site, publish_due), host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False)
