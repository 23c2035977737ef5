"""Acceptance of the publishing workflow through the served app (`feeds serve`), read by real clients.

The embargo is set a few seconds ahead instead of one minute, for speed: the mechanism is the same
(front matter ``embargo:``, the server's scheduler publishes it when the hour comes, no restart).
"""

import json
import re
import sqlite3
import urllib.parse
from datetime import datetime, timedelta

import feedparser
import pytest
from conftest import CORPUS, SEED
from serving import Hub, Server, copy_db, feeds, free_port, site_file, wait_until

EMBARGO_SECONDS = 10


@pytest.fixture(scope="module")
def hub():
    h = Hub()
    yield h
    h.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_db, hub):
    folder = tmp_path_factory.mktemp("workflow")
    db = copy_db(built_db, folder / "pressroom.db")
    feeds("ingest", str(CORPUS / "dinum"), "--db", str(db))  # the corpus, drafts included
    port = free_port()
    srv = Server(db, site_file(folder, hub=hub.url, base_url=f"http://127.0.0.1:{port}"), port)
    srv.site = folder / "site.toml"
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def token(server):
    return feeds("token", "create", "redaction", "--db", str(server.db)).stdout.splitlines()[-1]


def feed_entries(server, path="/feed.atom") -> dict[str, str]:
    """{entry link: title} of a feed, as feedparser reads it."""
    status, _, body = server.fetch(path)
    parsed = feedparser.parse(body)
    assert (status, parsed.bozo) == (200, 0)
    return {e.link: e.title for e in parsed.entries}


def json_feed_items(server) -> dict[str, str]:
    status, _, body = server.fetch("/feed.json")
    assert status == 200
    return {i["url"]: i["title"] for i in json.loads(body)["items"]}


def visible_everywhere(server, release_id: str, title: str, word: str) -> dict[str, bool]:
    """Where the release can be seen: each feed, its page, the search, Datasette, the sitemap."""
    url = f"{server.url}/releases/{release_id}"
    seen = {
        "atom": feed_entries(server, "/feed.atom").get(url) == title,
        "rss": feed_entries(server, "/feed.rss").get(url) == title,
        "json": json_feed_items(server).get(url) == title,
        "page": server.fetch(f"/releases/{release_id}")[0] == 200,
        "search": f"/releases/{release_id}" in server.fetch(f"/search?q={urllib.parse.quote(word)}")[2].decode(),
        "datasette": [r["id"] for r in server.rows("releases", id=release_id)] == [release_id],
        "datasette_search": [r["id"] for r in server.rows("releases", _search=word, _col="id")] == [release_id],
    }
    status, _, body = server.fetch("/sitemap.xml")
    if status == 200:  # the pages engineer's sitemap
        seen["sitemap"] = url in body.decode()
    return seen


def test_uploaded_release_is_in_the_feeds_at_once_and_the_hub_is_pinged(server, token, hub):
    start = len(hub.received)
    data = SEED.read_bytes().replace(b"1200 participants", b"1200 participants (quetzalcoatl)")
    status, headers, record = server.upload(data, "flux-immediat.txt", token)
    assert status == 201
    url = f"{server.url}/releases/{record['id']}"
    assert feed_entries(server)[url] == record["title"]
    assert feed_entries(server, "/feed.rss")[url] == record["title"]
    feeds_of_site = {f"{server.url}/feed.atom", f"{server.url}/feed.json", f"{server.url}/feed.rss"}
    assert hub.topics_after(start, feeds_of_site) == sorted(feeds_of_site)
    assert {r["content_type"] for r in hub.received[start:]} == {"application/x-www-form-urlencoded"}
    assert {m for r in hub.received[start:] for m in r["hub.mode"]} == {"publish"}
    atom = feedparser.parse(server.fetch("/feed.atom")[2]).feed
    assert [link.href for link in atom.links if link.rel == "hub"] == [hub.url]
    rss = server.fetch("/feed.rss")[2].decode()
    assert f'<atom:link rel="hub" href="{hub.url}"/>' in rss
    assert json.loads(server.fetch("/feed.json")[2])["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_an_edit_keeps_the_id_records_a_second_revision_and_shows_it(server, token):
    first = SEED.read_bytes()
    second = first.replace(b"1200 participants", b"1300 participants")
    status1, _, v1 = server.upload(first, "correction.txt", token)
    assert '<section class="history"' not in server.fetch(f"/releases/{v1['id']}")[2].decode()  # one revision
    status2, _, v2 = server.upload(second, "correction.txt", token)
    assert (status1, status2, v2["id"]) == (201, 200, v1["id"])
    rid = v2["id"]
    revisions = server.rows("revisions", release_id=rid, _sort="revision")
    assert [(r["revision"], json.loads(r["changes"])) for r in revisions] == \
        [(1, ["*"]), (2, ["body_html", "body_text"])]
    assert [json.loads(r["record"]) for r in revisions] == [v1, v2]
    assert v2["updated"] == revisions[1]["recorded_at"]
    html = server.fetch(f"/releases/{rid}")[2].decode()
    assert re.search(rf'Mis à jour le <time datetime="{re.escape(v2["updated"])}">', html)
    history = html[html.index('<section class="history"'):]
    history = history[:history.index("</section>")]
    assert "<del>1200 </del><ins>1300 </ins>participants" in history
    assert [int(n) for n in re.findall(r'<li id="revision-(\d+)">', history)] == [2, 1]
    article = next(i for i in (json.loads(m) for m in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)) if i.get("@type") == "NewsArticle")
    assert article["dateModified"] == v2["updated"]
    entry = next(e for e in feedparser.parse(server.fetch("/feed.atom")[2]).entries
                 if e.link == f"{server.url}/releases/{rid}")
    assert datetime.fromisoformat(entry.updated) == datetime.fromisoformat(v2["updated"]).replace(microsecond=0) \
        or entry.updated == v2["updated"]


