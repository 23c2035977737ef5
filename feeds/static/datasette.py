"""The open data Datasette serves (``/data/``), asked of an in-process Datasette configured as ``feeds serve``
configures it (``feeds.server.make_datasette``: the project's plugin and metadata): its whole-table CSV
exports are the bytes the live server streams."""

from __future__ import annotations

import os
import tempfile

PREFIX = "/data/"
_kept: dict = {}  # (database, site) -> the Datasette of this process
_links: list = []  # temporary folders of ``_plain_path``


def run_async(coroutine):
    """Run a coroutine to its end from synchronous code, even where an event loop already runs (a thread of its own)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def datasette_get(db_path: str, site, url: str) -> tuple[int, str, str | None, bytes]:
    """(status, Content-Type, Cache-Control, body) of a URL under ``/data/``, as Datasette answers it."""
    key = (db_path, repr(site))
    if key not in _kept:
        from feeds.server import make_datasette

        forget()
        ds = make_datasette(_plain_path(db_path), site)
        run_async(ds.invoke_startup())
        _kept[key] = ds
    # Datasette's client takes paths below its base_url (/data/ on the live server).
    response = run_async(_kept[key].client.get(url[len(PREFIX) - 1:]))
    return (response.status_code, response.headers.get("content-type", ""), response.headers.get("cache-control"),
            response.content)


def _plain_path(db_path: str) -> str:
    """A path to the database Datasette can open: it puts the path in a ``file:`` URI as it is, where "#", "?"
    or "%" in a folder's name would end or change it; through a link in a folder of ours otherwise."""
    if not any(char in db_path for char in "#?%"):
        return db_path
    folder = tempfile.TemporaryDirectory(prefix="feeds-build-")
    _links.append(folder)
    link = os.path.join(folder.name, "pressroom.db")
    os.symlink(db_path, link)
    return link


def forget() -> None:
    """A Datasette for each build (the database file may have been replaced), its connections closed: the last
    one to close writes the WAL back into the database."""
    for ds in _kept.values():
        for database in ds.databases.values():
            database.close()
        if ds.executor is not None:
            ds.executor.shutdown()
    _kept.clear()
    while _links:
        _links.pop().cleanup()
