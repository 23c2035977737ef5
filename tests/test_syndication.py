"""Feeds in-process: whole documents, conditional requests, archives, facets, OPML, stable ids."""

import json
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest
from conftest import RELEASES
from flask import url_for
from feedrules import CHECKS
from lxml import etree

from feeds import store
from feeds.config import Site
from feeds.ingest.files import ingest_files
from feeds.model import Attachment, Quote, Release, Source
from feeds.web import create_app
from feeds.web.feedbuild import entry_id

PARIS = ZoneInfo("Europe/Paris")
RECORDED = datetime(2024, 3, 6, 12, 0, tzinfo=PARIS)
TYPES = {"atom": "application/atom+xml; charset=utf-8", "rss": "application/rss+xml; charset=utf-8",
         "json": "application/feed+json; charset=utf-8"}
TINY_SITE = Site(title="Salle de presse test", description="Les communiqués de test.", base_url="http://press.test",
                 publisher={"name": "Région Test", "url": "https://region.test", "logo": None})


def budget() -> Release:
    return Release(
        id="test-2024-01-02-budget", title="Budget 2024 : la Région vote",
        published=datetime(2024, 1, 2, 10, 0, tzinfo=PARIS), source=Source("budget.md", "0" * 64, "frontmatter"),
        publisher="Région Test", standfirst="Un budget de 3 milliards.",
        body_html='<p>Voir <a href="/documents/budget.pdf" rel="noopener noreferrer">le budget</a> et '
                  '<a href="#note" rel="noopener noreferrer">la note</a>.</p>',
        summary="Un budget de 3 milliards.", topics=["Budget", "Finances"], place="Toulouse",
        quotes=[Quote("Un budget ambitieux.", "Anne Dupont", "présidente")],
        attachments=[Attachment("https://region.test/budget.pdf", "application/pdf", 12345, "Le budget"),
                     Attachment("/annexe.odt", None, None, None)],
    )


def invitation() -> Release:
    return Release(
        id="test-2024-03-05-invitation", title="Invitation : visite du port",
        published=datetime(2024, 3, 5, 9, 30, tzinfo=PARIS), source=Source("port.md", "1" * 64, "frontmatter"),
        publisher="Région Test", kind="invitation", body_html="<p>Rendez-vous au port.</p>", place="Sète",
    )


@pytest.fixture
def tiny(tmp_path):
    """Two hand-made releases in a fresh database, and a client on it."""
    path = tmp_path / "tiny.db"
    store.upsert_many(store.connect(path), [budget(), invitation()], RECORDED)
    app = create_app({"DATABASE": str(path), "SITE": TINY_SITE, "TESTING": True})
    return path, app.test_client()


def pretty(body: bytes) -> str:
    return etree.tostring(etree.fromstring(body, etree.XMLParser(remove_blank_text=True)), pretty_print=True,
                          encoding="unicode")


EXPECTED_ATOM = """\
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <id>urn:uuid:9ab2285b-ec1f-5340-9a3b-57805a999ba5</id>
  <title>Salle de presse test</title>
  <updated>2024-03-05T09:30:00+01:00</updated>
  <author>
    <name>Région Test</name>
    <uri>https://region.test</uri>
  </author>
  <link href="http://press.test/feed.atom" rel="self" type="application/atom+xml"/>
  <link href="http://press.test/" rel="alternate" type="text/html"/>
  <generator>feeds (salle de presse ouverte)</generator>
  <rights>Licence Ouverte 2.0 — https://www.etalab.gouv.fr/licence-ouverte-open-licence/</rights>
  <subtitle>Les communiqués de test.</subtitle>
  <entry xml:lang="fr">
    <id>urn:uuid:069c9bd2-c88c-5b18-8391-7afa0d0fd8ab</id>
    <title>Invitation : visite du port</title>
    <updated>2024-03-05T09:30:00+01:00</updated>
    <author>
      <name>Région Test</name>
    </author>
    <content type="html">&lt;p&gt;Rendez-vous au port.&lt;/p&gt;</content>
    <published>2024-03-05T09:30:00+01:00</published>
    <link rel="alternate" type="text/html" href="http://press.test/releases/test-2024-03-05-invitation"/>
  </entry>
  <entry xml:lang="fr">
    <id>urn:uuid:92e9242c-1ae4-5234-a2cd-255c2976b60f</id>
    <title>Budget 2024 : la Région vote</title>
    <updated>2024-01-02T10:00:00+01:00</updated>
    <author>
      <name>Région Test</name>
    </author>
    <content type="html">&lt;p&gt;&lt;strong&gt;Un budget de 3 milliards.&lt;/strong&gt;&lt;/p&gt;
&lt;p&gt;Voir &lt;a href="http://press.test/documents/budget.pdf" rel="noopener noreferrer"&gt;le budget&lt;/a&gt; et &lt;a href="http://press.test/releases/test-2024-01-02-budget#note" rel="noopener noreferrer"&gt;la note&lt;/a&gt;.&lt;/p&gt;</content>
    <summary type="text">Un budget de 3 milliards.</summary>
    <category term="Budget" label="Budget"/>
    <category term="Finances" label="Finances"/>
    <published>2024-01-02T10:00:00+01:00</published>
    <link rel="alternate" type="text/html" href="http://press.test/releases/test-2024-01-02-budget"/>
    <link rel="enclosure" type="application/pdf" href="https://region.test/budget.pdf" title="Le budget" length="12345"/>
    <link rel="enclosure" type="application/vnd.oasis.opendocument.text" href="http://press.test/annexe.odt"/>
  </entry>
</feed>
"""

