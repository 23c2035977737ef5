"""The ``feeds`` command: a thin layer over the library."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from feeds import __version__, store
from feeds.config import ConfigError, load_site
from feeds.ingest import DEFAULT_MAX_BYTES, FORMATS, IngestError, Rejected, parse_bytes
from feeds.ingest.files import iter_files, publisher_for, read_file

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
    # Libraries' own warnings about a broken file would interleave with our "error: FILE: reason" lines.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@db_option
@site_option
@format_option
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True, help="Reject files larger than this.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
@click.option("--watch", "watch", is_flag=True,
              help="Keep running: ingest new and changed files as they arrive (Ctrl-C to stop).")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.05),
              help="With --watch, seconds between two looks at the folders.")
def ingest(paths, db_path, site_path, fmt, max_bytes, as_json, watch, interval):
    """Ingest files and folders (default: data/releases) into the database; idempotent."""
    from feeds.ingest.files import ingest_files as run

    site = _site(site_path)
    paths = list(paths) or [Path(DEFAULT_RELEASES)]
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    paths = [p for p in paths if p not in missing]
    try:
        db = store.connect(db_path)
    except store.StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if watch:
        if missing:
            raise click.ClickException(f"dossier introuvable : {missing[0]}")
        return _watch(db, paths, site, fmt, max_bytes, interval, as_json)
    version = store.data_version(db)

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
    if store.data_version(db) != version:
        _announce(site)
    if report.rejected:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@site_option
@format_option
def parse(paths, site_path, fmt):
    """Print each normalised release as one JSON object per line (no database)."""
    from datetime import datetime

    from feeds.ingest.files import context_for

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
@click.option("--publish-due/--no-publish-due", default=True, show_default=True,
              help="Publish releases as their embargo ends (off: leave it to `feeds publish-due`, from cron).")
def serve(db_path, site_path, host, port, base_url, publish_due):
    """Serve pages, feeds and Datasette (under /data/) on one port."""
    from feeds.server import serve as run

    site = _site(site_path, base_url)
    site.base_url = site.base_url or f"http://{host}:{port}"
    if not Path(db_path).exists():
        raise click.ClickException(f"base de données introuvable : {db_path} (lancez d'abord « feeds ingest »)")
    store.connect(db_path).conn.close()  # creates or migrates the schema before readers arrive
    click.echo(f"Salle de presse : {site.base_url}/  ·  données : {site.base_url}/data/", err=True)
    run(db_path, site, host, port, publish_due)


@cli.command("publish-due")
@db_option
@site_option
def publish_due(db_path, site_path):
    """Publish the releases whose embargo has ended (one id a line) and ping the WebSub hub; for cron."""
    from feeds.scheduler import Scheduler

    site = _site(site_path)
    scheduler = Scheduler(db_path, site)
    try:
        published = scheduler.run_once()
    except (OSError, store.StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        scheduler.close()
    for release_id in published.ids:
        click.echo(release_id)
    click.echo(f"{len(published.ids)} communiqué(s) publié(s)", err=True)
    if published.ids:
        _announce(site, published.topics)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@db_option
@site_option
@click.option("--base-url", required=True, help="Public address of the static site (https://host, no path).")
@click.option("--datasette-url", default=None,
              help="Public address of a Datasette serving the database (what /data/ is on `feeds serve`): "
                   "searches and live SQL are sent there.")
@click.option("--workers", default=None, type=click.IntRange(min=1), help="Rendering processes (default: CPUs).")
@click.option("--full", is_flag=True, help="Render every document again, without asking the app what changed since the last build.")
@click.option("--skip-downloads", is_flag=True,
              help="Keep the open data section (tables, SQLite file) as the last build wrote it.")
@click.option("--watch", is_flag=True, help="Keep running: build again whenever the data changes.")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.1),
              help="With --watch: seconds between two looks at the database.")
def build(out, db_path, site_path, base_url, datasette_url, workers, full, skip_downloads, watch, interval):
    """Write every public page, feed and download into OUT as static files, with an nginx snippet and _headers.

    Run it again after a change: only the files whose bytes changed are written. With --watch, it runs
    until stopped (Ctrl-C) and builds again after every change of the data.
    """
    from datetime import datetime

    from feeds.static import BuildError
    from feeds.static.build import BuildReport, build as build_site, finish
    from feeds.static.watch import watch as watch_site

    site = _site(site_path, base_url)
    options = {"datasette_url": datasette_url, "workers": workers, "downloads": not skip_downloads}

    def report(result: BuildReport, stamp: str = "") -> None:
        for url in result.broken:
            click.echo(f"warning: lien sans réponse : {url}", err=True)
        click.echo(f"{stamp}{result.summary()}")
        sys.stdout.flush()

    if watch:
        last_error: str | None = None

        def built(result: BuildReport) -> None:
            nonlocal last_error
            last_error = None
            report(result, datetime.now(site.tz).strftime("%H:%M:%S "))

        def error(exc: Exception) -> None:
            nonlocal last_error
            if str(exc) != last_error:  # once, not at every look while it lasts
                click.echo(f"error: {exc}", err=True)
            last_error = str(exc)

        click.echo(f"Surveillance de {db_path} (Ctrl-C pour arrêter)", err=True)
        try:
            watch_site(db_path, out, site, interval, full=full, **options, on_report=built, on_error=error)
        except KeyboardInterrupt:
            pass
    else:
        try:
            report(build_site(db_path, out, site, full=full, **options))
        except BuildError as exc:
            raise click.ClickException(str(exc)) from None
    finish()


# ---------------------------------------------------------------- publishing workflow: watch, tokens, withdrawal

def _watch(db, paths, site, fmt, max_bytes, interval, as_json):
    from datetime import datetime

    from feeds.ingest.watch import watch

    def report(result):
        if not (result.new or result.updated or result.rejected):
            return
        for rejected in result.rejected:
            click.echo(f"error: {rejected.name}: {rejected.reason}", err=True)
        stamp = datetime.now(site.tz).strftime("%H:%M:%S")
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else f"{stamp} {result.summary()}")
        sys.stdout.flush()
        if result.new or result.updated:
            _announce(site)

    click.echo(f"Surveillance de {', '.join(map(str, paths))} (Ctrl-C pour arrêter)", err=True)
    try:
        watch(db, paths, site, interval, on_report=report, fmt=fmt, max_bytes=max_bytes)
    except KeyboardInterrupt:
        pass


def _announce(site, topics: list[str] | None = None) -> None:
    """Ping the WebSub hub of the configuration that feeds changed (default: the site's); a failure only warns."""
    from feeds import websub
    from feeds.web.syndication import feed_urls

    if not site.websub_hub:
        return
    if not site.base_url:
        click.echo("warning: base_url absent de la configuration, le hub WebSub n'est pas notifié", err=True)
        return
    topics = topics or feed_urls(site.base_url)
    try:
        websub.ping(site.websub_hub, topics)
    except websub.WebSubError as exc:
        click.echo(f"warning: {exc}", err=True)


@cli.group()
def token():
    """Upload tokens of the API (POST /api/releases)."""


@token.command("create")
@click.argument("name")
@db_option
def token_create(name, db_path):
    """Create a token NAME; it is printed once (last line) and only its hash is stored."""
    from datetime import UTC, datetime

    from feeds import tokens

    try:
        secret = tokens.create(store.connect(db_path), name, datetime.now(UTC))
    except (tokens.TokenError, store.StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Jeton « {name} » créé. Conservez-le : il ne sera plus affiché.", err=True)
    click.echo(secret)


@token.command("revoke")
@click.argument("name")
@db_option
def token_revoke(name, db_path):
    """Revoke the token NAME: it stops working at once."""
    from feeds import tokens

    try:
        tokens.revoke(store.connect(db_path), name)
    except (tokens.TokenError, store.StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Jeton « {name} » révoqué.")


@token.command("list")
@db_option
def token_list(db_path):
    """The names of the tokens and when they were created (never the tokens)."""
    from feeds import tokens

    for name, created_at in tokens.names(store.connect(db_path)):
        click.echo(f"{name}\t{created_at}")


@cli.command()
@click.argument("release_id")
@click.option("--reason", required=True, help="Why the release is withdrawn (shown on its page, in French).")
@db_option
@site_option
def withdraw(release_id, reason, db_path, site_path):
    """Withdraw release RELEASE_ID: its page answers 410 with the reason, it leaves the feeds."""
    from datetime import datetime

    site = _site(site_path)
    try:
        done = store.withdraw(store.connect(db_path, create=False), release_id, reason, datetime.now(site.tz))
    except store.StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if done.revision:
        click.echo(f"{done.id} retiré le {done.withdrawn_at} (révision {done.revision}) : {done.reason}")
        _announce(site)
    else:
        click.echo(f"{done.id} retiré avant toute publication (brouillon ou sous embargo) : {done.reason}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["sig"]), required=True,
              help="sig: the French government's press-release schema, as JSON Lines.")
@click.option("--out", "out_path", default="-", type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (default: standard output).")
@db_option
@site_option
@click.option("--base-url", default=None, help="Public address of the pages (document.url when HTTPS).")
@click.option("--default-place", default="non précisé", show_default=True,
              help="lieu_publication of releases whose dateline names no place.")
def export(fmt, out_path, db_path, site_path, base_url, default_place):
    """Write every public release in an open format (drafts, embargoes and withdrawals left out)."""
    from feeds.export.sig import SigOptions, write_sig

    site = _site(site_path, base_url)
    try:
        db = store.connect(db_path, create=False)
    except store.StoreError as exc:
        raise click.ClickException(str(exc)) from None
    options = SigOptions(editor=site.publisher["name"], licence=site.licence["name"],
                         title=f"Communiqués de presse — {site.title}", description=site.description or site.title,
                         base_url=site.base_url, default_place=default_place)
    with click.open_file(out_path, "w", encoding="utf-8", atomic=out_path != "-") as out:
        n = write_sig(db, out, options)
    click.echo(f"{n} communiqués écrits au format SIG", err=True)
