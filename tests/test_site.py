"""The static export (feeds/site.py): URLs as files, discovery from the app, incremental rebuilds."""

import gc
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FEEDS_BIN, ROOT, now_paris

from feeds import site as static
from feeds import store
from feeds.config import load_site
from feeds.ingest.files import ingest_files

BASE = "http://127.0.0.1:8080"


@pytest.mark.parametrize("url, content_type, status, expected", [
    ("/", "text/html; charset=utf-8", 200, "index.html"),
    ("/releases/abc-123", "text/html; charset=utf-8", 200, "releases/abc-123.html"),
    ("/releases/v1.2", "text/html; charset=utf-8", 200, "releases/v1.2.html"),
    ("/releases/abc-123", "text/html; charset=utf-8", 410, "_gone/releases/abc-123.html"),
    ("/feed.atom", "application/atom+xml; charset=utf-8", 200, "feed.atom"),
    ("/sitemap.xml", "application/xml; charset=utf-8", 200, "sitemap.xml"),
    ("/donnees-ouvertes", "text/html; charset=utf-8", 200, "donnees-ouvertes.html"),
    ("/donnees-ouvertes/releases.json", "application/json", 200, "donnees-ouvertes/releases.json"),
    ("/page/2", "text/html; charset=utf-8", 200, "page/2.html"),
    ("/topics/%C3%89conomie/page/2", "text/html; charset=utf-8", 200, "topics/Économie/page/2.html"),
    ("/publishers/R%C3%A9gion%20Occitanie%20/%20Pyr%C3%A9n%C3%A9es", "text/html; charset=utf-8", 200,
     "publishers/Région Occitanie / Pyrénées.html"),
    ("/publishers/R%C3%A9gion%20Occitanie%20/%20Pyr%C3%A9n%C3%A9es/feed.rss", "application/rss+xml; charset=utf-8",
     200, "publishers/Région Occitanie / Pyrénées/feed.rss"),
    ("/topics/%C3%89conomie/feed/2.atom", "application/atom+xml; charset=utf-8", 200, "topics/Économie/feed/2.atom"),
    ("/feed/2.atom?publisher=R%C3%A9gion%20%2F%20X&kind=communique", "application/atom+xml; charset=utf-8", 200,
     "_q/publisher=R%C3%A9gion%20%2F%20X&kind=communique/feed/2.atom"),
])
def test_urls_become_the_files_try_files_finds(url, content_type, status, expected):
    assert static.file_for(url, content_type, status) == expected


@pytest.mark.parametrize("url", ["/topics/../x", "/feed.atom?x=/../../etc/passwd"])
def test_urls_that_cannot_be_files_are_refused(url):
    with pytest.raises(static.BuildError):
        static.file_for(url, "text/html")


def test_links_are_found_in_pages_feeds_and_json_ld():
    page = (b'<a href="/releases/a">a</a> <a href="https://elsewhere.example/x">x</a> <a href="#top">top</a>'
            b'<a href="/publishers/Minist%C3%A8re%20de%20l&#39;Int%C3%A9rieur">p</a> <a href="/api/releases">api</a>'
            b'<a href="/search?q=mooc">s</a> <a href="/data/pressroom/releases">browse</a>'
            b'<a href="/data/pressroom/topics.csv?_stream=on&amp;_size=max">csv</a> <img src="logo.svg">'
            b'<script type="application/ld+json">{"url": "http://127.0.0.1:8080/people/Jean%20d\\u0027Arc",'
            b' "target": "http://127.0.0.1:8080/search?q={search_term_string}"}</script>')
    assert static.links_of(page, "text/html; charset=utf-8", "/releases/b", BASE) == [
        "/data/pressroom/topics.csv?_stream=on&_size=max",
        "/people/Jean%20d'Arc",
        "/publishers/Minist%C3%A8re%20de%20l'Int%C3%A9rieur",
        "/releases/a",
        "/releases/logo.svg",
    ]
    feed = b'<feed><link rel="prev-archive" href="http://127.0.0.1:8080/topics/Num%C3%A9rique/feed/3.atom"/></feed>'
    assert static.links_of(feed, "application/atom+xml", "/topics/Num%C3%A9rique/feed.atom", BASE) == [
        "/topics/Num%C3%A9rique/feed/3.atom", "/topics/Num%C3%A9rique/feed/3.json", "/topics/Num%C3%A9rique/feed/3.rss"]
    assert static.links_of(b"Sitemap: http://127.0.0.1:8080/sitemap.xml\n", "text/plain", "/robots.txt",
                           BASE) == ["/sitemap.xml"]
    assert static.links_of(b'{"url": "http://127.0.0.1:8080/x"}', "application/json", "/t.json", BASE) == []


