"""The static export's web server files (feeds/static/webserver.py): the build served by real nginx with its own
snippet, the same feeds and the same pages as the dynamic app.

One build of the default press room, with one release withdrawn, then one new release and an incremental
rebuild; nginx serves the result on 127.0.0.1 and every answer is compared with the Flask app's, which renders
with the same public address.
"""

import csv
import getpass
import http.client
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import CORPUS, ROOT, free_port, now_paris
from lxml import etree
from newrelease import add_release

from feeds import export
from feeds import store
from feeds.config import load_site
from feeds.ingest.files import ingest_files
from feeds.static.build import build
from feeds.static.manifest import read_manifest
from feeds.web import create_app

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
DATASETTE = "http://127.0.0.1:9/data"  # never contacted: only named in redirects
WITHDRAWN = "office-communications-2019-01-21-mlkstatement-c166ac09"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


class Nginx:
    """nginx in the foreground on 127.0.0.1, its configuration, pid and logs in a folder of the test."""

    def __init__(self, root: Path, folder: Path, port: int, server: str | None = None):
        self.port, self.folder = port, folder
        server = server or f"include {root / 'nginx.conf.snippet'};"
        folder.mkdir(parents=True, exist_ok=True)
        # As root, nginx's workers would otherwise run as nobody, who cannot read the test's folders.
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
            "events { worker_connections 64; }\n"
            f"http {{\n  access_log off;\n  {temp}\n"
            f"  server {{\n    listen 127.0.0.1:{port};\n    root {root};\n"
            f"    {server}\n  }}\n}}\n", encoding="utf-8")
        self.proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.get("/")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                    raise RuntimeError(f"nginx did not start: {self.proc.stdout.read().decode()} {log}") from None
                time.sleep(0.05)

    def get(self, url: str, headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """(status, headers, body) of a GET, redirects not followed."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def served(tmp_path_factory, built_db):
    if NGINX is None:
        pytest.fail("nginx is missing: ./scripts/test installs it")
    folder = tmp_path_factory.mktemp("static")
    port = free_port()
    site = load_site(ROOT / "data" / "site.toml", f"http://127.0.0.1:{port}")
    site.feed_size = 4  # feeds with RFC 5005 archive pages, to follow
    db = folder / "pressroom.db"
    source, target = sqlite3.connect(built_db), sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    store.withdraw(store.connect(db), WITHDRAWN, "Communiqué retiré à la demande de son émetteur", now_paris())
    out = folder / "site"
    first = build(db, out, site, datasette_url=DATASETTE, workers=2)
    new_id = add_release(db, folder / "new", site, now_paris() - timedelta(minutes=30))
    second = build(db, out, site, datasette_url=DATASETTE, workers=2)
    nginx = Nginx(out, folder / "nginx", port)
    app = create_app({"DATABASE": str(db), "SITE": site, "TESTING": True})
    yield SimpleNamespace(nginx=nginx, client=app.test_client(), db=db, out=out, site=site, first=first,
                          second=second, new_id=new_id)
    nginx.stop()


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


FORMATS = ("/feed.atom", "/feed.rss", "/feed.json")


def read_feed(body: bytes, content_type: str, url: str) -> tuple[str, list[tuple], list[str]]:
    """(title, entries as (id, title, link, published, updated), archive links) of an Atom, RSS or JSON feed."""
    if content_type.startswith("application/feed+json"):
        data = json.loads(body)
        items = [(i["id"], i.get("title"), i.get("url"), i.get("date_published"), i.get("date_modified"))
                 for i in data["items"]]
        return data["title"], items, []
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    # dict.get: FeedParserDict.get would answer "published" with "updated" (and warn).
    items = [tuple(dict.get(e, k) for k in ("id", "title", "link", "published", "updated")) for e in parsed.entries]
    archives = [link.href for link in parsed.feed.get("links", [])
                if link.get("rel") in ("prev-archive", "next-archive")]
    return parsed.feed.get("title"), items, archives


def test_the_incremental_build_wrote_the_new_release_and_little_else(served):
    assert f"releases/{served.new_id}.html" in served.second.written
    assert "releases/occitanie-2018-01-25-prix-mooc-72047a4d.html" not in served.second.written
    assert served.second.rendered < served.first.rendered
    assert served.second.gone == [f"/releases/{WITHDRAWN}"]


def test_every_feed_of_the_opml_has_the_same_entries_as_the_app(served):
    status, headers, body = served.nginx.get("/feeds.opml")
    assert (status, headers["Content-Type"]) == (200, "text/x-opml; charset=utf-8")
    assert body == served.client.get("/feeds.opml").data
    feeds = [o.get("xmlUrl") for o in etree.fromstring(body).iter("outline") if o.get("xmlUrl")]
    assert len(feeds) > 20
    todo = [f.replace("/feed.atom", fmt) for f in feeds for fmt in FORMATS]
    seen, archives = set(), 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        status, headers, body = served.nginx.get(url)
        dynamic = served.client.get(local(url))
        assert (status, headers["Content-Type"]) == (dynamic.status_code, dynamic.headers["Content-Type"]), url
        title, items, more = read_feed(body, headers["Content-Type"], url)
        assert (title, items, more) == read_feed(dynamic.data, dynamic.content_type, url), url
        assert items, url
        for link in more:
            archives += 1
            todo += [link.replace(FORMATS[0], fmt).replace(FORMATS[1], fmt) for fmt in FORMATS]
    assert len(seen) >= 3 * len(feeds) and archives > 3
    main = feedparser.parse(served.nginx.get("/feed.atom")[2])
    assert main.entries[0].link == f"{served.site.base_url}/releases/{served.new_id}"
    assert all(WITHDRAWN not in e.link for e in main.entries)


def test_every_release_page_has_the_same_json_ld_as_the_app(served):
    status, _, body = served.nginx.get("/sitemap.xml")
    assert status == 200
    locs = [e.text for e in etree.fromstring(body).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    pages = [u for u in locs if "/releases/" in u]
    assert len(pages) == store.count(store.connect(served.db)) > 10
    for url in pages:
        status, headers, body = served.nginx.get(url)
        dynamic = served.client.get(local(url))
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8"), url
        static_ld = [json.loads(s) for s in JSON_LD.findall(body.decode())]
        assert static_ld == [json.loads(s) for s in JSON_LD.findall(dynamic.get_data(as_text=True))], url
        assert static_ld[0]["@type"] == "NewsArticle" and static_ld[0]["url"] == url


BARE = ("types { text/html html; application/atom+xml atom; application/rss+xml rss; application/json json; "
        "text/x-opml opml; application/xml xml; }\n    location / { try_files $uri $uri.html $uri/index.html =404; }")


def check_bare_server(bare: Nginx, client, db: Path) -> tuple[int, int]:
    """Every feed of the OPML (three formats, archives followed) and every release page of the sitemap, as a
    server with only ``try_files`` answers them, against the app: (feeds, pages) compared."""
    feeds = [o.get("xmlUrl") for o in etree.fromstring(bare.get("/feeds.opml")[2]).iter("outline") if o.get("xmlUrl")]
    todo, seen = [f.replace("/feed.atom", fmt) for f in feeds for fmt in FORMATS], set()
    while todo:  # archive pages too: their addresses are files as well
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        status, _, body = bare.get(url)
        dynamic = client.get(local(url))
        assert (status, dynamic.status_code) == (200, 200), url
        title, items, more = read_feed(body, dynamic.content_type, url)
        assert (title, items, more) == read_feed(dynamic.data, dynamic.content_type, url), url
        assert items, url
        todo += more
    locs = [e.text for e in etree.fromstring(bare.get("/sitemap.xml")[2]).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc") if "/releases/" in e.text]
    assert len(locs) == store.count(store.connect(db))
    for url in locs:
        status, _, body = bare.get(url)
        assert status == 200, url
        static_ld = [json.loads(s) for s in JSON_LD.findall(body.decode())]
        assert static_ld == [json.loads(s) for s in JSON_LD.findall(client.get(local(url)).get_data(as_text=True))]
        assert static_ld[0]["@type"] == "NewsArticle" and static_ld[0]["url"] == url
    return len(seen), len(locs)


def test_a_bare_try_files_server_has_every_opml_feed_and_release_page_of_the_app(served, tmp_path):
    """The issue's own check: nothing but the files, their types and ``try_files`` (no snippet, no query mapping)."""
    bare = Nginx(served.out, tmp_path / "bare", free_port(), BARE)
    try:
        feeds, pages = check_bare_server(bare, served.client, served.db)
    finally:
        bare.stop()
    assert feeds > 3 * 20 and pages > 10


def test_the_whole_corpus_built_and_served_by_a_bare_try_files(tmp_path):
    """The same check on every real release of tests/corpus, all six source formats."""
    port = free_port()
    site = load_site(ROOT / "data" / "site.toml", f"http://127.0.0.1:{port}")
    db = tmp_path / "corpus.db"
    report = ingest_files(store.connect(db), [CORPUS], site)
    assert report.new > 60
    build(db, tmp_path / "site", site, workers=2)
    client = create_app({"DATABASE": str(db), "SITE": site, "TESTING": True}).test_client()
    bare = Nginx(tmp_path / "site", tmp_path / "nginx", port, BARE)
    try:
        feeds, pages = check_bare_server(bare, client, db)
    finally:
        bare.stop()
    assert feeds > 3 * 100 and pages > 60


def max_age(cache_control: str | None) -> int:
    if not cache_control or "no-cache" in cache_control:
        return 0
    return int(re.search(r"max-age=(\d+)", cache_control).group(1))


def test_every_file_is_the_apps_answer_byte_for_byte(served):
    pages = list(read_manifest(served.out).values())
    assert len(pages) > 150
    checked = 0
    for page in pages:
        if page["status"] != 200:
            continue
        status, headers, body = served.nginx.get(page["url"])
        dynamic = served.client.get(page["url"])
        assert (status, headers["Content-Type"]) == (200, dynamic.headers["Content-Type"]), page["url"]
        # nginx keeps a page in caches as long as the app says, or less (archive pages: the usual 300 s).
        assert max_age(headers.get("Cache-Control")) <= max_age(dynamic.headers.get("Cache-Control")), page["url"]
        assert body == dynamic.data, page["url"]
        checked += 1
    assert checked > 150


def test_each_table_as_csv_is_every_row_of_the_table(served):
    conn = sqlite3.connect(served.db)
    for table in export.PUBLIC_TABLES:
        status, headers, body = served.nginx.get(f"/donnees-ouvertes/{table}.csv")
        assert (status, headers["Content-Type"]) == (200, "text/csv; charset=utf-8"), table
        cursor = conn.execute(f"SELECT * FROM [{table}]")
        header = [d[0] for d in cursor.description]
        rows = sorted(["" if v is None else str(v) for v in row] for row in cursor)
        found = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        assert found[0] == header and sorted(found[1:]) == rows and rows, table
    conn.close()


def test_a_withdrawn_release_answers_410_with_its_tombstone(served):
    status, headers, body = served.nginx.get(f"/releases/{WITHDRAWN}")
    dynamic = served.client.get(f"/releases/{WITHDRAWN}")
    assert dynamic.status_code == 410
    assert (status, headers["Content-Type"], body) == (410, "text/html; charset=utf-8", dynamic.data)


def test_unknown_addresses_and_queries_answer_404(served):
    not_found = served.client.get("/nope").data
    for url in ["/nope", "/releases/inconnu", "/publishers/Inconnu/feed.atom", "/page/99",
                "/feed.atom?x=/../../../../etc/passwd", "/_headers", "/.build-manifest.json"]:
        status, headers, body = served.nginx.get(url)
        assert (status, headers["Content-Type"], body) == (404, "text/html; charset=utf-8", not_found), url


def test_searches_and_live_data_go_to_datasette(served):
    status, headers, _ = served.nginx.get("/search?q=mooc%20r%C3%A9gion")
    assert (status, headers["Location"]) == (302, f"{DATASETTE}/pressroom/releases?_search=mooc%20r%C3%A9gion")
    for path in ("/data/pressroom/releases?kind=dossier", "/data/pressroom/releases.csv?_stream=on&_size=max"):
        status, headers, _ = served.nginx.get(path)
        assert (status, headers["Location"]) == (302, DATASETTE + path.removeprefix("/data")), path
    status, _, body = served.nginx.get("/search")
    assert (status, body) == (200, served.client.get("/search").data)


def test_caches_revalidate_against_nginx(served):
    status, headers, _ = served.nginx.get("/feed.atom")
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    again = served.nginx.get("/feed.atom", {"If-None-Match": headers["ETag"]})
    assert again[0] == 304
