#!/usr/bin/env python3
"""Benchmarks of the press room at several sizes, with peers measured in the same run.

For each size N: synthetic releases (scripts/gen_corpus.py, fixed seed) are ingested cold and again
unchanged; then `feeds serve` is loaded with wrk on a feed, a release page, search, Datasette's table page
and an FTS query, next to a trivial endpoint returning the same feed bytes from the same kind of server
(uvicorn), the practical ceiling for Python (a trivial gunicorn/Flask endpoint) and Datasette +
datasette-atom serving the same latest-50 feed from the same database. The whole report goes to
bench-work/bench.md (or --out); BENCHMARKS.md keeps the latest figure of each goal, with its command.

    .venv/bin/python scripts/bench.py --sizes 10000 100000 [--duration 10] [--out bench-work/bench.md]
    .venv/bin/python scripts/bench.py --sizes 1000000 --reuse --no-peers --out bench-work/bench-1000000.md

--reuse measures an already ingested bench-work/ingest-N.db (its true number of releases is reported)
instead of generating and ingesting N releases: at a million, ingest takes about an hour. Peers and the
static build are skipped above --peers-max and --static-max.

The work folder (bench-work/, git-ignored) keeps generated corpora, databases and the peers' venv.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from urllib.parse import quote
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WORK = ROOT / "bench-work"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.args}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url}")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


# Each request with a query string of its own: nothing comes from the server's cache.
UNCACHED_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&nocache=" .. counter .. "-" .. math.random(1000000000))
end
"""


def wrk(url: str, duration: int, connections: int = 32, uncached: bool = False) -> dict:
    script = []
    if uncached:
        lua = WORK / "uncached.lua"
        lua.write_text(UNCACHED_LUA)
        script = ["-s", str(lua)]
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency",
                          *script, url], capture_output=True, text=True, timeout=duration + 120).stdout

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m[1]) * {"us": 0.001, "ms": 1, "s": 1000}[m[2]]

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), "p50": ms("50"), "p99": ms("99"),
            "errors": (sum(map(int, errors.groups())) if errors else 0) + (int(non2xx[1]) if non2xx else 0)}


