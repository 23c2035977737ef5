"""The ``feeds`` command: a thin layer over the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from feeds import __version__, store
from feeds.config import ConfigError, load_site
from feeds.ingest import (
    DEFAULT_MAX_BYTES,
    FORMATS,
    IngestError,
    Rejected,
    iter_files,
    parse_bytes,
    publisher_for,
    read_file,
)

DEFAULT_DB = "data/pressroom.db"
DEFAULT_RELEASES = "data/releases"

db_option = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
                         help="SQLite database file.")
site_option = click.option("--site", "site_path", default=None, type=click.Path(dir_okay=False),
                           help="Site configuration (default: data/site.toml of the package).")
format_option = click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
                             help="Force the source format instead of detecting it.")


def _site(site_path, base_url=None):
    try:
        return load_site(site_path, base_url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(__version__, prog_name="feeds")
def cli():
    """Open press room: press releases as feeds, open data and web pages."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@db_option
@site_option
@format_option
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True, help="Reject files larger than this.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
def ingest(paths, db_path, site_path, fmt, max_bytes, as_json):
    """Ingest files and folders (default: data/releases) into the database; idempotent."""
    from feeds.load import ingest as run

    site = _site(site_path)
    paths = list(paths) or [Path(DEFAULT_RELEASES)]
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    paths = [p for p in paths if p not in missing]
    try:
        db = store.connect(db_path)
    except store.StoreError as exc:
        raise click.ClickException(str(exc)) from None

    def run_with_bar():
        if not sys.stderr.isatty() or as_json:
            return run(db, paths, site, fmt, max_bytes)
        files = list(iter_files(paths))
        with click.progressbar(length=len(files), label="Ingestion", file=sys.stderr, show_pos=True) as bar:
            def tick(items):
                for item in items:
                    yield item
                    bar.update(1)
            return run(db, paths, site, fmt, max_bytes, progress=tick)

    report = run_with_bar()
    report.rejected += [Rejected(str(p), "fichier ou dossier introuvable") for p in missing]
    for rejected in report.rejected:
        click.echo(f"error: {rejected.name}: {rejected.reason}", err=True)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else report.summary())
    if report.rejected:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@site_option
@format_option
def parse(paths, site_path, fmt):
    """Print each normalised release as one JSON object per line (no database)."""
    from datetime import datetime

    from feeds.load import context_for

    site = _site(site_path)
    now = datetime.now(site.tz)
    failed = False
    for path, root in iter_files(list(paths)):
        try:
            data = read_file(path, root)
            ctx = context_for(site, now, publisher_for(path, root))
            for release in parse_bytes(data, path.name, ctx, fmt):
                click.echo(release.to_json())
        except IngestError as exc:
            click.echo(f"error: {path}: {exc}", err=True)
            failed = True
    if failed:
        sys.exit(1)


@cli.command()
@db_option
@site_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--base-url", default=None, help="Public address (default: http://HOST:PORT).")
def serve(db_path, site_path, host, port, base_url):
    """Serve pages, feeds and Datasette (under /data/) on one port."""
    from feeds.server import serve as run

    site = _site(site_path, base_url)
    site.base_url = site.base_url or f"http://{host}:{port}"
    if not Path(db_path).exists():
        raise click.ClickException(f"base de données introuvable : {db_path} (lancez d'abord « feeds ingest »)")
    store.connect(db_path).conn.close()  # creates or migrates the schema before readers arrive
    click.echo(f"Salle de presse : {site.base_url}/  ·  données : {site.base_url}/data/", err=True)
    run(db_path, site, host, port)
