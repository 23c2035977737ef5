"""The static export's build (feeds/static/build.py): every URL the app names, as files; incremental rebuilds
that ask the app what changed."""

import gc
import html
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import FEEDS_BIN, ROOT, now_paris
from newrelease import add_release

from feeds import store
from feeds.config import load_site
from feeds.ingest.files import ingest_files
from feeds.static import BuildError
from feeds.static.build import build
from feeds.static.manifest import MANIFEST, read_manifest

BASE = "http://127.0.0.1:8080"


@pytest.mark.parametrize("base_url", ["", "127.0.0.1:8080", "http://127.0.0.1:8080/salle"])
def test_a_base_url_must_be_an_origin(db_path, tmp_path, base_url):
    site = load_site(ROOT / "data" / "site.toml", base_url)
    with pytest.raises(BuildError):
        build(db_path, tmp_path / "out", site, workers=1)


@pytest.fixture
def public_site():
    return load_site(ROOT / "data" / "site.toml", BASE)


def manifest(out: Path) -> dict[str, dict]:
    return read_manifest(out)


def test_the_build_holds_every_public_document_and_nothing_private(db_path, tmp_path, public_site, public_ids):
    out = tmp_path / "out"
    report = build(db_path, out, public_site, datasette_url="http://127.0.0.1:8001/data", workers=1)
    pages = manifest(out)
    release_urls = {u for u in pages if u.startswith("/releases/")}
    assert release_urls == {f"/releases/{i}" for i in public_ids}
    for url in ["/", "/robots.txt", "/sitemap.xml", "/sitemap-news.xml", "/feeds.opml", "/feed.atom", "/feed.rss",
                "/feed.json", "/search", "/donnees-ouvertes", "/donnees-ouvertes/pressroom.db",
                "/donnees-ouvertes/releases.json", "/donnees-ouvertes/releases.csv",
                "/donnees-ouvertes/communiques-sig.jsonl", "/static/style.css"]:
        assert pages[url]["status"] == 200, url
        assert (out / pages[url]["file"]).is_file(), url
    assert not [url for url in pages if url.startswith("/data/") or "?" in url]  # Datasette stays live
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


LINK = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)')""")
# Where the site's links may lead without a file: the upload API, searches, Datasette's live pages.
LIVE = ("/api/", "/search?", "/data/")


def site_links(body: str, current: str) -> set[str]:
    """Every link of an HTML page, a feed or an OPML that stays on the site (path and query)."""
    found = {a or b for a, b in LINK.findall(body)}
    found |= set(re.findall(re.escape(BASE) + r"""/[^\s"<>{}\\]*""", body.replace("\\u0027", "'")))
    links = set()
    for raw in found:
        url = html.unescape(raw)
        if url.startswith(BASE + "/"):
            url = url[len(BASE):]
        elif "://" in url or url.startswith(("mailto:", "tel:", "data:", "#", "//")):
            continue
        url = urljoin(current, url).split("#", 1)[0]
        if not url.startswith(LIVE):
            links.add(url)
    return links


def test_every_link_of_the_built_site_leads_to_a_built_file(db_path, tmp_path, public_site):
    """The app names its URLs (feeds.web.urls) and the build asks for those: every link of every page, feed and
    OPML that stays on the site is one of them, but for those a release's own text holds (a relative picture of
    its source), which lead nowhere on the live site either."""
    from feeds.web import create_app

    out = tmp_path / "out"
    report = build(db_path, out, public_site, workers=1)
    assert report.broken == []
    pages = manifest(out)
    client = create_app({"DATABASE": str(db_path), "SITE": public_site, "TESTING": True}).test_client()
    checked, nowhere = set(), set()
    for page in pages.values():
        if page["status"] == 200 and page["content_type"].startswith(
                ("text/html", "application/atom", "text/x-opml", "application/rss", "text/plain")):
            body = (out / page["file"]).read_text(encoding="utf-8")
            for link in site_links(body, urlsplit(page["url"]).path):
                link = link.replace("&amp;", "&")
                if link not in pages:
                    assert client.get(link).status_code == 404, link
                    nowhere.add(link)
                checked.add(link)
    bodies = store.connect(db_path).conn.execute("SELECT group_concat(body_html, ' ') FROM releases").fetchone()[0]
    assert nowhere and nowhere <= site_links(bodies, "/releases/")
    assert len(checked) > 150 and {"/releases/occitanie-2018-01-25-prix-mooc-72047a4d", "/sitemap.xml",
                                   "/donnees-ouvertes/releases.csv"} <= checked