@pytest.mark.parametrize("base_url", ["", "127.0.0.1:8080", "http://127.0.0.1:8080/salle"])
def test_a_base_url_must_be_an_origin(db_path, tmp_path, base_url):
    site = load_site(ROOT / "data" / "site.toml", base_url)
    with pytest.raises(static.BuildError):
        static.build(db_path, tmp_path / "out", site, workers=1)


def new_release(folder: Path, when: datetime, slug: str = "nouvelle-annonce") -> Path:
    """A release of the DINUM press room as its Markdown arrives, dated ``when``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fr-dinum-{when:%Y-%m-%d}-{slug}.md"
    path.write_text(
        "---\n"
        f"title: 'Une nouvelle annonce ({slug})'\n"
        f"date: {when:%Y-%m-%d %H:%M:%S} +01:00\n"
        "categories:\n- Communiqué de presse\n"
        "tags:\n- Numérique\n"
        "chapeau-text: 'La direction interministérielle du numérique annonce une nouveauté.'\n"
        "---\n"
        "La DINUM présente aujourd'hui un nouveau service pour les agents publics.\n\n"
        "Contact presse : presse@numerique.gouv.fr\n",
        encoding="utf-8",
    )
    (folder / "_publisher.toml").write_text(
        'name = "Direction interministérielle du numérique (DINUM)"\nurl = "https://www.numerique.gouv.fr"\n',
        encoding="utf-8")
    return path


def add_release(db: Path, folder: Path, site, when: datetime, slug: str = "nouvelle-annonce") -> str:
    new_release(folder, when, slug)
    report = ingest_files(store.connect(db), [folder], site)
    assert report.rejected == [] and report.new == 1, report.summary()
    return store.connect(db).conn.execute("SELECT id FROM releases WHERE source_name LIKE ?",
                                          (f"%{slug}%",)).fetchone()[0]


@pytest.fixture
def db_path(tmp_path, built_db) -> Path:
    """A private copy of the built database made with SQLite's backup (what is still in the WAL comes along)."""
    import sqlite3

    path = tmp_path / "pressroom.db"
    source, target = sqlite3.connect(built_db), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return path


@pytest.fixture
def public_site():
    return load_site(ROOT / "data" / "site.toml", BASE)


def manifest(out: Path) -> dict[str, dict]:
    return static.read_manifest(out)


def test_the_build_holds_every_public_document_and_nothing_private(db_path, tmp_path, public_site, public_ids):
    out = tmp_path / "out"
    report = static.build(db_path, out, public_site, datasette_url="http://127.0.0.1:8001/data", workers=1)
    pages = manifest(out)
    release_urls = {u for u in pages if u.startswith("/releases/")}
    assert release_urls == {f"/releases/{i}" for i in public_ids}
    for url in ["/", "/robots.txt", "/sitemap.xml", "/sitemap-news.xml", "/feeds.opml", "/feed.atom", "/feed.rss",
                "/feed.json", "/search", "/donnees-ouvertes", "/donnees-ouvertes/pressroom.db",
                "/donnees-ouvertes/releases.json", "/donnees-ouvertes/communiques-sig.jsonl",
                "/data/pressroom/releases.csv?_stream=on&_size=max", "/static/style.css"]:
        assert pages[url]["status"] == 200, url
        assert (out / pages[url]["file"]).is_file(), url
    # Every feed of the OPML, in its three formats, is a file.
    opml = (out / "feeds.opml").read_text(encoding="utf-8")
    atom_feeds = [u.removeprefix(public_site.base_url) for u in re.findall(r'xmlUrl="([^"]*)"', opml)]
    assert len(atom_feeds) > 10 and atom_feeds[0] == "/feed.atom"
    assert all(u.endswith("/feed.atom") and "?" not in u for u in atom_feeds)  # each a file, no query to map
    for url in atom_feeds:
        assert url in pages
        for fmt in ("rss", "json"):
            assert url.replace(".atom", "." + fmt) in pages
    assert (out / "404.html").read_text(encoding="utf-8").count("<html") == 1
    assert report.files == len({p["file"] for p in pages.values()})
    assert set(report.written) == {p["file"] for p in pages.values()} | {"nginx.conf.snippet", "_headers",
                                                                           "_redirects"}
    # The SQLite file holds only the public tables.
    import sqlite3

    conn = sqlite3.connect(out / "donnees-ouvertes" / "pressroom.db")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert not tables & set(store.PRIVATE_TABLES)
    # Drafts (UNPUBLISHED in the corpus) are nowhere.
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".atom", ".rss", ".json", ".xml", ".opml"):
            assert "UNPUBLISHED" not in path.read_text(encoding="utf-8", errors="replace"), path
    snippet = (out / "nginx.conf.snippet").read_text(encoding="utf-8")
    assert "try_files $static_query$uri $static_query$uri.html $static_query$uri/index.html @missing;" in snippet
    assert "return 302 http://127.0.0.1:8001/data/pressroom/releases?_search=$arg_q;" in snippet
    redirects = (out / "_redirects").read_text(encoding="utf-8")
    assert redirects == ("/search  q=:q  http://127.0.0.1:8001/data/pressroom/releases?_search=:q  302\n"
                         "/data/*  http://127.0.0.1:8001/data/:splat  302\n")
    headers = (out / "_headers").read_text(encoding="utf-8")
    assert headers.startswith("/*\n  Content-Security-Policy: default-src 'self';")
    assert "/feed.json\n  Content-Type: application/feed+json; charset=utf-8\n" not in headers  # the usual type
    assert "/donnees-ouvertes/pressroom.db\n  Content-Type: application/vnd.sqlite3\n" in headers


