"""Feeds over real HTTP (`feeds serve`) read by real clients: newsboat, jing, feedparser, urllib."""

import os
import shutil
import sqlite3
import subprocess
import urllib.error
from pathlib import Path

import feedparser
import pytest
from conftest import FEEDS_BIN, RELEASES, ROOT, LiveServer, free_port, needs
from feedrules import CHECKS
from lxml import etree

from feeds import store
from feeds.web.feedbuild import entry_id

ATOM_RNC = ROOT / "tests" / "schemas" / "atom.rnc"
TYPES = {"atom": "application/atom+xml; charset=utf-8", "rss": "application/rss+xml; charset=utf-8",
         "json": "application/feed+json; charset=utf-8"}


def opml_feeds(server) -> list[str]:
    opml = etree.fromstring(server.get("/feeds.opml").read())
    return [o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")]


def test_every_opml_feed_over_http_validates(live_server, tmp_path):
    assert needs["jing"], "jing is missing: ./scripts/test installs it"
    urls = opml_feeds(live_server)
    assert len(urls) >= 6 and urls[0] == live_server.url + "/feed.atom"
    assert all(u.startswith(live_server.url + "/") and u.endswith("/feed.atom") for u in urls)
    files = []
    for i, url in enumerate(urls):
        for fmt in ("atom", "rss", "json"):
            feed_url = url.replace("/feed.atom", f"/feed.{fmt}")
            response = live_server.get(feed_url.removeprefix(live_server.url))
            body = response.read()
            assert (response.status, response.headers["Content-Type"]) == (200, TYPES[fmt]), feed_url
            assert CHECKS[fmt](body, feed_url) == [], feed_url
            if fmt != "json":
                assert feedparser.parse(body).bozo == 0, feed_url
            if fmt == "atom":
                files.append(tmp_path / f"{i}.atom")
                files[-1].write_bytes(body)
    # One JVM for every file; errors are on stdout, the Debian wrapper's warnings on stderr.
    result = subprocess.run(["jing", "-c", str(ATOM_RNC), *map(str, files)], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_304_over_http_for_etag_and_date(live_server, fmt):
    response = live_server.get(f"/feed.{fmt}")
    body, etag, modified = response.read(), response.headers["ETag"], response.headers["Last-Modified"]
    assert (response.headers["Content-Type"], response.headers["Cache-Control"]) == (TYPES[fmt],
                                                                                      "public, max-age=300")
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        with pytest.raises(urllib.error.HTTPError) as caught:
            live_server.get(f"/feed.{fmt}", headers)
        assert (caught.value.code, caught.value.headers["ETag"], caught.value.read()) == (304, etag, b"")
    assert live_server.get(f"/feed.{fmt}", {"If-None-Match": '"stale"'}).read() == body


def ingest(source: Path, db: Path) -> None:
    subprocess.run([str(FEEDS_BIN), "ingest", str(source), "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)


class Newsboat:
    """newsboat driven as a script: its cache is SQLite, one row per item in rss_item."""

    def __init__(self, home: Path, urls: list[str]):
        self.home = home
        (home / "urls").write_text("\n".join(urls) + "\n", encoding="utf-8")
        (home / "config").write_text("reload-threads 1\nmax-items 0\n", encoding="utf-8")

    def reload(self) -> list[tuple[str, str, str, str]]:
        env = {**os.environ, "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home),
               "XDG_DATA_HOME": str(self.home)}
        result = subprocess.run(["newsboat", "-x", "reload", "-u", str(self.home / "urls"),
                                 "-c", str(self.home / "cache.db"), "-C", str(self.home / "config")],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(self.home / "cache.db") as conn:
            return sorted(conn.execute("SELECT guid, title, content FROM rss_item"))


def test_newsboat_never_sees_a_release_twice(tmp_path):
    assert needs["newsboat"], "newsboat is missing: ./scripts/test installs it"
    source = tmp_path / "releases"
    shutil.copytree(RELEASES, source)
    db = tmp_path / "pressroom.db"
    ingest(source, db)
    public = {r.id: r for r in store.iter_public(store.connect(db, create=False))}
    assert 0 < len(public) <= 50
    port = free_port()
    server = LiveServer(db, port)
    reader = Newsboat(tmp_path, [f"{server.url}/feed.atom", f"{server.url}/feed.rss"])
    try:
        # Both formats carry the same guids, so newsboat keeps one item per release.
        first = reader.reload()
        expected = sorted((entry_id(rid), r.title) for rid, r in public.items())
        assert [row[:2] for row in first] == expected

        # The database rebuilt from scratch from the same files: nothing new for the reader.
        server.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        ingest(source, db)
        server = LiveServer(db, port)
        assert reader.reload() == first

        # One release edited: the reader updates its item, it does not add one.
        edited = sorted(source.rglob("*.md"))[0]
        edited.write_text(edited.read_text(encoding="utf-8") + "\n\nParagraphe ajouté après publication.\n",
                          encoding="utf-8")
        ingest(source, db)
        changed = {r.id for r in store.iter_public(store.connect(db, create=False))
                   if "Paragraphe ajouté après publication." in r.body_html}
        assert len(changed) == 1
        after = reader.reload()
        assert [row[:2] for row in after] == expected
        assert [row[0] for row in after if "Paragraphe ajouté après publication." in row[2]] == \
            [entry_id(rid) for rid in changed]
    finally:
        server.stop()