EXPECTED_RSS = """\
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>Salle de presse test</title>
    <link>http://press.test/</link>
    <description>Les communiqués de test.</description>
    <atom:link href="http://press.test/feed.rss" rel="self" type="application/rss+xml"/>
    <copyright>Licence Ouverte 2.0 — https://www.etalab.gouv.fr/licence-ouverte-open-licence/</copyright>
    <docs>https://www.rssboard.org/rss-specification</docs>
    <generator>feeds (salle de presse ouverte)</generator>
    <language>fr</language>
    <lastBuildDate>Tue, 05 Mar 2024 09:30:00 +0100</lastBuildDate>
    <item>
      <title>Invitation : visite du port</title>
      <link>http://press.test/releases/test-2024-03-05-invitation</link>
      <guid isPermaLink="false">urn:uuid:069c9bd2-c88c-5b18-8391-7afa0d0fd8ab</guid>
      <pubDate>Tue, 05 Mar 2024 09:30:00 +0100</pubDate>
      <dc:creator>Région Test</dc:creator>
      <content:encoded>&lt;p&gt;Rendez-vous au port.&lt;/p&gt;</content:encoded>
    </item>
    <item>
      <title>Budget 2024 : la Région vote</title>
      <link>http://press.test/releases/test-2024-01-02-budget</link>
      <description>Un budget de 3 milliards.</description>
      <guid isPermaLink="false">urn:uuid:92e9242c-1ae4-5234-a2cd-255c2976b60f</guid>
      <category>Budget</category>
      <category>Finances</category>
      <enclosure url="https://region.test/budget.pdf" length="12345" type="application/pdf"/>
      <pubDate>Tue, 02 Jan 2024 10:00:00 +0100</pubDate>
      <dc:creator>Région Test</dc:creator>
      <content:encoded>&lt;p&gt;&lt;strong&gt;Un budget de 3 milliards.&lt;/strong&gt;&lt;/p&gt;
&lt;p&gt;Voir &lt;a href="http://press.test/documents/budget.pdf" rel="noopener noreferrer"&gt;le budget&lt;/a&gt; et &lt;a href="http://press.test/releases/test-2024-01-02-budget#note" rel="noopener noreferrer"&gt;la note&lt;/a&gt;.&lt;/p&gt;</content:encoded>
    </item>
  </channel>
</rss>
"""

