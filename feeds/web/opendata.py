"""The "Données ouvertes" page and the downloads it lists: every table as CSV and JSON, the whole public database
as one SQLite file, the SIG export, and a chart of releases per month and per publisher."""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlite_utils
from babel.dates import format_date
from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for

from feeds import export, opendata, store
from feeds.export import sig as sig_export, tables
from feeds.web import validators
from feeds.web.links import external

bp = Blueprint("opendata", __name__, url_prefix="/donnees-ouvertes")
DATASETTE = "/data/pressroom"
_lock = threading.Lock()

# The chart: one bar per month, stacked by publisher; the biggest publishers get a colour of their own.
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM, CHART_TOP = 720, 260, 40, 24, 8
COLOURS = ("#1f5fa8", "#c2462e", "#3f8f4a", "#8a5aa6", "#b8860b", "#2a8c8c")
OTHERS = "Autres émetteurs"


def _table_descriptions() -> dict[str, str]:
    """Table descriptions from Datasette's metadata.yml: one text for both."""
    return {name: opendata.table_metadata(name)["description"] for name in export.PUBLIC_TABLES}


def _export_dir() -> Path:
    configured = current_app.config.get("EXPORT_DIR")
    # Absolute: send_file reads a relative path from the app's package, not from the working folder.
    return (Path(configured) if configured else Path(str(current_app.config["DATABASE"]) + "-exports")).absolute()


def _read_only() -> sqlite3.Connection:
    conn = sqlite3.connect(store.read_only_uri(current_app.config["DATABASE"]), uri=True, isolation_level=None,
                           check_same_thread=False)
    conn.execute("BEGIN")  # one read transaction: rows and data version agree
    return conn


