"""The scheduler: embargoes published when they end, by `feeds serve` without any request and by
`feeds publish-due`, with the WebSub hub told which feeds changed."""

import sqlite3
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from serving import Hub, Server, copy_db, feeds, free_port, site_file

from feeds import store
from feeds.config import Site
from feeds.model import Release, Source
from feeds.scheduler import INTERVAL, Scheduler, facets_of

PARIS = ZoneInfo("Europe/Paris")


def embargoed(until: datetime, release_id: str = "embargo-programme-zorglub") -> Release:
    """A release under embargo until ``until``, with one value of each facet it can have."""
    return Release(id=release_id, title="Lancement du programme Zorglub", published=until,
                   source=Source(f"{release_id}.md", "0" * 64, "frontmatter"), publisher="Agence-Test",
                   place="Toulouse", topics=["Transports"], body_html="<p>Le programme est lancé.</p>",
                   body_text="Le programme est lancé.", embargo_until=until)


def write_embargo(db_path, until: datetime, written_at: datetime) -> str:
    db = store.connect(db_path)
    try:
        store.upsert(db, embargoed(until), written_at)
    finally:
        db.conn.close()
    return embargoed(until).id


def public(db_path, release_id: str) -> bool:
    """Whether the release is in the public tables, read from the file (no request to any server)."""
    conn = sqlite3.connect(store.read_only_uri(db_path), uri=True)
    try:
        return conn.execute("SELECT count(*) FROM releases WHERE id = ?", (release_id,)).fetchone()[0] == 1
    finally:
        conn.close()


def expected_topics(base: str) -> list[str]:
    """The site's feeds and those of the facets of ``embargoed``, in every format."""
    paths = ["/feed", "/publishers/Agence-Test/feed", "/places/Toulouse/feed", "/kinds/communique/feed",
             "/topics/Transports/feed"]
    return sorted(f"{base}{path}.{fmt}" for path in paths for fmt in ("atom", "rss", "json"))


@pytest.fixture
def hub():
    h = Hub()
    yield h
    h.close()


def test_facets_of_a_release_are_its_facet_feeds():
    release = embargoed(datetime(2030, 1, 1, tzinfo=PARIS))
    release.quotes = []
    assert facets_of(release, "Agence-Test") == [
        (("publisher", "Agence-Test"),), (("place", "Toulouse"),), (("kind", "communique"),),
        (("topic", "Transports"),)]


def test_the_scheduler_sleeps_until_the_next_embargo_or_an_interval(db_path):
    scheduler = Scheduler(db_path, Site(), interval=INTERVAL)
    try:
        assert scheduler.delay() == INTERVAL  # no embargo
        now = datetime.now(PARIS)
        write_embargo(db_path, now + timedelta(hours=1), now)
        assert scheduler.delay() == INTERVAL  # written by another connection, ending later than the interval
        db = store.connect(db_path)
        db.conn.execute("UPDATE _pending SET embargo_until = ?", ((now + timedelta(seconds=1)).isoformat(),))
        db.conn.close()
        assert 0 < scheduler.delay() <= 1
    finally:
        scheduler.close()


def test_feeds_serve_publishes_an_embargo_when_it_ends_without_any_request(tmp_path, built_db, hub):
    db = copy_db(built_db, tmp_path / "pressroom.db")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server(db, site_file(tmp_path, hub=hub.url, base_url=base), port)
    try:
        # Written once the server runs, by another process's connection, ending shortly.
        until = (datetime.now(PARIS) + timedelta(seconds=3)).replace(microsecond=0) + timedelta(seconds=1)
        release_id = write_embargo(db, until, datetime.now(PARIS))
        assert not public(db, release_id)
        for _ in range(2):  # the second from the server's cache of public answers
            status, _, body = server.fetch("/feed.atom")
            assert status == 200 and f"/releases/{release_id}".encode() not in body
        assert datetime.now(PARIS) < until
        # No request from here on: only the file is read, until the release is public.
        deadline = time.monotonic() + 30
        while not public(db, release_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        seen = datetime.now(PARIS)
        assert until <= seen < until + timedelta(seconds=INTERVAL + 2)
        assert hub.topics_after(0, set(expected_topics(base))) == expected_topics(base)
        status, _, body = server.fetch("/feed.atom")  # the cache emptied by the new data version
        assert status == 200 and f"{base}/releases/{release_id}".encode() in body
        assert server.fetch(f"/releases/{release_id}")[0] == 200
    finally:
        server.stop()
    # Stopped cleanly, the scheduler with it: nothing said but the greeting (uvicorn re-raises SIGTERM once done).
    assert (server.proc.returncode, server.proc.stdout.read().decode()) == (
        -15, f"Salle de presse : {base}/  ·  données : {base}/data/\n")


def test_feeds_publish_due_publishes_once_and_says_what(tmp_path, built_db, hub):
    db = copy_db(built_db, tmp_path / "pressroom.db")
    site = site_file(tmp_path, hub=hub.url, base_url="http://press.test")
    now = datetime.now(PARIS)
    release_id = write_embargo(db, now - timedelta(minutes=1), now - timedelta(minutes=2))
    assert not public(db, release_id)
    first = feeds("publish-due", "--db", str(db), "--site", str(site))
    assert (first.stdout, first.stderr) == (f"{release_id}\n", "1 communiqué(s) publié(s)\n")
    assert public(db, release_id)
    assert sorted(url for r in hub.received for url in r["hub.url"]) == expected_topics("http://press.test")
    again = feeds("publish-due", "--db", str(db), "--site", str(site))
    assert (again.stdout, again.stderr) == ("", "0 communiqué(s) publié(s)\n")
    assert len(hub.received) == len(expected_topics("http://press.test"))


def test_feeds_publish_due_without_a_database_says_so(tmp_path):
    missing = tmp_path / "none.db"
    result = feeds("publish-due", "--db", str(missing), check=False)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"Error: base de données introuvable : {missing}\n")
    assert not missing.exists()
