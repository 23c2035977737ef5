"""sitemap.xml, the news sitemap and robots.txt: whole documents, in-process and over the real server."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from feeds import store
from feeds.model import Release, Source
from feeds.web import sitemaps

NS = {"s": sitemaps.SITEMAP_NS, "n": sitemaps.NEWS_NS}


def expected_entries(db_path, base: str) -> list[tuple[str, str]]:
    """(URL, lastmod) of every public release, straight from the database."""
    db = store.connect(db_path, create=False)
    rows = db.conn.execute(
        "SELECT r.id, coalesce(r.updated, r.published) FROM releases r WHERE r.status = 'published' ORDER BY r.rowid")
    return [(f"{base}/releases/{i}", lastmod) for i, lastmod in rows]


def entries(xml: bytes) -> list[tuple[str, str | None]]:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{sitemaps.SITEMAP_NS}}}urlset"
    return [(u.findtext("s:loc", namespaces=NS), u.findtext("s:lastmod", namespaces=NS))
            for u in root.findall("s:url", NS)]


def test_sitemap_lists_every_release_page_with_lastmod(client, built_db):
    response = client.get("/sitemap.xml")
    assert (response.status_code, response.content_type) == (200, "application/xml; charset=utf-8")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    expected = expected_entries(built_db, "http://press.test")
    assert len(expected) >= 10 and all(lastmod for _, lastmod in expected)
    assert entries(response.data) == [("http://press.test/", None), *expected]


def test_sitemap_becomes_an_index_past_the_protocol_limit(client, built_db, monkeypatch):
    monkeypatch.setattr(sitemaps, "MAX_URLS", 4)
    expected = expected_entries(built_db, "http://press.test")
    chunks = (len(expected) + 3) // 4
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == f"{{{sitemaps.SITEMAP_NS}}}sitemapindex"
    locations = [s.findtext("s:loc", namespaces=NS) for s in root.findall("s:sitemap", NS)]
    assert locations == [f"http://press.test/sitemap-{n}.xml" for n in range(1, chunks + 1)]
    listed = []
    for n in range(1, chunks + 1):
        listed += entries(client.get(f"/sitemap-{n}.xml").data)
    assert listed == expected
    assert client.get(f"/sitemap-{chunks + 1}.xml").status_code == 404


def test_news_sitemap_holds_the_last_two_days(db_path, site):
    from feeds.web import create_app

    now = datetime.now(site.tz).replace(microsecond=0)
    db = store.connect(db_path)
    for key, age, language, title in (("today", timedelta(hours=3), "fr", "Fête de la science & <numérique>"),
                                      ("yesterday", timedelta(hours=40), "en", "Open data day"),
                                      ("old", timedelta(days=3), "fr", "Trop ancien")):
        store.upsert(db, Release(id=key, title=title, published=now - age, language=language,
                                 source=Source(f"{key}.md", key.ljust(64, "0"), "frontmatter"),
                                 publisher=site.publisher["name"]), now, {site.publisher["name"]: site.publisher})
    client = create_app({"DATABASE": str(db_path), "SITE": site, "TESTING": True}).test_client()
    response = client.get("/sitemap-news.xml")
    assert (response.status_code, response.content_type) == (200, "application/xml; charset=utf-8")
    publisher = "Région Occitanie / Pyrénées-Méditerranée"
    assert response.get_data(as_text=True) == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f'<urlset xmlns="{sitemaps.SITEMAP_NS}" xmlns:news="{sitemaps.NEWS_NS}">'
        "<url><loc>http://press.test/releases/today</loc><news:news><news:publication>"
        f"<news:name>{publisher}</news:name><news:language>fr</news:language></news:publication>"
        f"<news:publication_date>{(now - timedelta(hours=3)).isoformat()}</news:publication_date>"
        "<news:title>Fête de la science &amp; &lt;numérique&gt;</news:title></news:news></url>"
        "<url><loc>http://press.test/releases/yesterday</loc><news:news><news:publication>"
        f"<news:name>{publisher}</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{(now - timedelta(hours=40)).isoformat()}</news:publication_date>"
        "<news:title>Open data day</news:title></news:news></url>"
        "</urlset>"
    )


def test_robots_names_the_sitemaps(client):
    response = client.get("/robots.txt")
    assert (response.status_code, response.content_type) == (200, "text/plain; charset=utf-8")
    assert response.get_data(as_text=True) == (
        "User-agent: *\n"
        "Disallow: /search\n"
        "Allow: /\n"
        "Sitemap: http://press.test/sitemap.xml\n"
        "Sitemap: http://press.test/sitemap-news.xml\n"
    )


def test_live_server_sitemap_pages_are_served_with_security_headers(live_server):
    """Over `feeds serve`: robots.txt names the sitemap, and every page it lists answers with CSP and nosniff."""
    robots = live_server.get("/robots.txt").read().decode()
    assert f"Sitemap: {live_server.url}/sitemap.xml\n" in robots
    expected = expected_entries(live_server.db, live_server.url)
    listed = entries(live_server.get("/sitemap.xml").read())
    assert listed == [(f"{live_server.url}/", None), *expected]
    for loc, _ in listed:
        with live_server.get(loc.removeprefix(live_server.url)) as response:
            assert response.status == 200, loc
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
            assert "script-src 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert b'"@type": "NewsArticle"' in response.read() or loc == f"{live_server.url}/"
