#!/usr/bin/env python3
"""Feed benchmarks: a cold build at 100,000 releases, and cached feeds against a trivial endpoint (wrk).

    .venv/bin/python scripts/bench_feeds.py [--releases 100000] [--duration 10]

The trivial endpoint is a Flask route added here, in the same app on the same uvicorn server, that returns
the very bytes of /feed.atom: the difference is what serving a feed from cache costs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feeds import store  # noqa: E402
from feeds.config import load_site  # noqa: E402
from feeds.model import Release, Source  # noqa: E402
from feeds.web.syndication import build_document  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
BODY = "<p>" + "La Région annonce un nouveau dispositif pour les territoires. " * 20 + "</p>"


def make_db(path: Path, n: int) -> None:
    db = store.connect(path)
    start = datetime(2015, 1, 1, 9, 0, tzinfo=PARIS)
    topics = ["Numérique", "Transports", "Santé", "Éducation", "Culture"]
    batch = []
    for i in range(n):
        batch.append(Release(
            id=f"bench-{i:06d}", title=f"Communiqué numéro {i}", published=start + timedelta(hours=i),
            source=Source(f"{i}.md", f"{i:064x}", "frontmatter"), publisher="Région Occitanie / Pyrénées-Méditerranée",
            summary="Un communiqué de test.", body_html=BODY, topics=[topics[i % 5]], place="Toulouse",
        ))
        if len(batch) == 5000:
            store.upsert_many(db, batch, datetime.now(PARIS))
            batch = []
    if batch:
        store.upsert_many(db, batch, datetime.now(PARIS))


def cold_builds(path: Path, site, runs: int = 20) -> dict[str, float]:
    """Milliseconds per build of the newest feed_size releases, each on a fresh connection (no feed cache)."""
    from feeds.web import create_app

    app = create_app({"DATABASE": str(path), "SITE": site})
    results = {}
    for label, fmt, selection in (("atom", "atom", ()), ("rss", "rss", ()), ("json", "json", ()),
                                  ("atom topic", "atom", (("topic", "Santé"),))):
        times = []
        for _ in range(runs):
            db = store.connect(path, create=False)
            with app.test_request_context("/"):
                t = time.perf_counter()
                build_document(db, site, fmt, selection, None, site.base_url)
                times.append((time.perf_counter() - t) * 1000)
            db.conn.close()
        results[label] = statistics.median(times)
    return results


def wrk(url: str, duration: int) -> float:
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{duration}s", url], capture_output=True, text=True,
                         check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])


def serve_and_measure(path: Path, site, duration: int) -> dict[str, float]:
    import socket

    import uvicorn
    from flask import Response

    from feeds.server import create_asgi

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site.base_url = f"http://127.0.0.1:{port}"
    app = create_asgi(path, site)
    feed = {}

    def same_bytes():
        return Response(feed["body"], headers={"Content-Type": "application/atom+xml; charset=utf-8"})

    app.flask_app.add_url_rule("/bench-same-bytes", "bench_same_bytes", same_bytes)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    feed["body"] = urllib.request.urlopen(site.base_url + "/feed.atom").read()
    results = {"trivial": wrk(site.base_url + "/bench-same-bytes", duration),
               "feed": wrk(site.base_url + "/feed.atom", duration)}
    server.should_exit = True
    thread.join(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    site = load_site(ROOT / "data" / "site.toml", "http://127.0.0.1:8000")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        make_db(path, args.releases)
        print(f"database: {args.releases} releases in {time.perf_counter() - t:.0f} s")
        for label, ms in cold_builds(path, site).items():
            print(f"cold build, {label}: {ms:.1f} ms (median of 20, {site.feed_size} entries)")
        rates = serve_and_measure(path, site, args.duration)
        print(f"wrk -t2 -c32 -d{args.duration}s: trivial endpoint {rates['trivial']:.0f} req/s, "
              f"/feed.atom from cache {rates['feed']:.0f} req/s ({rates['feed'] / rates['trivial']:.0%})")


if __name__ == "__main__":
    main()
