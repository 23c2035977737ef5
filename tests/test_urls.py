"""The URLs of the public site (feeds/web/urls.py): every one answers, and every link the app's pages, feeds,
OPML and sitemaps make to the site is one of them (release pages are read by test_static_build)."""

import dataclasses
from urllib.parse import urlsplit

from conftest import now_paris
from test_static_build import BASE, site_links

from feeds import export, store
from feeds.web import create_app, urls
from feeds.web.selection import ReadOnce


def test_every_url_answers_and_every_link_is_a_url(db_path, site):
    site = dataclasses.replace(site, base_url=BASE)  # the address site_links reads absolute links with
    app = create_app({"DATABASE": str(db_path), "SITE": site, "TESTING": True})
    withdrawn = "office-communications-2019-01-21-mlkstatement-c166ac09"
    store.withdraw(store.connect(db_path), withdrawn, "Retiré", now_paris())
    with app.test_request_context("/"):
        found = urls.site_urls(ReadOnce(store.connect(db_path)))
        opendata = urls.opendata_urls()
    assert len(found) == len(set(found))
    assert set(opendata) <= set(found) and len(opendata) == 3 + 2 * len(export.PUBLIC_TABLES)
    releases = {u for u in found if u.startswith("/releases/")}
    assert len(releases) == store.connect(db_path)["releases"].count  # the withdrawn one too
    client = app.test_client()
    links = set()
    assert not [url for url in found if url.startswith("/data/")]  # Datasette's pages stay live
    for url in found:
        response = client.get(url)
        expected = 404 if url == urls.NOT_FOUND else 410 if url == f"/releases/{withdrawn}" else 200
        assert response.status_code == expected, url
        if expected == 200 and not url.startswith(("/releases/", "/static/")) \
                and response.content_type.startswith(("text/html", "application/atom", "text/x-opml", "text/plain",
                                                       "application/rss", "application/xml")):
            links |= site_links(response.get_data(as_text=True), urlsplit(url).path)
    # But for the relative pictures of some releases' own text, which lead nowhere on the live site either.
    bodies = store.connect(db_path).conn.execute("SELECT group_concat(body_html, ' ') FROM releases").fetchone()[0]
    elsewhere = links - set(found)
    assert len(links) > 100 and elsewhere <= site_links(bodies, "/releases/"), sorted(elsewhere)
    assert {client.get(url).status_code for url in elsewhere} == {404}

