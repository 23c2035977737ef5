#!/usr/bin/env python3
"""Benchmark of the open data at scale: N synthetic releases (deterministic) written through store.upsert_many,
served by the real `feeds serve`, then the median time of Datasette's releases table page and its neighbours.

    .venv/bin/python scripts/bench_datasette.py                # 100,000 releases, 30 requests per URL
    .venv/bin/python scripts/bench_datasette.py --releases 20000 --requests 10

The database is kept in --work (default bench-work/, git-ignored) and reused when it already holds N releases.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feeds import store  # noqa: E402
from feeds.model import Contact, Quote, Release, Source  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
PLACES = ["Toulouse", "Montpellier", "Paris", "Lyon", "Marseille", "Nîmes", "Perpignan", "Béziers", "Albi", "Rodez",
          "Tarbes", "Auch", "Cahors", "Foix", "Mende", "Carcassonne", "Castres", "Narbonne", "Sète", "Millau"]
TOPICS = ["Transports", "Éducation", "Santé", "Culture", "Sport", "Numérique", "Agriculture", "Environnement",
          "Économie", "Emploi", "Tourisme", "Jeunesse", "Logement", "Énergie", "Mer", "Montagne", "Recherche",
          "Formation", "Solidarité", "Sécurité", "Eau", "Forêt", "Industrie", "Innovation", "Europe", "Mobilité",
          "Handicap", "Égalité", "Patrimoine", "Alimentation"]
WORDS = ("région collectivité territoire projet citoyens démarche innovante plébiscitée annonce millions euros "
         "lycées transports développement durable partenaires habitants services publics investissement "
         "économie emploi formation jeunesse culture santé numérique").split()


def synthetic(n: int, seed: int = 42):
    """N releases, always the same for the same (n, seed)."""
    rng = random.Random(seed)
    publishers = [f"Émetteur {i:02d}" for i in range(12)]
    people = [f"Personne {i:03d}" for i in range(200)]
    start = datetime(2015, 1, 1, 9, 0, tzinfo=PARIS)
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(220)]
        paragraphs = [" ".join(words[k:k + 55]).capitalize() + "." for k in range(0, 220, 55)]
        place = rng.choice(PLACES + [None])
        if place:  # the dateline, so that searching a town finds a share of the releases, not all of them
            paragraphs[0] = f"{place}, {paragraphs[0]}"
        title = " ".join(rng.choice(WORDS) for _ in range(9)).capitalize()
        published = start + timedelta(minutes=55 * i + rng.randrange(50))
        release = Release(
            id=f"bench-{i:06d}", title=title, published=published,
            source=Source(f"bench-{i:06d}.txt", hashlib.sha256(f"{seed}-{i}".encode()).hexdigest(), "text"),
            kind=rng.choice(["communique"] * 8 + ["dossier", "invitation"]),
            publisher=rng.choice(publishers), standfirst=paragraphs[0][:200],
            place=place,
            body_html="".join(f"<p>{p}</p>" for p in paragraphs), body_text="\n\n".join(paragraphs),
            summary=paragraphs[0][:300], topics=rng.sample(TOPICS, rng.randint(1, 3)),
            quotes=[Quote(paragraphs[1][:180], rng.choice(people), "présidente")],
            contacts=[Contact(f"Contact {i % 50}", "Service presse", f"presse{i % 50}@example.org",
                              ["+33561000000"])],
        )
        yield release


def build(db_path: Path, n: int) -> None:
    db = store.connect(db_path)
    have = db["releases"].count
    if have == n:
        print(f"{db_path}: {n} releases already there")
        return
    if have:
        raise SystemExit(f"{db_path} holds {have} releases, not {n}: remove it first")
    now = datetime(2026, 1, 1, tzinfo=PARIS)
    began = time.perf_counter()
    batch = []
    for release in synthetic(n):
        batch.append(release)
        if len(batch) == 2000:
            store.upsert_many(db, batch, now)
            batch = []
    if batch:
        store.upsert_many(db, batch, now)
    db.conn.execute("ANALYZE")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"{n} releases written in {time.perf_counter() - began:.0f} s ({db_path.stat().st_size / 1e6:.0f} MB)")
    db.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(url: str, n: int) -> list[float]:
    urllib.request.urlopen(url, timeout=120).read()  # warm-up: caches, first connection, introspection
    times = []
    for _ in range(n):
        began = time.perf_counter()
        body = urllib.request.urlopen(url, timeout=120).read()
        times.append((time.perf_counter() - began) * 1000)
        assert body
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db_path = args.work / f"datasette-{args.releases}.db"
    build(db_path, args.releases)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(Path(sys.executable).parent / "feeds"), "serve", "--db", str(db_path),
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/data/", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)
        urls = {
            "releases table page (HTML, default facets)": "/data/pressroom/releases",
            "releases table page, place=Toulouse": "/data/pressroom/releases?place=Toulouse",
            "releases search (_search=carcassonne)": "/data/pressroom/releases?_search=carcassonne",
            "releases.json (50 rows)": "/data/pressroom/releases.json",
            "Données ouvertes page (chart)": "/donnees-ouvertes",
        }
        print(f"{args.releases} releases, {args.requests} requests per URL after one warm-up (ms)")
        print(f"{'URL':<48} {'median':>8} {'p90':>8} {'min':>8}")
        for label, path in urls.items():
            times = sorted(timed(base + path, args.requests))
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            print(f"{label:<48} {statistics.median(times):8.1f} {p90:8.1f} {times[0]:8.1f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