EXPECTED_JSON = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Salle de presse test",
    "home_page_url": "http://press.test/",
    "feed_url": "http://press.test/feed.json",
    "description": "Les communiqués de test.",
    "language": "fr",
    "authors": [
        {
            "name": "Région Test",
            "url": "https://region.test"
        }
    ],
    "items": [
        {
            "id": "urn:uuid:069c9bd2-c88c-5b18-8391-7afa0d0fd8ab",
            "url": "http://press.test/releases/test-2024-03-05-invitation",
            "title": "Invitation : visite du port",
            "content_html": "<p>Rendez-vous au port.</p>",
            "date_published": "2024-03-05T09:30:00+01:00",
            "date_modified": "2024-03-05T09:30:00+01:00",
            "authors": [
                {
                    "name": "Région Test"
                }
            ],
            "language": "fr"
        },
        {
            "id": "urn:uuid:92e9242c-1ae4-5234-a2cd-255c2976b60f",
            "url": "http://press.test/releases/test-2024-01-02-budget",
            "title": "Budget 2024 : la Région vote",
            "content_html": "<p><strong>Un budget de 3 milliards.</strong></p>\n<p>Voir <a href=\"http://press.test/documents/budget.pdf\" rel=\"noopener noreferrer\">le budget</a> et <a href=\"http://press.test/releases/test-2024-01-02-budget#note\" rel=\"noopener noreferrer\">la note</a>.</p>",
            "summary": "Un budget de 3 milliards.",
            "date_published": "2024-01-02T10:00:00+01:00",
            "date_modified": "2024-01-02T10:00:00+01:00",
            "authors": [
                {
                    "name": "Région Test"
                }
            ],
            "language": "fr",
            "tags": [
                "Budget",
                "Finances"
            ],
            "attachments": [
                {
                    "url": "https://region.test/budget.pdf",
                    "mime_type": "application/pdf",
                    "title": "Le budget",
                    "size_in_bytes": 12345
                },
                {
                    "url": "http://press.test/annexe.odt",
                    "mime_type": "application/vnd.oasis.opendocument.text"
                }
            ]
        }
    ]
}


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_whole_feed_of_two_releases(tiny, fmt):
    _, client = tiny
    response = client.get(f"/feed.{fmt}")
    assert (response.status_code, response.headers["Content-Type"], response.headers["Cache-Control"],
            response.headers["Last-Modified"]) == (200, TYPES[fmt], "public, max-age=300",
                                                   "Wed, 06 Mar 2024 11:00:00 GMT")
    if fmt == "json":
        assert json.loads(response.data) == EXPECTED_JSON
    else:
        assert response.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<")
        assert pretty(response.data) == {"atom": EXPECTED_ATOM, "rss": EXPECTED_RSS}[fmt]
    assert CHECKS[fmt](response.data, f"http://press.test/feed.{fmt}") == []


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_conditional_requests_get_304_until_the_data_changes(tiny, fmt):
    path, client = tiny
    first = client.get(f"/feed.{fmt}")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and len(etag) == 34
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified},
                    {"If-None-Match": f'"other", {etag}'}, {"If-None-Match": etag, "If-Modified-Since": modified}):
        again = client.get(f"/feed.{fmt}", headers=headers)
        assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    assert client.get(f"/feed.{fmt}", headers={"If-None-Match": '"other"'}).status_code == 200
    later = replace(invitation(), id="test-2024-03-07-port", title="Le port inauguré",
                    published=datetime(2024, 3, 7, 9, 0, tzinfo=PARIS), source=Source("p2.md", "2" * 64, "frontmatter"))
    store.upsert(store.connect(path), later, datetime(2024, 3, 7, 12, 0, tzinfo=PARIS))
    changed = client.get(f"/feed.{fmt}", headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert (changed.status_code, changed.headers["Last-Modified"]) == (200, "Thu, 07 Mar 2024 11:00:00 GMT")
    assert changed.headers["ETag"] != etag
    ids = [i["id"] for i in json.loads(changed.data)["items"]] if fmt == "json" else \
        [e.id for e in feedparser.parse(changed.data).entries]
    assert ids == [entry_id("test-2024-03-07-port"), entry_id(invitation().id), entry_id(budget().id)]


def test_updated_moves_only_when_the_release_really_changed(tiny):
    path, client = tiny
    db = store.connect(path)
    before = client.get("/feed.atom").data
    assert store.upsert(db, budget(), datetime(2024, 4, 1, tzinfo=PARIS)).action == "unchanged"
    assert client.get("/feed.atom").data == before
    edited = replace(budget(), title="Budget 2024 : la Région vote le budget")
    assert store.upsert(db, edited, datetime(2024, 4, 2, 8, 0, tzinfo=PARIS)).action == "updated"
    entries = feedparser.parse(client.get("/feed.atom").data).entries
    assert [(e.id, e.title, e.published, e.updated) for e in entries] == [
        (entry_id(invitation().id), "Invitation : visite du port", "2024-03-05T09:30:00+01:00",
         "2024-03-05T09:30:00+01:00"),
        (entry_id(budget().id), "Budget 2024 : la Région vote le budget", "2024-01-02T10:00:00+01:00",
         "2024-04-02T08:00:00+02:00"),
    ]


def test_facet_and_search_feeds_hold_exactly_their_releases(tiny):
    _, client = tiny
    cases = {
        "/publishers/R%C3%A9gion%20Test/feed.atom": [invitation(), budget()],
        "/topics/Finances/feed.atom": [budget()],
        "/places/S%C3%A8te/feed.atom": [invitation()],
        "/people/Anne%20Dupont/feed.atom": [budget()],
        "/kinds/invitation/feed.atom": [invitation()],
        "/feed.atom?q=milliards": [budget()],
        "/feed.atom?q=port": [invitation()],
        "/feed.atom?q=%22NOT%22%20OR%20%28": [],
        "/feed.atom?place=Toulouse&kind=communique": [budget()],
    }
    for url, expected in cases.items():
        response = client.get(url)
        parsed = feedparser.parse(response.data)
        assert (response.status_code, parsed.bozo, [e.id for e in parsed.entries]) == (
            200, 0, [entry_id(r.id) for r in expected]), url
        assert CHECKS["atom"](response.data, f"http://press.test{url}") == [], url
    assert feedparser.parse(client.get("/topics/Finances/feed.atom").data).feed.title == \
        "Salle de presse test — Thème : Finances"
    for url in ("/publishers/Nobody/feed.atom", "/topics/Nothing/feed.rss", "/people/Nobody/feed.json",
                "/kinds/poem/feed.atom", "/feed/1.atom", "/feed/0.atom", "/feed/x.atom", "/feed.atom?page=x",
                "/topics/Finances/feed/1.atom", "/topics/Finances/feed.xml"):
        assert client.get(url).status_code == 404, url


def test_a_single_facet_in_the_query_moves_to_the_facets_path(tiny):
    """Old-style ``?topic=`` and ``?page=`` links keep working; feeds live where a static server finds them as files."""
    _, client = tiny
    for query, location in [("topic=Finances", "http://press.test/topics/Finances/feed.rss"),
                            ("place=S%C3%A8te&page=2", "http://press.test/places/S%C3%A8te/feed/2.rss"),
                            ("page=3", "http://press.test/feed/3.rss"),
                            ("place=Toulouse&kind=communique&page=2", "http://press.test/feed/2.rss?place=Toulouse&kind=communique"),
                            ("topic=Nothing", "http://press.test/topics/Nothing/feed.rss")]:
        response = client.get(f"/feed.rss?{query}")
        assert (response.status_code, response.headers["Location"]) == (301, location), query
    assert client.get("/feed.rss?topic=Finances&kind=communique").status_code == 200


def test_archives_reach_the_whole_history(tmp_path):
    path = tmp_path / "many.db"
    releases = [replace(invitation(), id=f"r{i}", title=f"Communiqué {i}",
                        published=datetime(2024, 1, 1 + i, 9, 0, tzinfo=PARIS),
                        source=Source(f"{i}.md", f"{i:064d}", "frontmatter")) for i in range(8)]
    store.upsert_many(store.connect(path), releases, RECORDED)
    site = replace(TINY_SITE, feed_size=3)
    client = create_app({"DATABASE": str(path), "SITE": site, "TESTING": True}).test_client()

    def read(url):
        response = client.get(url.removeprefix("http://press.test"))
        assert CHECKS["atom"](response.data, url) == []
        doc = etree.fromstring(response.data)
        links = {link.get("rel"): link.get("href") for link in doc.findall("{http://www.w3.org/2005/Atom}link")}
        archived = doc.find("{http://purl.org/syndication/history/1.0}archive") is not None
        titles = [e.title for e in feedparser.parse(response.data).entries]
        return titles, archived, {k: v for k, v in links.items() if k not in ("self", "alternate")}, response

    assert read("http://press.test/feed.atom")[:3] == (
        ["Communiqué 7", "Communiqué 6", "Communiqué 5"], False,
        {"prev-archive": "http://press.test/feed/2.atom"})
    titles, archived, links, response = read("http://press.test/feed/2.atom")
    assert (titles, archived, links, response.headers["Cache-Control"]) == (
        ["Communiqué 5", "Communiqué 4", "Communiqué 3"], True,
        {"current": "http://press.test/feed.atom", "prev-archive": "http://press.test/feed/1.atom"},
        "public, max-age=86400")
    assert read("http://press.test/feed/1.atom")[:3] == (
        ["Communiqué 2", "Communiqué 1", "Communiqué 0"], True,
        {"current": "http://press.test/feed.atom", "next-archive": "http://press.test/feed/2.atom"})
    assert client.get("/feed/3.atom").status_code == 404
    rss = etree.fromstring(client.get("/feed/2.rss").data)
    assert [(link.get("rel"), link.get("href")) for link in rss.iter("{http://www.w3.org/2005/Atom}link")] == [
        ("self", "http://press.test/feed/2.rss"), ("current", "http://press.test/feed.rss"),
        ("prev-archive", "http://press.test/feed/1.rss")]
    assert json.loads(client.get("/feed.json").data)["next_url"] == "http://press.test/feed/2.json"
    assert json.loads(client.get("/feed/2.json").data)["next_url"] == "http://press.test/feed/1.json"


def test_entry_ids_and_bytes_identical_after_rebuilding_the_database(tmp_path, site, built_db):
    rebuilt = tmp_path / "rebuilt.db"
    assert ingest_files(store.connect(rebuilt), [RELEASES], site).rejected == []
    bodies = []
    for path in (built_db, rebuilt):
        client = create_app({"DATABASE": str(path), "SITE": site, "TESTING": True}).test_client()
        bodies.append({(fmt, head): client.get(f"{head}.{fmt}")
                       for fmt in ("atom", "rss", "json") for head in ("/feed", "/kinds/communique/feed")})
    for key, response in bodies[0].items():
        assert (response.data, response.headers["ETag"]) == (bodies[1][key].data, bodies[1][key].headers["ETag"])
    ids = [e.id for e in feedparser.parse(bodies[0][("atom", "/feed")].data).entries]
    public = list(store.iter_public(store.connect(built_db)))
    assert sorted(ids) == sorted(entry_id(r.id) for r in public) and len(ids) == len(public)


def test_opml_lists_every_feed_and_each_validates_in_every_format(client):
    response = client.get("/feeds.opml")
    assert response.headers["Content-Type"] == "text/x-opml; charset=utf-8"
    opml = etree.fromstring(response.data)
    db = store.connect(client.application.config["DATABASE"], create=False)
    facets = store.facet_values(db)
    outlines = opml.findall(".//outline[@xmlUrl]")
    with client.application.test_request_context():
        pages = [(kind, "http://press.test" + url_for(f"pages.{kind}", name=value) if kind != "kind"
                  else f"http://press.test/kinds/{value}") for kind, values in facets.items() for value in values]
    expected = ["http://press.test/feed.atom"] + [page + "/feed.atom" for _, page in pages]
    assert [o.get("xmlUrl") for o in outlines] == expected
    assert [o.get("htmlUrl") for o in outlines] == ["http://press.test/"] + [
        "http://press.test/" if kind == "kind" else page for kind, page in pages]
    assert len(expected) >= 6
    for url in expected:
        for fmt in ("atom", "rss", "json"):
            feed_url = url.replace("/feed.atom", f"/feed.{fmt}")
            feed = client.get(feed_url.removeprefix("http://press.test"))
            assert (feed.status_code, feed.headers["Content-Type"]) == (200, TYPES[fmt]), feed_url
            assert CHECKS[fmt](feed.data, feed_url) == [], feed_url
            if fmt != "json":
                parsed = feedparser.parse(feed.data)
                assert (parsed.bozo, len(parsed.entries) > 0) == (0, True), feed_url


def test_feeds_for_and_pages_announce_their_feeds(app, client):
    from feeds.web.syndication import feeds_for

    with app.test_request_context("/"):
        assert feeds_for("topic", "Numérique") == [
            ("Salle de presse de la Région Occitanie — Thème : Numérique (Atom)",
             "http://press.test/topics/Num%C3%A9rique/feed.atom", "application/atom+xml"),
            ("Salle de presse de la Région Occitanie — Thème : Numérique (RSS)",
             "http://press.test/topics/Num%C3%A9rique/feed.rss", "application/rss+xml"),
            ("Salle de presse de la Région Occitanie — Thème : Numérique (JSON Feed)",
             "http://press.test/topics/Num%C3%A9rique/feed.json", "application/feed+json"),
        ]
        assert [url for _, url, _ in feeds_for("search", "cloud")][0] == "http://press.test/feed.atom?q=cloud"
    html = client.get("/").data.decode()
    assert [line for line in html.splitlines() if line.startswith('<link rel="alternate"')] == [
        '<link rel="alternate" type="application/atom+xml" title="Salle de presse de la Région Occitanie (Atom)" '
        'href="http://press.test/feed.atom">',
        '<link rel="alternate" type="application/rss+xml" title="Salle de presse de la Région Occitanie (RSS)" '
        'href="http://press.test/feed.rss">',
        '<link rel="alternate" type="application/feed+json" title="Salle de presse de la Région Occitanie '
        '(JSON Feed)" href="http://press.test/feed.json">',
    ]