def test_a_rebuild_writes_only_what_changed(db_path, tmp_path, public_site):
    out = tmp_path / "out"
    thresholds = gc.get_threshold()
    first = static.build(db_path, out, public_site, workers=1)
    assert gc.get_threshold() == thresholds  # the build's own are put back
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != static.MANIFEST}
    again = static.build(db_path, out, public_site, workers=1)
    assert again.written == [] and again.removed == []
    assert again.rendered < first.rendered  # release pages of unchanged revisions are not rendered again
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes

    # A file deleted from the output is written again, with the same bytes.
    page = out / "releases" / "occitanie-2018-01-25-prix-mooc-72047a4d.html"
    before = page.read_bytes()
    page.unlink()
    repaired = static.build(db_path, out, public_site, workers=1)
    assert repaired.written == ["releases/occitanie-2018-01-25-prix-mooc-72047a4d.html"]
    assert page.read_bytes() == before

    new_id = add_release(db_path, tmp_path / "new", public_site, now_paris() - timedelta(hours=1))
    third = static.build(db_path, out, public_site, workers=1)
    assert f"releases/{new_id}.html" in third.written
    assert {"index.html", "feed.atom", "feed.rss", "feed.json", "sitemap.xml"} <= set(third.written)
    assert "releases/occitanie-2018-01-25-prix-mooc-72047a4d.html" not in third.written

    # A withdrawn release leaves its page for a 410 tombstone and the feeds.
    store.withdraw(store.connect(db_path), new_id, "Publié par erreur", now_paris())
    fourth = static.build(db_path, out, public_site, workers=1)
    assert fourth.gone == [f"/releases/{new_id}"]
    assert f"releases/{new_id}.html" in fourth.removed
    assert (out / "_gone" / "releases" / f"{new_id}.html").is_file()
    assert new_id not in (out / "feed.atom").read_text(encoding="utf-8")
    assert f"/releases/{new_id}  /_gone/releases/{new_id}.html  410\n" in (out / "_redirects").read_text()


def test_skipping_downloads_leaves_the_open_data_section_as_it_was(db_path, tmp_path, public_site):
    out = tmp_path / "out"
    static.build(db_path, out, public_site, workers=1)
    data_files = [p for p in out.rglob("*") if p.is_file() and ("donnees-ouvertes" in p.parts or "data" in p.parts)]
    assert len(data_files) > 10
    before = {p: p.read_bytes() for p in data_files}

    new_id = add_release(db_path, tmp_path / "new", public_site, now_paris() - timedelta(hours=1))
    quick = static.build(db_path, out, public_site, workers=1, downloads=False)
    assert {f"releases/{new_id}.html", "index.html", "feed.atom", "sitemap.xml"} <= set(quick.written)
    assert [f for f in quick.written if "donnees-ouvertes" in f or "/data/" in f] == []
    assert {p: p.read_bytes() for p in data_files} == before

    refreshed = static.build(db_path, out, public_site, workers=1)
    assert {"donnees-ouvertes.html", "donnees-ouvertes/releases.json"} <= set(refreshed.written)
    assert new_id in (out / "donnees-ouvertes" / "releases.json").read_text(encoding="utf-8")
    assert f"releases/{new_id}.html" not in refreshed.written


