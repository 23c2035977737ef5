#!/usr/bin/env python3
"""Static export benchmark: `feeds build` full and incremental, against Hugo building the same releases.

    .venv/bin/python scripts/bench_static.py --releases 10000 [--work DIR] [--workers 2] [--no-hugo] [--rounds 3]

The corpus is scripts/gen_corpus.py's (kept in WORK between runs, with its database). Measured: a full build
into an empty folder; a rebuild with nothing changed; every page and feed rendered again with only the
downloads on disk (what Hugo builds); after one new release (the newest), pages and feeds alone
(--skip-downloads), then the downloads; both at once for another new release; five more new releases, each
rebuilt by one watching process (`feeds build --watch`). Hugo (Debian package `hugo`) builds the same public
releases as pages with RSS, with a taxonomy for each facet of ours (topic, publisher, place, person quoted,
kind), once from scratch and once after the same new release (its command renders everything again); then
`hugo --watch`, which keeps the site in memory, rebuilds after each of five new releases.

Each `feeds build` runs as a user runs it, a command in a new process: its wall time counts the start of
Python and the imports; the time the build itself reports is given beside it. Wall time and CPU time (user
+ system, children included) are printed as a Markdown table for BENCHMARKS.md.

Both tools build into folders never written before, and nothing is deleted while builds are measured:
earlier outputs are moved aside (WORK/.trash) and removed at the end, written to disk (sync). Within a
minute of thousands of files being deleted (six while the deletion is not yet on disk), ext4 takes 0.4-0.8 ms
of system time to create each new file: its inode allocator checks every recently freed inode it passes
(`recently_deleted` in `perf`). So the benchmark starts with a minute's pause after a sync, and would
otherwise measure its own clean-up, or an earlier run's, rather than either tool. Each build starts after a
sync too, so that neither tool's time counts the writing back of the other's files.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feeds import store  # noqa: E402
from feeds.config import load_site  # noqa: E402
from feeds.ingest.files import ingest_files  # noqa: E402
from feeds.static.manifest import MANIFEST, read_manifest  # noqa: E402

BASE = "http://127.0.0.1:8080"
OPEN_DATA = ("/data/", "/donnees-ouvertes")  # the URLs of the open data section: its page and its downloads
NEW_RELEASE = """---
title: 'Une nouvelle annonce du jour'
date: {date} +01:00
categories:
- Communiqué de presse
tags:
- Numérique
chapeau-text: 'La direction interministérielle du numérique annonce une nouveauté.'
---
La DINUM présente aujourd'hui un nouveau service pour les agents publics.
"""


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Trash:
    """Folders moved out of the way (a rename deletes nothing), removed once everything is measured."""

    def __init__(self, work: Path):
        self.folder = work / ".trash"

    def set_aside(self, path: Path) -> Path | None:
        if not path.exists():
            return None
        self.folder.mkdir(exist_ok=True)
        target = self.folder / f"{path.name}-{time.time_ns()}"
        path.rename(target)
        return target

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        os.sync()


def timed(fn):
    """Wall and CPU time of ``fn``, started with nothing left to write to disk: the kernel writes a build's
    files in the background (from 30 s after), and our gigabyte written back during Hugo's build, or Hugo's
    files during ours, would count in the other tool's time."""
    os.sync()
    wall, used = time.perf_counter(), cpu()
    result = fn()
    return result, time.perf_counter() - wall, cpu() - used


def corpus(work: Path, n: int, site) -> Path:
    db = work / f"pressroom-{n}.db"
    if not db.exists():
        source = work / f"corpus-{n}"
        if not source.exists():
            subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), str(source), "-n", str(n),
                            "--seed", "1"], check=True)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        ingest_files(store.connect(partial), [source], site)
        partial.rename(db)
    return db


def add_release(db: Path, folder: Path, site) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    when = datetime.now(ZoneInfo("Europe/Paris")) - timedelta(minutes=1)
    (folder / f"fr-dinum-{when:%Y-%m-%d-%H%M%S}-annonce.md").write_text(
        NEW_RELEASE.format(date=when.strftime("%Y-%m-%d %H:%M:%S")), encoding="utf-8")
    ingest_files(store.connect(db), [folder], site)


# ---------------------------------------------------------------- Hugo