def test_a_release_under_embargo_is_hidden_everywhere_then_appears_on_time(server, token, hub):
    now = datetime.now().astimezone()
    until = (now + timedelta(seconds=EMBARGO_SECONDS)).replace(microsecond=0)
    title = "Communiqué sous embargo : lancement du programme Zorglubien"
    doc = (f"---\ntitle: '{title}'\ndate: {now:%Y-%m-%d %H:%M:%S %z}\nembargo: {until.isoformat()}\n"
           "categories:\n- Communiqué de presse\n---\n\nLe programme zorglubien est lancé aujourd'hui.\n").encode()
    status, _, record = server.upload(doc, "embargo.md", token)
    assert (status, record["embargo_until"], record["title"]) == (201, until.isoformat(), title)
    rid = record["id"]
    hidden = visible_everywhere(server, rid, title, "zorglubien")
    assert datetime.now().astimezone() < until, "the checks of the hidden state must end before the embargo"
    assert set(hidden.values()) == {False}, hidden
    assert server.fetch(f"/releases/{rid}")[0] == 404
    start = len(hub.received)
    # The same server, no restart: poll the feed (bounded) until the hour has come and gone.
    assert wait_until(lambda: f"{server.url}/releases/{rid}" in feed_entries(server), bound=EMBARGO_SECONDS + 60)
    assert datetime.now().astimezone() >= until
    shown = visible_everywhere(server, rid, title, "zorglubien")
    assert set(shown.values()) == {True}, shown
    assert f"{server.url}/feed.atom" in hub.topics_after(start, {f"{server.url}/feed.atom"})


def test_the_corpus_drafts_never_appear(server):
    drafts = sorted(p.name for p in (CORPUS / "dinum").glob("*.md")
                    if re.search(r"^published: false\s*$", p.read_text(encoding="utf-8"), re.M))
    conn = sqlite3.connect(server.db)
    stored = conn.execute("SELECT id, json_extract(record, '$.source.name'), json_extract(record, '$.title') "
                          "FROM _pending WHERE status = 'draft' ORDER BY 2").fetchall()
    conn.close()
    assert [name for _, name, _ in stored if name in drafts] == drafts and len(drafts) >= 4  # stored, privately
    for rid, _, title in stored:
        word = re.sub(r"\W+", " ", title).split()[-1]
        seen = visible_everywhere(server, rid, title, word)
        assert set(seen.values()) == {False}, (rid, seen)
        assert server.rows("revisions", release_id=rid) == []
        assert server.fetch(f"/releases/{rid}")[0] == 404


def test_a_withdrawn_release_answers_410_with_its_reason_and_leaves_the_feeds(server, token, hub):
    data = SEED.read_bytes().replace(b"1200 participants", b"1200 participants (retrait)")
    status, _, record = server.upload(data, "retrait.txt", token)
    rid, url = record["id"], f"{server.url}/releases/{record['id']}"
    assert status == 201 and url in feed_entries(server)
    start = len(hub.received)
    reason = "Chiffres erronés, un communiqué corrigé suivra."
    done = feeds("withdraw", rid, "--reason", reason, "--db", str(server.db), "--site", str(server.site))
    assert done.stdout.startswith(f"{rid} retiré le ") and done.stdout.rstrip().endswith(f"(révision 2) : {reason}")
    status, headers, body = server.fetch(f"/releases/{rid}")
    html = body.decode()
    assert (status, headers["Content-Type"]) == (410, "text/html; charset=utf-8")
    assert f"Motif : {reason}" in html and record["title"] in html and "a été retiré le" in html
    assert url not in feed_entries(server) and url not in feed_entries(server, "/feed.rss")
    assert url not in json_feed_items(server)
    row = server.rows("releases", id=rid)[0]
    assert {k: row[k] for k in ("id", "title", "status", "withdrawn_reason", "body_html", "body_text",
                                "standfirst", "revision")} == \
        {"id": rid, "title": record["title"], "status": "withdrawn", "withdrawn_reason": reason, "body_html": None,
         "body_text": None, "standfirst": None, "revision": 2}
    assert datetime.fromisoformat(row["withdrawn_at"]) <= datetime.now().astimezone()
    assert [(r["revision"], json.loads(r["changes"]), r["recorded_at"]) for r in
            server.rows("revisions", release_id=rid, _sort="revision")][1] == (2, ["status"], row["withdrawn_at"])
    assert f"{server.url}/feed.atom" in hub.topics_after(start, {f"{server.url}/feed.atom"})
    again = feeds("withdraw", rid, "--reason", reason, "--db", str(server.db), check=False)
    assert (again.returncode, again.stderr.strip()) == (
        1, f"Error: le communiqué {rid} est déjà retiré (le {row['withdrawn_at']})")