def test_a_rebuild_writes_only_what_changed(db_path, tmp_path, public_site):
    out = tmp_path / "out"
    thresholds = gc.get_threshold()
    first = build(db_path, out, public_site, workers=1)
    assert gc.get_threshold() == thresholds  # the build's own are put back
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != MANIFEST}
    again = build(db_path, out, public_site, workers=1)
    assert again.written == [] and again.removed == []
    assert again.rendered < first.rendered  # release pages of unchanged revisions are not rendered again
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes

    # A file deleted from the output is written again, with the same bytes.
    page = out / "releases" / "occitanie-2018-01-25-prix-mooc-72047a4d.html"
    before = page.read_bytes()
    page.unlink()
    repaired = build(db_path, out, public_site, workers=1)
    assert repaired.written == ["releases/occitanie-2018-01-25-prix-mooc-72047a4d.html"]
    assert page.read_bytes() == before

    new_id = add_release(db_path, tmp_path / "new", public_site, now_paris() - timedelta(hours=1))
    third = build(db_path, out, public_site, workers=1)
    assert f"releases/{new_id}.html" in third.written
    assert {"index.html", "feed.atom", "feed.rss", "feed.json", "sitemap.xml"} <= set(third.written)
    assert "releases/occitanie-2018-01-25-prix-mooc-72047a4d.html" not in third.written

    # A withdrawn release leaves its page for a 410 tombstone and the feeds.
    store.withdraw(store.connect(db_path), new_id, "Publié par erreur", now_paris())
    fourth = build(db_path, out, public_site, workers=1)
    assert fourth.gone == [f"/releases/{new_id}"]
    assert f"releases/{new_id}.html" in fourth.removed
    assert (out / "_gone" / "releases" / f"{new_id}.html").is_file()
    assert new_id not in (out / "feed.atom").read_text(encoding="utf-8")
    assert f"/releases/{new_id}  /_gone/releases/{new_id}.html  410\n" in (out / "_redirects").read_text()


def test_skipping_downloads_leaves_the_open_data_section_as_it_was(db_path, tmp_path, public_site):
    out = tmp_path / "out"
    build(db_path, out, public_site, workers=1)
    data_files = [p for p in out.rglob("*") if p.is_file() and ("donnees-ouvertes" in p.parts or "data" in p.parts)]
    assert len(data_files) > 10
    before = {p: p.read_bytes() for p in data_files}

    new_id = add_release(db_path, tmp_path / "new", public_site, now_paris() - timedelta(hours=1))
    quick = build(db_path, out, public_site, workers=1, downloads=False)
    assert {f"releases/{new_id}.html", "index.html", "feed.atom", "sitemap.xml"} <= set(quick.written)
    assert [f for f in quick.written if "donnees-ouvertes" in f or "/data/" in f] == []
    assert {p: p.read_bytes() for p in data_files} == before

    refreshed = build(db_path, out, public_site, workers=1)
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
    first = build(db, out, public_site, workers=2)
    add_release(db, tmp_path / "new", public_site, now_paris() - timedelta(minutes=5))
    second = build(db, out, public_site, workers=2)
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
    build(db, alone, public_site, workers=1)
    report = build(db, shared, public_site, workers=3)
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
