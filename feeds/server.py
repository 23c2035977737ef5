"""One ASGI app on one port: Datasette under /data/, the Flask app everywhere else."""

from __future__ import annotations

from pathlib import Path

import yaml
from a2wsgi import WSGIMiddleware
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from feeds.config import Site
from feeds.opendata import plugin
from feeds.web import create_app

METADATA = Path(__file__).resolve().parent / "opendata" / "metadata.yml"
DATASETTE_PREFIX = "/data"


def make_datasette(db_path: str | Path, site: Site) -> Datasette:
    """Datasette configured for people: French metadata, no facet suggestions, bounded SQL."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="feeds-pressroom")
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata["license"] = site.licence["name"]
    metadata["license_url"] = site.licence.get("url")
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


def create_asgi(db_path: str | Path, site: Site):
    flask_app = create_app({"DATABASE": str(db_path), "SITE": site})
    wsgi = WSGIMiddleware(flask_app, workers=8)
    datasette = make_datasette(db_path, site)
    datasette_app = datasette.app()
    started = False

    async def app(scope, receive, send):
        nonlocal started
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await datasette.invoke_startup()
                    started = True
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = scope.get("path", "")
        if path == DATASETTE_PREFIX or path.startswith(DATASETTE_PREFIX + "/"):
            if not started:
                await datasette.invoke_startup()
                started = True
            await datasette_app(_without_prefix(scope), receive, send)
        else:
            await wsgi(scope, receive, send)

    app.flask_app = flask_app
    app.datasette = datasette
    return app


def serve(db_path: str | Path, site: Site, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    uvicorn.run(create_asgi(db_path, site), host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False)