HUGO_CONFIG = """baseURL = "{base}/"
languageCode = "fr"
title = "Salle de presse"
disableKinds = ["404"]
[taxonomies]
  tag = "tags"
  publisher = "publishers"
  place = "places"
  person = "people"
  kind = "kinds"
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML", "RSS"]
  taxonomy = ["HTML", "RSS"]
  term = ["HTML", "RSS"]
[pagination]
  pagerSize = 20
[markup.goldmark.renderer]
  unsafe = true
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
                            '{{ range .AlternativeOutputFormats }}<link rel="{{ .Rel }}" type="{{ .MediaType.Type }}" '
                            'href="{{ .Permalink }}">{{ end }}</head><body>{{ block "main" . }}{{ end }}</body></html>',
    "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date }}</time>'
                            '<script type="application/ld+json">{{ dict "@type" "NewsArticle" "headline" .Title '
                            '"datePublished" .Date "url" .Permalink | jsonify | safeJS }}</script>'
                            '{{ .Content }}{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">'
                            '{{ . }}</a>{{ end }}</article>{{ end }}',
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}'
                          '{{ range $p.Pages }}<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>'
                          '<p>{{ .Summary }}</p>{{ end }}{{ with $p.Next }}<a href="{{ .URL }}">suivante</a>{{ end }}'
                          '{{ end }}',
}


def hugo_site(db: Path, folder: Path, trash: Trash) -> None:
    """The public releases as Hugo content: front matter (title, date, and as taxonomies the facets our build
    has pages and feeds for: topics, publisher, place, people quoted, kind) and the HTML body."""
    trash.set_aside(folder)
    (folder / "content" / "releases").mkdir(parents=True)
    (folder / "hugo.toml").write_text(HUGO_CONFIG.format(base=BASE), encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (folder / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "layouts" / name).write_text(text, encoding="utf-8")
    for release in store.iter_public(store.connect(db)):
        front = {"title": release.title, "date": release.published.isoformat() if release.published else None,
                 "tags": release.topics, "publishers": [release.publisher] if release.publisher else [],
                 "places": [release.place] if release.place else [],
                 "people": sorted({q.speaker for q in release.quotes if q.speaker}), "kinds": [release.kind],
                 "slug": release.id}
        (folder / "content" / "releases" / f"{release.id}.md").write_text(
            json.dumps(front, ensure_ascii=False) + "\n\n" + (release.body_html or ""), encoding="utf-8")


def hugo_build(folder: Path) -> None:
    subprocess.run(["hugo", "--quiet", "--source", str(folder), "--destination", str(folder / "public")], check=True)


def hugo_watched(folder: Path, releases: int = 5) -> list[tuple[float, int, float]]:
    """``hugo --watch`` (Hugo's own incremental rebuild): for each new release written as content, (wall time
    from writing it to the end of the last rebuild it caused, how many rebuilds, Hugo's "Total in" times)."""
    watching = Watching(["hugo", "--watch", "--source", str(folder), "--destination", str(folder / "public")])
    found = []
    try:
        watching.until("Watching for changes")
        for n in range(releases):
            time.sleep(1)
            front = {"title": f"Une nouvelle annonce {n}", "date": datetime.now(ZoneInfo("Europe/Paris")).isoformat(),
                     "tags": ["Numérique"], "publishers": ["Direction interministérielle du numérique (DINUM)"],
                     "places": [], "people": [], "kinds": ["communique"], "slug": f"nouvelle-annonce-{n}"}
            (folder / "content" / "releases" / f"nouvelle-annonce-{n}.md").write_text(
                json.dumps(front, ensure_ascii=False) + "\n\n<p>La DINUM présente un nouveau service.</p>\n",
                encoding="utf-8")
            written = time.perf_counter()
            lines = watching.settled("Total in")
            totals = sum(int(re.search(r"Total in (\d+) ms", line)[1]) for _, line in lines) / 1000
            found.append((lines[-1][0] - written, len(lines), totals))
    finally:
        watching.stop()
    return found


def hugo_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder / "public"))


# What `feeds build` prints: "15512 fichiers, 15515 écrits, 0 supprimés, 15510 documents rendus en 32.10 s".
SUMMARY = re.compile(r"(\d+) fichiers, (\d+) écrits, (\d+) supprimés, (\d+) documents rendus en ([\d.]+) s")


