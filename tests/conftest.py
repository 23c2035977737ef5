import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from feeds import store
from feeds.config import load_site
from feeds.ingest.files import ingest_files

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SEED = CORPUS / "seed" / "occitanie-2018-01-25-prix-mooc.txt"
RELEASES = ROOT / "data" / "releases"
FEEDS_BIN = Path(sys.executable).parent / "feeds"


@pytest.fixture(scope="session")
def site():
    s = load_site(ROOT / "data" / "site.toml")
    s.base_url = "http://press.test"
    return s


@pytest.fixture(scope="session")
def built_db(tmp_path_factory, site) -> Path:
    """The default press room (data/releases) ingested into a fresh database."""
    path = tmp_path_factory.mktemp("db") / "pressroom.db"
    db = store.connect(path)
    report = ingest_files(db, [RELEASES], site)
    assert report.rejected == []
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, for copies
    db.conn.close()
    return path


@pytest.fixture
def db_path(tmp_path, built_db) -> Path:
    """A private copy of the built database, for tests that write."""
    path = tmp_path / "pressroom.db"
    source, target = sqlite3.connect(built_db), sqlite3.connect(path)
    with source, target:
        source.backup(target)  # SQLite's own copy: consistent even if a reader has the file open
    source.close()
    target.close()
    return path


@pytest.fixture
def app(built_db, site):
    from feeds.web import create_app

    app = create_app({"DATABASE": str(built_db), "SITE": site, "TESTING": True})
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def synthetic_corpus(out: Path, n: int, seed: int) -> Path:
    """N synthetic releases in both source formats (scripts/gen_corpus.py, fixed seed) written into ``out``."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), str(out), "-n", str(n),
                    "--seed", str(seed)], check=True, capture_output=True)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, db: Path, port: int):
        self.db, self.port = db, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [str(FEEDS_BIN), "serve", "--db", str(db), "--port", str(port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    out = self.proc.stdout.read().decode() if self.proc.poll() is not None else ""
                    self.stop()
                    raise RuntimeError(f"server did not start: {out}") from None
                time.sleep(0.2)

    def get(self, path: str, headers: dict | None = None):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        return urllib.request.urlopen(req, timeout=30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """`feeds serve` as a user runs it, on a free port, over the default press room."""
    db = tmp_path_factory.mktemp("live") / "pressroom.db"
    subprocess.run([str(FEEDS_BIN), "ingest", str(RELEASES), "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)
    server = LiveServer(db, free_port())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def public_ids(site) -> set[str]:
    """Ids of the default press room's public releases, straight from the parsers (no database)."""
    from feeds.ingest import parse_bytes
    from feeds.ingest.files import context_for, iter_files, publisher_for, read_file

    now = now_paris()
    ids = set()
    for path, root in iter_files([RELEASES]):
        for release in parse_bytes(read_file(path, root), path.name, context_for(site, now, publisher_for(path, root))):
            if release.status == "published" and not (release.embargo_until and release.embargo_until > now):
                ids.add(release.id)
    return ids


def now_paris() -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Paris"))


needs = {tool: shutil.which(tool) for tool in ("jing", "newsboat", "chromium", "wrk")}
os.environ.setdefault("PYTHONUTF8", "1")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright, one for the whole run (each test module opens its own
    context). Playwright gives every launch a fresh temporary profile, so no --user-data-dir is passed."""
    from playwright.sync_api import sync_playwright

    if not needs["chromium"]:
        pytest.fail("chromium is missing: ./scripts/test installs it")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=needs["chromium"], headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (git-ignored): screenshots and other things a person may want to look at after a run."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
