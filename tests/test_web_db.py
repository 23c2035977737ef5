"""The database of the web app: a read-only connection per request, closed at teardown, or the one a static
build injects; and reading the press room (every public URL, `feeds build`) writes nothing."""

import json
import re
import sqlite3
import subprocess
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from conftest import FEEDS_BIN, ROOT
from flask import g
from serving import Server, copy_db, free_port, site_file

from feeds import store
from feeds.export import PUBLIC_TABLES
from feeds.web import create_app
from feeds.web.db import data_state, get_db, get_source, read_only
from feeds.web.selection import Live, ReadOnce
from feeds.web.syndication import FeedCache

PARIS = ZoneInfo("Europe/Paris")
# Where a crawl finds the press room's links: pages, feeds and their archives, sitemaps, the OPML.
STARTS = ["/", "/robots.txt", "/sitemap.xml", "/sitemap-news.xml", "/feeds.opml", "/feed.atom", "/feed.rss",
          "/feed.json", "/donnees-ouvertes", "/search?q=r%C3%A9gion", "/data/", "/data/pressroom"]
LINK = re.compile(r'(?:href|src|xmlUrl|htmlUrl)="([^"]+)"|<loc>([^<]+)</loc>')


def links_of(url: str, body: bytes) -> list[str]:
    """The links of a page, a sitemap, an OPML or a feed (a JSON Feed's items and pages)."""
    if re.search(r"/feed(/\d+)?\.json$", urlsplit(url).path):
        feed = json.loads(body)
        found = [feed.get("home_page_url"), feed.get("next_url")] + [item["url"] for item in feed["items"]]
        return [link for link in found if link]
    found = [urljoin(url, unescape(a or b)) for a, b in LINK.findall(body.decode("utf-8", "replace"))]
    if url.endswith(".opml"):  # every feed it names (in Atom) in every format
        found += [link[:-len(".atom")] + f".{fmt}" for link in found if link.endswith(".atom") for fmt in ("rss", "json")]
    return found


def crawl(server) -> dict[str, int]:
    """Every public URL reachable from STARTS on the server, with its status. Datasette's pages are fetched
    where the press room links to them, and its tables, not crawled (their sort and facet links never end)."""
    todo = [server.url + path for path in STARTS]
    todo += [f"{server.url}/data/pressroom/{t}{suffix}" for t in PUBLIC_TABLES for suffix in ("", ".json",
                                                                                           ".csv?_stream=on")]
    seen: dict[str, int] = {}
    while todo:
        url = todo.pop().split("#")[0]
        # Not the press room's: the upload API, and pictures that source documents name relative to their own site.
        if url in seen or not url.startswith(server.url + "/") or urlsplit(url).path.startswith(("/api/", "/uploads/")):
            continue
        status, _, body = server.fetch(url[len(server.url):])
        seen[url] = status
        if status == 200 and not urlsplit(url).path.startswith("/data/") and len(seen) < 5000:
            todo += links_of(url, body)
    return seen


def on_disk(db: Path, observer: sqlite3.Connection) -> tuple:
    """What a write would change: SQLite's data version seen from another connection, the file and its WAL."""
    wal = Path(f"{db}-wal")
    return (observer.execute("PRAGMA data_version").fetchone()[0], db.read_bytes(),
            wal.read_bytes() if wal.exists() else None)


def test_reading_every_public_url_and_building_the_site_write_nothing(tmp_path, built_db, public_ids):
    db = copy_db(built_db, tmp_path / "pressroom.db")
    now = datetime.now(PARIS)
    release = store.get_record(store.connect(db), sorted(public_ids)[0])[0]
    release.id, release.title, release.embargo_until = "embargo-echu", "Sous embargo, échu", now - timedelta(hours=1)
    writer = store.connect(db)
    store.upsert(writer, release, now - timedelta(hours=2))  # due an hour ago, still waiting
    writer.conn.close()
    port = free_port()
    # Nothing publishes it: no scheduler (`feeds publish-due` would), and a reader must not.
    server = Server(db, site_file(tmp_path, base_url=f"http://127.0.0.1:{port}"), port, "--no-publish-due")
    observer = sqlite3.connect(store.read_only_uri(db), uri=True)
    try:
        before = on_disk(db, observer)
        seen = crawl(server)
        opml = re.findall(r'xmlUrl="([^"]+)\.atom"', server.fetch("/feeds.opml")[2].decode())
        assert on_disk(db, observer) == before
        built = subprocess.run([str(FEEDS_BIN), "build", str(tmp_path / "public"), "--db", str(db), "--base-url",
                                "http://press.test", "--workers", "1"], cwd=ROOT, capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        assert on_disk(db, observer) == before
    finally:
        server.stop()
        observer.close()
    assert {url: status for url, status in seen.items() if status != 200} == {}
    paths = {urlsplit(url).path for url in seen}
    assert {f"/releases/{i}" for i in public_ids} <= paths and "/releases/embargo-echu" not in paths
    assert {"/donnees-ouvertes/pressroom.db", "/donnees-ouvertes/communiques-sig.jsonl", "/feeds.opml",
            "/data/pressroom/communiques_par_mois"} <= paths
    assert len(opml) > 40 and {unescape(f"{feed}.{fmt}") for feed in opml for fmt in ("atom", "rss", "json")} <= set(seen)


def test_a_request_reads_through_one_read_only_connection_closed_at_teardown(app):
    with app.test_request_context("/"):
        db = get_db()
        assert get_db() is db and g.db is db
        assert data_state() == (store.data_version(db), g.db_file)
        assert isinstance(get_source(), Live) and get_source().db is db
        with pytest.raises(sqlite3.OperationalError, match="attempt to write a readonly database"):
            db.conn.execute("DELETE FROM _meta")
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        db.conn.execute("SELECT 1")


def test_the_injected_database_source_and_feed_cache_serve_every_request(built_db, site):
    fixed = read_only(built_db)
    source, cache = ReadOnce(fixed), FeedCache(size=0)
    app = create_app({"DATABASE": str(built_db), "SITE": site, "TESTING": True}, db=fixed, source=source,
                     feed_cache=cache)
    with app.test_request_context("/"):
        assert (get_db(), get_source(), app.kept.feed_cache) == (fixed, source, cache)
    live = create_app({"DATABASE": str(built_db), "SITE": site, "TESTING": True}).test_client()
    client = app.test_client()
    for path in ("/", "/feed.atom", "/sitemap.xml", "/topics/Numérique"):
        assert client.get(path).data == live.get(path).data, path
    assert fixed.conn.execute("SELECT 1").fetchone() == (1,)  # teardown left it open
    assert cache.items == {}  # size 0: nothing kept
    fixed.conn.close()
