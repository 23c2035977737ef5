"""``feeds build --watch`` (feeds/static/watch.py): one process building again whenever the data changes."""

import re
import select
import shutil
import signal
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FEEDS_BIN, ROOT, now_paris
from newrelease import add_release, new_release
from test_static_build import BASE, _beside, manifest

from feeds import store
from feeds.config import load_site
from feeds.static.build import build
from feeds.static.manifest import MANIFEST
from feeds.static.watch import watch


@pytest.fixture
def public_site():
    return load_site(ROOT / "data" / "site.toml", BASE)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


class Watching:
    """``watch`` in a thread, looking at the database every 50 ms: its reports and errors."""

    def __init__(self, db_path: Path, out: Path, site, workers: int = 1):
        self.reports, self.errors, self.stop = [], [], threading.Event()
        self.thread = threading.Thread(target=watch, args=(db_path, out, site, 0.05),
                                       kwargs={"stop": self.stop, "on_report": self.reports.append,
                                               "on_error": self.errors.append, "workers": workers})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()

    def wait_for(self, reports: int, errors: int = 0) -> None:
        deadline = time.monotonic() + 120
        while (len(self.reports) < reports or len(self.errors) < errors) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (len(self.reports), len(self.errors)) == (reports, errors), self.errors


@pytest.mark.parametrize("workers", [1, 2])
def test_watch_builds_again_when_the_data_changes(db_path, tmp_path, public_site, workers):
    """One process for every build (with two workers, one pool kept for all, each worker reading the data again
    for each build): what it writes after a new release is what a new process would write, and a manifest
    changed behind its back is read again rather than trusted."""
    out = tmp_path / "out"
    with Watching(db_path, out, public_site, workers) as watching:
        watching.wait_for(1)
        time.sleep(0.3)  # nothing changed: nothing built
        watching.wait_for(1)
        new_id = add_release(db_path, tmp_path / "new", public_site, now_paris() - timedelta(hours=1))
        watching.wait_for(2)
    first, second = watching.reports
    assert {f"releases/{new_id}.html", "index.html", "feed.atom", "sitemap.xml"} <= set(second.written)
    assert second.rendered < first.rendered / 4
    assert new_id in (out / "feed.atom").read_text(encoding="utf-8")

    cold = tmp_path / "cold"
    build(db_path, cold, public_site, workers=1)
    assert _files(out) == _files(cold)

    # The manifest written by another process (here: none at all) is not the one this process remembers.
    (out / MANIFEST).unlink()
    again = build(db_path, out, public_site, workers=1)
    assert again.rendered >= again.files
    assert _files(out) == _files(cold)


def test_watch_builds_again_for_a_new_database_file_at_the_same_version(db_path, tmp_path, public_site):
    """A database made again from scratch counts its versions from 1 again: the file, not only the version."""
    out = tmp_path / "out"
    with Watching(db_path, out, public_site) as watching:
        watching.wait_for(1)
        shutil.copy(db_path, tmp_path / "again.db")
        (tmp_path / "again.db").replace(db_path)
        watching.wait_for(2)
    assert watching.reports[1].written == [] and watching.reports[1].files == watching.reports[0].files


def test_watch_reports_a_failed_build_and_builds_after_the_next_change(db_path, tmp_path, public_site):
    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    with Watching(db_path, out, public_site) as watching:
        watching.wait_for(0, errors=1)
        assert str(watching.errors[0]).startswith(f"dossier de sortie impossible à créer : {out} (")
        time.sleep(0.3)  # the data did not change: no second try
        watching.wait_for(0, errors=1)
        out.unlink()
        new_id = add_release(db_path, tmp_path / "new", public_site, now_paris() - timedelta(hours=1))
        watching.wait_for(1, errors=1)
    assert new_id in (out / "feed.atom").read_text(encoding="utf-8")
    assert watching.reports[0].files == len(manifest(out))


def test_cli_build_watch_follows_the_ingests(db_path, tmp_path):
    out = tmp_path / "site"
    proc = subprocess.Popen([str(FEEDS_BIN), "build", str(out), "--db", str(db_path), "--base-url", BASE,
                             "--workers", "1", "--skip-downloads", "--watch", "--interval", "0.1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []

    def next_line() -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                return proc.stdout.readline()
        raise AssertionError(f"no build reported: {proc.stderr.read() if proc.poll() is not None else ''}")

    try:
        lines.append(next_line())
        new_release(tmp_path / "new", now_paris() - timedelta(hours=1))
        ingested = subprocess.run([str(FEEDS_BIN), "ingest", str(tmp_path / "new"), "--db", str(db_path)],
                                  cwd=ROOT, capture_output=True, text=True)
        assert ingested.returncode == 0, ingested.stderr
        lines.append(next_line())
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0
    assert _beside(db_path) == [db_path.name, f"{db_path.name}-exports"]  # connections closed: no WAL left
    files = len(manifest(out))
    first = re.fullmatch(r"\d\d:\d\d:\d\d (\d+) fichiers, (\d+) écrits, 0 supprimés, \d+ documents rendus en .* s\n",
                         lines[0])
    assert first and int(first[1]) == int(first[2]) - 3 == files - 1
    assert re.fullmatch(rf"\d\d:\d\d:\d\d {files} fichiers, \d+ écrits, 0 supprimés, \d+ documents rendus en .* s\n",
                        lines[1])
    new_id = store.connect(db_path).conn.execute(
        "SELECT id FROM releases WHERE source_name LIKE '%nouvelle-annonce%'").fetchone()[0]
    page = (out / "releases" / f"{new_id}.html").read_text(encoding="utf-8")
    assert "Une nouvelle annonce (nouvelle-annonce)" in page


def test_cli_build_watch_reports_an_error_once_while_it_lasts(tmp_path):
    proc = subprocess.Popen([str(FEEDS_BIN), "build", str(tmp_path / "site"), "--db", str(tmp_path / "none.db"),
                             "--base-url", BASE, "--watch", "--interval", "0.1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # about thirty looks at the database
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == ""
    assert err == (f"Surveillance de {tmp_path / 'none.db'} (Ctrl-C pour arrêter)\n"
                   f"error: base de données introuvable : {tmp_path / 'none.db'}\n")