def test_a_new_release_rewrites_at_most_a_tenth_of_the_files(tmp_path, public_site):
    """The acceptance measure on a press room of 600 releases: one more, newest first, changes ≤ 10 %."""
    corpus, db = tmp_path / "corpus", tmp_path / "pressroom.db"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), str(corpus), "-n", "600",
                    "--seed", "3"], check=True, capture_output=True)
    assert ingest_files(store.connect(db), [corpus], public_site).rejected == []
    out = tmp_path / "out"
    first = static.build(db, out, public_site, workers=2)
    add_release(db, tmp_path / "new", public_site, now_paris() - timedelta(minutes=5))
    second = static.build(db, out, public_site, workers=2)
    changed = second.changed / first.files
    print(f"{first.files} files, {second.changed} rewritten after one new release ({changed:.1%}), "
          f"{second.rendered} rendered")
    assert 0 < second.changed <= 0.10 * first.files
    assert second.rendered <= 0.10 * first.files  # unchanged documents are not even rendered


def test_workers_and_this_process_build_what_one_process_builds(tmp_path, public_site):
    """With a pool (its workers start from the downloads, this process takes chunks back from the end once its
    feeds are done), every file is the one a build in a single process writes."""
    corpus, db = tmp_path / "corpus", tmp_path / "pressroom.db"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), str(corpus), "-n", "500",
                    "--seed", "4"], check=True, capture_output=True)
    assert ingest_files(store.connect(db), [corpus], public_site).rejected == []
    alone, shared = tmp_path / "alone", tmp_path / "shared"
    static.build(db, alone, public_site, workers=1)
    report = static.build(db, shared, public_site, workers=3)
    files = sorted(str(p.relative_to(alone)) for p in alone.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(shared)) for p in shared.rglob("*") if p.is_file())
    assert report.files > 800 and not report.broken
    assert all((alone / name).read_bytes() == (shared / name).read_bytes() for name in files)


def _beside(db_path: Path) -> list[str]:
    """The database's file and what SQLite or the press room keep beside it."""
    return sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(db_path.name))


def test_cli_build_prints_its_summary(db_path, tmp_path):
    out = tmp_path / "site"
    result = subprocess.run([str(FEEDS_BIN), "build", str(out), "--db", str(db_path), "--base-url", BASE,
                             "--workers", "1"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    files = len(manifest(out))
    assert result.stdout.startswith(f"{files} fichiers, {files + 3} écrits, 0 supprimés, ")
    again = subprocess.run([str(FEEDS_BIN), "build", str(out), "--db", str(db_path), "--base-url", BASE,
                            "--workers", "1"], cwd=ROOT, capture_output=True, text=True)
    assert again.stdout.startswith(f"{files} fichiers, 0 écrits, 0 supprimés, ")
    assert _beside(db_path) == [db_path.name, f"{db_path.name}-exports"]  # connections closed: no WAL left
    bad = subprocess.run([str(FEEDS_BIN), "build", str(out), "--db", str(tmp_path / "none.db"), "--base-url", BASE],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "base de données introuvable" in bad.stderr


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


class Watching:
    """``static.watch`` in a thread, looking at the database every 50 ms: its reports and errors."""

    def __init__(self, db_path: Path, out: Path, site):
        self.reports, self.errors, self.stop = [], [], threading.Event()
        self.thread = threading.Thread(target=static.watch, args=(db_path, out, site, 0.05),
                                       kwargs={"stop": self.stop, "on_report": self.reports.append,
                                               "on_error": self.errors.append, "workers": 1})

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


def test_watch_builds_again_when_the_data_changes(db_path, tmp_path, public_site):
    """One process for every build: what it writes after a new release is what a new process would write, and a
    manifest changed behind its back is read again rather than trusted."""
    out = tmp_path / "out"
    with Watching(db_path, out, public_site) as watching:
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
    static.build(db_path, cold, public_site, workers=1)
    assert _files(out) == _files(cold)

    # The manifest written by another process (here: none at all) is not the one this process remembers.
    (out / static.MANIFEST).unlink()
    again = static.build(db_path, out, public_site, workers=1)
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