def paired(first: str, second: str, duration: int, rounds: int = 4) -> tuple[dict, dict]:
    """wrk on two URLs in turns, ``duration`` seconds each in all: this machine's speed drifts by a third
    from one minute to the next, and the ratio of the two is the figure that matters."""
    runs: tuple[list, list] = ([], [])
    for _ in range(rounds):
        for url, kept in zip((first, second), runs, strict=True):
            kept.append(wrk(url, max(duration // rounds, 2)))
    return tuple({"rps": statistics.mean(r["rps"] for r in kept), "p50": statistics.median(r["p50"] for r in kept),
                  "p99": statistics.median(r["p99"] for r in kept), "errors": sum(r["errors"] for r in kept)}
                 for kept in runs)


def single_ms(urls: list[str]) -> list[float]:
    """Times of one request at a time (the first URL fetched once before, to warm the connection)."""
    fetch(urls[0])
    times = []
    for url in urls:
        t = time.perf_counter()
        fetch(url)
        times.append((time.perf_counter() - t) * 1000)
    return times


SEARCH_WORDS = ["lycée", "transports", "carcassonne", "emploi", "culture", "agriculteurs", "festival", "port",
                "rénovation", "santé", "montpellier", "ferroviaire", "gratuité", "label", "innovantes", "mooc",
                "énergétique", "jeunes", "tourisme", "fonds"]
# Words found in (nearly) every release: the searches that must never rank or sort every row.
COMMON_WORDS = ["région", "projet", "occitanie", "territoire", "habitants"]


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024


class Server:
    def __init__(self, args: list[str], probe: str, cwd: Path = ROOT, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([a.replace("{port}", str(self.port)) for a in args], cwd=cwd,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, **(env or {})})
        wait_for(self.url + probe, self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


TRIVIAL_ASGI = '''
from pathlib import Path
BODY = Path(__file__).with_name("feed.atom").read_bytes()
HEADERS = [(b"content-type", b"application/atom+xml; charset=utf-8"), (b"content-length", str(len(BODY)).encode())]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
'''
TRIVIAL_FLASK = '''
from pathlib import Path
from flask import Flask, Response
BODY = Path(__file__).with_name("feed.atom").read_bytes()
app = Flask(__name__)
@app.route("/feed.atom")
def feed():
    return Response(BODY, content_type="application/atom+xml; charset=utf-8")
'''
DATASETTE_ATOM_METADATA = {
    "databases": {"pressroom": {"queries": {"latest": {"sql": textwrap.dedent("""\
        select 'urn:release:' || id as atom_id, title as atom_title, coalesce(updated, published) as atom_updated,
               '/releases/' || id as atom_link, body_html as atom_content_html
        from releases where status = 'published' order by published desc limit 50""")}}}},
}


def peers_venv() -> Path:
    """A separate venv for the peers, so their plugins never touch the product's Datasette."""
    venv = WORK / "peers-venv"
    if not (venv / "bin" / "datasette").exists() or not (venv / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "datasette>=0.65.3", "datasette-atom",
                        "gunicorn", "flask"], check=True)
    return venv


def ingest_rates(n: int, text_only: bool) -> dict:
    """Cold and unchanged ingest of N generated files, in process (no start-up time counted)."""
    sys.path.insert(0, str(ROOT))
    from feeds import store
    from feeds.config import load_site
    from feeds.ingest.files import ingest_files

    corpus = WORK / f"corpus-{n}{'-text' if text_only else ''}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), str(corpus), "-n", str(n),
                        "--seed", "1", *(["--text-only"] if text_only else [])], check=True, capture_output=True)
    db_path = WORK / f"ingest-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    site = load_site(ROOT / "data" / "site.toml")
    db = store.connect(db_path)
    t = time.perf_counter()
    cold = ingest_files(db, [corpus], site)
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    again = ingest_files(db, [corpus], site)
    again_s = time.perf_counter() - t
    db.conn.close()
    assert not cold.rejected and again.unchanged == n, (cold.summary(), again.summary())
    return {"corpus": corpus, "db": db_path, "cold_rate": n / cold_s, "cold_s": cold_s,
            "unchanged_rate": n / again_s, "unchanged_s": again_s,
            "db_mb": db_path.stat().st_size / 1e6}


def cold_feed_build_ms(db_path: Path) -> float:
    """The first /feed.atom of a fresh app (nothing cached), median of several fresh apps."""
    from feeds.config import load_site
    from feeds.web import create_app

    site = load_site(ROOT / "data" / "site.toml", "http://127.0.0.1:8000")
    times = []
    for _ in range(7):
        client = create_app({"DATABASE": str(db_path), "SITE": site}).test_client()
        client.get("/robots.txt")  # connection and app warm, feed cache cold
        t = time.perf_counter()
        response = client.get("/feed.atom")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


def reused_db(n: int, db_path: Path | None = None) -> dict:
    """An ingested database kept from an earlier run (no ingest measured), with its true size."""
    import sqlite3

    db_path = db_path or WORK / f"ingest-{n}.db"
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    releases = conn.execute("SELECT count(*) FROM releases WHERE status = 'published'").fetchone()[0]
    conn.close()
    return {"db": db_path, "releases": releases, "db_mb": db_path.stat().st_size / 1e6}


def touch_everything(url: str, release_id: str) -> None:
    """What a day of readers and crawlers asks: feeds, pages, search, the Datasette table page, sitemaps."""
    paths = ["/", "/page/2", f"/releases/{release_id}", "/feed.atom", "/feed.rss", "/feed.json",
             "/feed/2.atom", "/feeds.opml", "/search?q=transports", "/search?q=r%C3%A9gion&page=3",
             "/data/pressroom/releases", "/data/pressroom/releases.json?_search=lyc%C3%A9e",
             "/sitemap.xml", "/sitemap-news.xml", "/robots.txt", "/donnees-ouvertes"]
    index = fetch(url + "/sitemap.xml").decode()
    chunks = [re.sub(r"^https?://[^/]+", "", loc) for loc in re.findall(r"<loc>([^<]+sitemap-\d+\.xml)</loc>", index)]
    paths += chunks[:2] + chunks[-1:] if len(chunks) > 3 else chunks  # 50 000 URLs each: the first two, the last
    for path in paths:
        try:
            fetch(url + path)
        except OSError as exc:
            print(f"  {path}: {exc}", flush=True)


def bench_size(n: int, duration: int, peers: Path | None, static_max: int, reuse: bool = False,
               peers_max: int = 100_000, db: Path | None = None) -> dict:
    print(f"== {n} releases", flush=True)
    result = {"n": n}
    if reuse:
        rates = reused_db(n, db)
        result.update(releases=rates["releases"], db_mb=rates["db_mb"])
    else:
        rates = ingest_rates(n, text_only=False)
        result.update({k: v for k, v in rates.items() if k not in ("corpus", "db")})
    db_path = rates["db"]
    result["cold_feed_ms"] = cold_feed_build_ms(db_path)

    server = Server([str(VENV_BIN / "feeds"), "serve", "--db", str(db_path), "--port", "{port}"], "/feed.atom")
    trivial = None
    try:
        feed = fetch(server.url + "/feed.atom")
        (WORK / "feed.atom").write_bytes(feed)
        (WORK / "trivial_asgi.py").write_text(TRIVIAL_ASGI)
        trivial = Server([str(VENV_BIN / "uvicorn"), "trivial_asgi:app", "--port", "{port}", "--log-level",
                          "warning"], "/", cwd=WORK)
        release_id = json.loads(fetch(server.url + "/data/pressroom/releases.json?_shape=array&_col=id&_size=1"
                                      "&_sort_desc=published"))[0]["id"]
        urls = {
            "feed.atom (cached)": "/feed.atom",
            "release page (cached)": f"/releases/{release_id}",
            "search ?q=lycée (uncached)": "/search?q=lyc%C3%A9e",
            "Datasette releases table": "/data/pressroom/releases",
            "Datasette FTS ?_search=": "/data/pressroom/releases.json?_search=transports",
        }
        uncached = {"search ?q=lycée (uncached)", "Datasette releases table", "Datasette FTS ?_search="}
        # The cached feed and the trivial endpoint in turns, on the same machine at the same minutes.
        feed_rate, trivial_rate = paired(server.url + "/feed.atom", trivial.url + "/", duration)
        result["wrk"] = {label: feed_rate if label == "feed.atom (cached)" else
                         wrk(server.url + path + ("" if "?" in path else "?x=1") if label in uncached
                             else server.url + path, duration, uncached=label in uncached)
                         for label, path in urls.items()}
        result["wrk"]["trivial uvicorn, same bytes"] = trivial_rate
        result["median_ms"] = {label: statistics.median(single_ms([server.url + path] * 15))
                               for label, path in urls.items() if label not in uncached}
        # Search and Datasette: every request a different query, so none is answered from a cache.
        search = single_ms([f"{server.url}/search?q={quote(w)}" for w in SEARCH_WORDS])
        common = single_ms([f"{server.url}/search?q={quote(w)}" for w in COMMON_WORDS])
        fts = single_ms([f"{server.url}/data/pressroom/releases.json?_search={quote(w)}" for w in SEARCH_WORDS])
        fts_common = single_ms([f"{server.url}/data/pressroom/releases.json?_search={quote(w)}"
                                for w in COMMON_WORDS])
        table = single_ms([f"{server.url}/data/pressroom/releases?_x={i}" for i in range(20)])
        print(f"  search p50 {statistics.median(search):.1f} p95 {p95(search):.1f}, common words max "
              f"{max(common):.1f}; Datasette FTS p50 {statistics.median(fts):.1f} p95 {p95(fts):.1f}, common max "
              f"{max(fts_common):.1f}; table p50 {statistics.median(table):.1f} ms", flush=True)
        result.update(search_common_max_ms=max(common), search_common_median_ms=statistics.median(common),
                      fts_common_max_ms=max(fts_common), fts_common_median_ms=statistics.median(fts_common),
                      table_p95_ms=p95(table))
        result["median_ms"]["search ?q=lycée (uncached)"] = statistics.median(search)
        result["median_ms"]["Datasette FTS ?_search="] = statistics.median(fts)
        result["median_ms"]["Datasette releases table"] = statistics.median(table)
        result["search_p95_ms"] = p95(search)
        result["fts_p95_ms"] = p95(fts)
        touch_everything(server.url, release_id)
        result["server_peak_mb"] = peak_rss_mb(server.proc.pid)
    finally:
        server.stop()
        if trivial:
            trivial.stop()
    if peers and n <= peers_max:
        (WORK / "trivial_flask.py").write_text(TRIVIAL_FLASK)
        gunicorn = Server([str(peers / "bin" / "gunicorn"), "-w", "2", "-b", "127.0.0.1:{port}", "trivial_flask:app"],
                          "/feed.atom", cwd=WORK)
        try:
            result["wrk"]["trivial gunicorn/Flask, same bytes"] = wrk(gunicorn.url + "/feed.atom", duration)
        finally:
            gunicorn.stop()
        metadata = WORK / "datasette-atom.json"
        metadata.write_text(json.dumps(DATASETTE_ATOM_METADATA))
        copy = WORK / "pressroom.db"
        shutil.copy(db_path, copy)
        peer = Server([str(peers / "bin" / "datasette"), "serve", str(copy), "--metadata", str(metadata),
                       "--port", "{port}", "--setting", "sql_time_limit_ms", "20000"], "/pressroom/latest.atom")
        try:
            result["wrk"]["Datasette + datasette-atom"] = wrk(peer.url + "/pressroom/latest.atom", duration)
        finally:
            peer.stop()

    if n <= static_max and not reuse:
        # Into a new folder, the earlier build removed after: right after thousands of deletions, ext4 is slow
        # to create files (see scripts/bench_static.py).
        out = WORK / f"site-{n}"
        earlier = out.with_name(f"{out.name}-{time.time_ns()}")
        if out.exists():
            out.rename(earlier)
        t = time.perf_counter()
        subprocess.run([str(VENV_BIN / "feeds"), "build", str(out), "--db", str(db_path), "--base-url",
                        "http://127.0.0.1:8000"], check=True, capture_output=True)
        result["static_full_s"] = time.perf_counter() - t
        result["static_files"] = sum(1 for p in out.rglob("*") if p.is_file())
        shutil.rmtree(earlier, ignore_errors=True)
    return result


def markdown(results: list[dict], args, started: datetime) -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    lines = [
        "# Benchmarks", "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({cpu}), "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, Python "
        f"{platform.python_version()}, with:", "",
        "```sh", f".venv/bin/python scripts/bench.py --sizes {' '.join(map(str, args.sizes))} "
        f"--duration {args.duration}" + " --reuse" * args.reuse + " --no-peers" * args.no_peers
        + (f" --db {args.db}" if args.db else ""), "```", "",
        "wrk: 2 threads, 32 connections, the duration above per URL, on 127.0.0.1. The machine is shared and its "
        "speed drifts from one minute to the next: the cached feed and the trivial endpoint are measured in turns "
        "(four rounds each, the same duration in all), and their ratio is the figure that matters.", "",
    ]
    for r in results:
        lines += [f"## {r['n']:,} releases".replace(",", " "), "",
                  "| measure | value |", "|---|---|"]
        if "cold_rate" in r:
            lines += [f"| ingest, cold | {r['cold_rate']:.0f} releases/s ({r['cold_s']:.1f} s) |",
                      f"| ingest, unchanged | {r['unchanged_rate']:.0f} releases/s ({r['unchanged_s']:.2f} s) |"]
        else:
            lines.append(f"| public releases in the reused database | {r['releases']:,} |".replace(",", " "))
        lines += [f"| database size | {r['db_mb']:.0f} MB |",
                  f"| cold feed build (/feed.atom, 50 entries) | {r['cold_feed_ms']:.1f} ms |",
                  f"| server peak memory (VmHWM) | {r['server_peak_mb']:.0f} MB |"]
        if "static_full_s" in r:
            lines.append(f"| static build, full | {r['static_full_s']:.1f} s ({r['static_files']} files) |")
        lines += [f"| search, 20 different words one at a time | p50 {r['median_ms']['search ?q=lycée (uncached)']:.1f} ms,"
                  f" p95 {r['search_p95_ms']:.1f} ms |",
                  f"| Datasette FTS, 20 different words | p50 {r['median_ms']['Datasette FTS ?_search=']:.1f} ms, "
                  f"p95 {r['fts_p95_ms']:.1f} ms |"]
        if "search_common_max_ms" in r:
            lines += [f"| search, {len(COMMON_WORDS)} words found in nearly every release | median "
                      f"{r['search_common_median_ms']:.1f} ms, max {r['search_common_max_ms']:.1f} ms |",
                      f"| Datasette FTS, the same {len(COMMON_WORDS)} words | median {r['fts_common_median_ms']:.1f} ms, "
                      f"max {r['fts_common_max_ms']:.1f} ms |",
                      f"| Datasette releases table page, 20 requests | p50 "
                      f"{r['median_ms']['Datasette releases table']:.1f} ms, p95 {r['table_p95_ms']:.1f} ms |"]
        lines += ["", "| URL | req/s | p50 ms | p99 ms | errors | median of single requests, ms |",
                  "|---|---|---|---|---|---|"]
        for label, w in r["wrk"].items():
            single = r["median_ms"].get(label)
            lines.append(f"| {label} | {w['rps']:.0f} | {w['p50']:.1f} | {w['p99']:.1f} | {w['errors']} | "
                         f"{'' if single is None else f'{single:.1f}'} |")
        wrk_ = r["wrk"]
        ratio = wrk_["feed.atom (cached)"]["rps"] / wrk_["trivial uvicorn, same bytes"]["rps"]
        lines += ["", "(uncached): every request carries a query string of its own (wrk Lua script), so none is "
                  "served from the server's cache; the median column uses 20 different search words."]
        lines += ["", f"- cached feed / trivial uvicorn endpoint: **{ratio:.0%}** (goal ≥ 80%)"]
        if "Datasette + datasette-atom" in wrk_:
            peer = wrk_["Datasette + datasette-atom"]["rps"]
            lines.append(f"- cached feed / Datasette + datasette-atom: **{wrk_['feed.atom (cached)']['rps'] / peer:.0f}×**"
                         " (goal ≥ 100×)")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    parser.add_argument("--no-peers", action="store_true", help="skip Datasette + datasette-atom and gunicorn")
    parser.add_argument("--out", type=Path, default=WORK / "bench.md")
    parser.add_argument("--static-max", type=int, default=10_000, help="build the static site up to this size")
    parser.add_argument("--peers-max", type=int, default=100_000, help="measure the peers up to this size")
    parser.add_argument("--reuse", action="store_true",
                        help="measure bench-work/ingest-N.db as it is: no corpus, no ingest, no static build")
    parser.add_argument("--db", type=Path, help="with --reuse and one size: this database instead")
    args = parser.parse_args()
    if args.db and not (args.reuse and len(args.sizes) == 1):
        parser.error("--db goes with --reuse and one size")
    WORK.mkdir(exist_ok=True)
    started = datetime.utcnow()
    peers = None if args.no_peers or min(args.sizes) > args.peers_max else peers_venv()
    # The ingest goal is about the seed's format: measured separately on 10,000 text releases.
    seed_rates = None if args.reuse else ingest_rates(10_000, text_only=True)
    results = [bench_size(n, args.duration, peers, args.static_max, args.reuse, args.peers_max, args.db)
               for n in args.sizes]
    text = markdown(results, args, started)
    if seed_rates:
        text = text.replace("\n## ", "\n## Ingest of 10 000 seed-format releases\n\n"
                            f"- cold: **{seed_rates['cold_rate']:.0f} releases/s** (goal ≥ 500)\n"
                            f"- unchanged: **{seed_rates['unchanged_rate']:.0f} releases/s** (goal ≥ 10 000)\n\n## ", 1)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
