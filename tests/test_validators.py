"""ETags the app knows before rendering (feeds/web/validators.py): release pages, listings and feeds answer 304
to them without being made, and change when what they show changes."""

from datetime import timedelta

import pytest
from conftest import SEED, now_paris

from feeds import store
from feeds.ingest import parse_bytes
from feeds.web import create_app, feedbuild, pages

SEED_ID = "occitanie-2018-01-25-prix-mooc-72047a4d"
URLS = [f"/releases/{SEED_ID}", "/", "/topics/Num%C3%A9rique", "/feed.atom", "/feed.json",
        "/topics/Num%C3%A9rique/feed.rss", "/kinds/communique/feed.atom"]


@pytest.fixture
def client(db_path, site):
    return create_app({"DATABASE": str(db_path), "SITE": site, "TESTING": True}).test_client()


@pytest.mark.parametrize("url", URLS)
def test_an_etag_known_before_rendering_answers_304_without_rendering(client, monkeypatch, url):
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"') and len(first.headers["ETag"]) == 34

    def not_now(*args, **kwargs):
        raise AssertionError("rendered")

    monkeypatch.setattr(pages, "render_template", not_now)
    for fmt in feedbuild.BUILDERS:
        monkeypatch.setitem(feedbuild.BUILDERS, fmt, not_now)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", first.headers["ETag"])
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


def test_a_new_revision_changes_the_etags_of_what_shows_it(client, db_path):
    before = {url: client.get(url).headers["ETag"] for url in URLS}
    changed = parse_bytes(SEED.read_bytes().replace(b"1200 participants", b"1300 participants"), SEED.name)[0]
    publisher = {"name": "Région Occitanie / Pyrénées-Méditerranée", "url": None, "logo": None}
    changed.publisher = publisher["name"]
    store.upsert(store.connect(db_path), changed, now_paris() + timedelta(minutes=1), {publisher["name"]: publisher})
    after = {url: client.get(url) for url in URLS}
    shown = {url for url, response in after.items() if SEED_ID in response.get_data(as_text=True)}
    # The seed is not about Numérique: that topic's page and feed do not show it.
    assert shown == {f"/releases/{SEED_ID}", "/", "/feed.atom", "/feed.json", "/kinds/communique/feed.atom"}
    for url, response in after.items():
        assert (response.headers["ETag"] != before[url]) == (url in shown), url
        again = client.get(url, headers={"If-None-Match": before[url]})
        assert again.status_code == (200 if url in shown else 304), url