def _version(conn: sqlite3.Connection) -> int:
    return store.data_version(sqlite_utils.Database(conn))


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass
class Chart:
    """Geometry of the releases-per-month chart, drawn by the template as inline SVG."""

    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # x, year
    grid: list[tuple[float, int]] = field(default_factory=list)  # y, count
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # colour, publisher, count
    months: list[tuple[str, int]] = field(default_factory=list)  # every month and its count, for the table
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if top / step <= 5:
            return step
    return max(top // 5, 1)


def monthly_chart(counts: list[tuple[str, str, int]]) -> Chart:
    """(month, publisher, count) rows as stacked bars: every month from the first to the last, empty or not."""
    chart = Chart()
    counts = [c for c in counts if c[0]]
    if not counts:
        return chart
    totals: dict[str, int] = {}
    for _, publisher, n in counts:
        totals[publisher] = totals.get(publisher, 0) + n
    ranked = sorted(totals, key=lambda p: (-totals[p], p))
    coloured = ranked[: len(COLOURS) - 1] if len(ranked) > len(COLOURS) else ranked
    colour_of = {p: COLOURS[i] for i, p in enumerate(coloured)}
    for p in ranked:
        colour_of.setdefault(p, COLOURS[-1])
    chart.legend = [(colour_of[p], p, totals[p]) for p in coloured]
    if len(coloured) < len(ranked):
        chart.legend.append((COLOURS[-1], OTHERS, sum(totals[p] for p in ranked[len(coloured):])))
    per_month: dict[str, list[tuple[str, int]]] = {}
    for month, publisher, n in counts:
        per_month.setdefault(month, []).append((publisher, n))
    months = _months_between(min(per_month), max(per_month))
    chart.months = [(m, sum(n for _, n in per_month.get(m, []))) for m in months]
    top = max(n for _, n in chart.months)
    step = _nice_step(top)
    scale_top = -(-top // step) * step
    plot_w, plot_h = CHART_WIDTH - CHART_LEFT, CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    slot = plot_w / len(months)
    chart.grid = [(CHART_TOP + plot_h - plot_h * v / scale_top, v) for v in range(0, scale_top + 1, step)]
    for i, month in enumerate(months):
        x = CHART_LEFT + i * slot
        if month.endswith("-01") or (i == 0 and int(month[5:7]) <= 7):  # no first label crowding the next
            chart.ticks.append((round(x, 1), month[:4]))
        base = CHART_TOP + plot_h
        order = sorted(per_month.get(month, []), key=lambda item: ranked.index(item[0]))
        for publisher, n in order:
            h = plot_h * n / scale_top
            base -= h
            label = f"{format_date(_first_day(month), 'MMMM y', locale='fr')} : {n} ({publisher})"
            chart.bars.append(Bar(round(x + slot * 0.1, 2), round(base, 2), round(max(slot * 0.8, 0.5), 2),
                                  round(h, 2), colour_of[publisher], label))
    return chart


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


@bp.route("")
def page():
    site = current_app.config["SITE"]
    conn = _read_only()
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in export.PUBLIC_TABLES}
        rows = conn.execute(
            "SELECT r.month, p.name, count(*) FROM releases r JOIN publishers p ON p.id = r.publisher_id "
            "WHERE r.status = 'published' GROUP BY r.month, p.id").fetchall()
        version = _version(conn)
    finally:
        conn.close()
    etag = validators.etag("opendata", version)  # the data and the code: a new template is a new page
    if validators.matches(request, etag):
        return validators.not_modified(etag)
    descriptions = _table_descriptions()
    tables = [{"name": t, "description": descriptions[t], "rows": counts[t],
               "browse": f"{DATASETTE}/{t}", "csv": url_for("opendata.table_csv", table=t),
               "json": url_for("opendata.table_json", table=t)} for t in export.PUBLIC_TABLES]
    response = Response(render_template(
        "opendata.html", tables=tables, chart=monthly_chart(rows), datasette=DATASETTE,
        canonical=external("opendata.page"),
        description=f"Les données ouvertes de {site.title} : tables en CSV et JSON, base SQLite complète, "
                    "format du Gouvernement (SIG).",
    ))
    response.set_etag(etag.strip('"'))
    return response


@bp.route("/<table>.json")
def table_json(table: str):
    return _table(table, "json", tables.iter_table_json, "application/json")


@bp.route("/<table>.csv")
def table_csv(table: str):
    return _table(table, "csv", tables.iter_table_csv, "text/csv")


def _table(table: str, fmt: str, rows, mimetype: str):
    """Every row of a public table, streamed from one read transaction, with an ETag of the data version and
    the code (a 304 reads no row)."""
    if table not in export.PUBLIC_TABLES:
        abort(404)
    conn = _read_only()
    version = _version(conn)
    etag = validators.etag("table", table, fmt, version)
    if validators.matches(request, etag):
        conn.close()
        return validators.not_modified(etag)

    def generate():
        try:
            yield from rows(conn, table)
        finally:
            conn.close()

    response = Response(generate(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{table}.{fmt}"'
    response.set_etag(etag.strip('"'))
    return response


@bp.route("/pressroom.db")
def database():
    """The whole public database as one SQLite file, made once per data version (drafts and embargoes never in it)."""
    with _lock:
        try:
            path = tables.public_database_file(current_app.config["DATABASE"], _export_dir())
        except export.ExportError as exc:
            current_app.logger.error("%s", exc)
            abort(503)
    return send_file(path, mimetype="application/vnd.sqlite3", as_attachment=True, download_name="pressroom.db",
                     etag=path.stem, conditional=True, max_age=0)


@bp.route("/communiques-sig.jsonl")
def sig():
    """Every public release in the SIG press-release schema, made once per data version."""
    site = current_app.config["SITE"]
    directory = _export_dir()
    with _lock:
        conn = _read_only()
        try:
            version = _version(conn)
            options = sig_export.SigOptions(
                editor=site.publisher["name"], licence=site.licence["name"],
                title=f"Communiqués de presse — {site.title}", description=site.description or site.title,
                base_url=site.base_url)
            made_with = sig_export.sig_fingerprint(options)
            path = directory / f"communiques-sig-{version}-{made_with}.jsonl"
            if not path.exists():
                directory.mkdir(parents=True, exist_ok=True)
                earlier = sorted(directory.glob(f"communiques-sig-*-{made_with}.jsonl"), key=os.path.getmtime)
                reuse = sig_export.read_sig_documents(earlier[-1]) if earlier else {}
                work = path.with_suffix(".tmp")
                with work.open("w", encoding="utf-8") as out:
                    sig_export.write_sig(sqlite_utils.Database(conn), out, options, reuse)
                work.replace(path)
                for old in directory.glob("communiques-sig-*.jsonl"):
                    if old != path:
                        old.unlink(missing_ok=True)
        finally:
            conn.close()
    return send_file(path, mimetype="application/x-ndjson", as_attachment=True,
                     download_name="communiques-sig.jsonl", etag=path.stem, conditional=True, max_age=0)