@dataclass
class Built:
    files: int
    changed: int
    rendered: int
    seconds: float


class Watching:
    """A command that keeps running (``--watch``): the lines it prints, each with the time it arrived."""

    def __init__(self, command: list[str]):
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put((time.perf_counter(), line))

    def until(self, text: str, timeout: float = 600) -> tuple[float, str]:
        """The next line holding ``text``."""
        while True:
            at, line = self.lines.get(timeout=timeout)
            if text in line:
                return at, line

    def settled(self, text: str, quiet: float = 3.0) -> list[tuple[float, str]]:
        """Every line holding ``text`` until the command has printed nothing for ``quiet`` seconds: a change
        may cause more than one rebuild, and the last one ends the work."""
        found = [self.until(text)]
        while True:
            try:
                at, line = self.lines.get(timeout=quiet)
            except queue.Empty:
                return found
            if text in line:
                found.append((at, line))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(60)


def watched(out: Path, db: Path, args, site, releases: int = 5) -> list[tuple[float, int, Built]]:
    """``feeds build --watch``, one process building again after each new release: for each, (wall time from
    the end of its ingest to the end of the last build it caused, how many builds, that build)."""
    watching = Watching([str(ROOT / ".venv" / "bin" / "feeds"), "build", str(out), "--db", str(db), "--base-url",
                         BASE, *(["--workers", str(args.workers)] if args.workers else []), "--skip-downloads",
                         "--watch", "--interval", "0.1"])
    found = []
    try:
        watching.until("fichiers,")  # its first build: nothing changed
        for _ in range(releases):
            time.sleep(1)
            add_release(db, args.work / "new", site)
            ingested = time.perf_counter()
            lines = watching.settled("fichiers,")
            files, written, removed, rendered, seconds = SUMMARY.search(lines[-1][1]).groups()
            found.append((lines[-1][0] - ingested, len(lines),
                          Built(int(files), int(written) + int(removed), int(rendered), float(seconds))))
    finally:
        watching.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=10000)
    parser.add_argument("--work", type=Path, default=ROOT / ".bench-static")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="full builds of both tools in turns, after the table (the machine's speed drifts)")
    args = parser.parse_args()
    args.work = args.work.resolve()  # Hugo reads a relative --destination from its --source
    args.work.mkdir(parents=True, exist_ok=True)
    site = load_site(None, BASE)
    source = corpus(args.work, args.releases, site)
    db = args.work / "bench.db"
    shutil.copy(source, db)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.rmtree(str(db) + "-exports", ignore_errors=True)  # the server's exports (SIG, SQLite): none yet
    shutil.rmtree(args.work / "new", ignore_errors=True)  # the new releases of an earlier run
    out = args.work / "site"
    trash = Trash(args.work)
    trash.empty()  # what an interrupted run left
    trash.set_aside(out)
    time.sleep(61)  # see above: no deletion in the last minute
    public = store.count(store.connect(db))
    rows, turns = [], []

    def build(*flags: str) -> Built:
        """``feeds build`` as a user runs it: a new process, its start and imports counted."""
        command = [str(ROOT / ".venv" / "bin" / "feeds"), "build", str(out), "--db", str(db), "--base-url", BASE,
                   *(["--workers", str(args.workers)] if args.workers else []), *flags]
        printed = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        files, written, removed, rendered, seconds = SUMMARY.search(printed).groups()
        return Built(int(files), int(written) + int(removed), int(rendered), float(seconds))

    full, wall, used = timed(build)
    rows.append(("feeds build, full", wall, used, full.files, full.changed, full.seconds))
    same, wall, used = timed(build)
    rows.append(("feeds build, nothing changed", wall, used, same.files, same.changed, same.seconds))
    # What Hugo builds (pages and feeds): a new folder with only the downloads and the manifest of the last
    # build (hard links), so that all the rest is rendered and written again.
    downloads = [page["file"] for page in read_manifest(out).values()
                 if page["url"].startswith(OPEN_DATA)]
    earlier = trash.set_aside(out)
    for name in [*downloads, MANIFEST]:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        os.link(earlier / name, out / name)
    pages, wall, used = timed(lambda: build("--skip-downloads"))
    rows.append(("feeds build --skip-downloads, every page and feed (the downloads only on disk)", wall, used,
                 pages.files, pages.changed, pages.seconds))
    add_release(db, args.work / "new", site)
    one, wall, used = timed(lambda: build("--skip-downloads"))
    rows.append(("feeds build --skip-downloads, one new release", wall, used, one.files, one.changed, one.seconds))
    data, wall, used = timed(build)
    rows.append(("feeds build, then the downloads of that release", wall, used, data.files, data.changed,
                 data.seconds))
    add_release(db, args.work / "new", site)
    both, wall, used = timed(build)
    rows.append(("feeds build, one more new release, downloads included", wall, used, both.files, both.changed,
                 both.seconds))
    warm = watched(out, db, args, site)
    rows.append((f"feeds build --watch --skip-downloads, one new release (median of {len(warm)}; wall: from the "
                 "ingest's end to the build's end)", statistics.median(w for w, _, _ in warm), None,
                 warm[-1][2].files, warm[-1][2].changed, statistics.median(b.seconds for _, _, b in warm)))

    hugo_warm: list[tuple[float, int, float]] = []
    if not args.no_hugo and shutil.which("hugo"):
        folder = args.work / "hugo"
        for name, releases in (("hugo, full", source), ("hugo, one new release (rebuilds all)", db)):
            hugo_site(releases, folder, trash)
            _, wall, used = timed(lambda: hugo_build(folder))
            files = hugo_files(folder)
            rows.append((name, wall, used, files, files, None))
        hugo_warm = hugo_watched(folder)
        rows.append((f"hugo --watch, one new release (median of {len(hugo_warm)}; wall: from writing it to the end "
                     "of its last rebuild; Hugo's own times beside it)", statistics.median(w for w, _, _ in hugo_warm),
                     None, hugo_files(folder), None, statistics.median(t for _, _, t in hugo_warm)))
        # Both full builds again, one after the other, each into a new folder and from no exports (as the
        # first row): the ratio of each pair, measured in the same minute.
        for _ in range(args.rounds):
            trash.set_aside(out)
            trash.set_aside(Path(str(db) + "-exports"))
            _, ours, _ = timed(build)
            trash.set_aside(folder / "public")
            _, theirs, _ = timed(lambda: hugo_build(folder))
            turns.append((ours, theirs))
    trash.empty()

    print(f"\n{public} public releases, {os.cpu_count()} CPUs, workers={args.workers or os.cpu_count()}\n")
    print("| build | command, wall (s) | CPU (s) | the build itself (s) | files | files written | files/s (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, wall, used, files, written, seconds in rows:
        itself = f"{seconds:.2f}" if seconds is not None else ""
        cpu = f"{used:.2f}" if used is not None else ""
        print(f"| {name} | {wall:.2f} | {cpu} | {itself} | {files} | {written if written is not None else ''} | "
              f"{files / wall:.0f} |")
    print("\nEach new release in feeds build --watch: " + ", ".join(
        f"{b.seconds:.2f} s in {n} build(s), {w:.2f} s after the ingest" for w, n, b in warm))
    if hugo_warm:
        print("Each new release in hugo --watch: " + ", ".join(
            f"{t:.2f} s in {n} rebuild(s), {w:.2f} s after writing it" for w, n, t in hugo_warm))
    hugo = {name: wall for name, wall, *_ in rows}.get("hugo, full")
    if hugo:
        print(f"\nFull build / Hugo's: {rows[0][1] / hugo:.1f}x with the downloads, {rows[2][1] / hugo:.1f}x for the "
              "pages and feeds alone.")
    if turns:
        print("\n| in turns | feeds build, full (s) | hugo, full (s) | ratio |\n|---|---:|---:|---:|")
        for i, (ours, theirs) in enumerate(turns, 1):
            print(f"| {i} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f}x |")
        print(f"\nMedian ratio in turns: {statistics.median(o / t for o, t in turns):.2f}x")
    print(f"\nOne new release rewrote {one.changed} of {one.files} files ({one.changed / one.files:.1%}) without "
          f"the downloads, {both.changed} ({both.changed / both.files:.1%}) with them; rendered {one.rendered} "
          f"and {both.rendered} documents.")


if __name__ == "__main__":
    main()
