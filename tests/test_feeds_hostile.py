"""Hostile content never breaks a feed: control characters, ``]]>``, markup, lone surrogates, huge titles."""

import json
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest
from conftest import ROOT, needs
from feedrules import CHECKS
from lxml import etree

from feeds import store
from feeds.config import Site
from feeds.model import Attachment, Release, Source
from feeds.web import create_app
from feeds.web.feedbuild import BUILDERS, Document, Entry, entry_id

ATOM_RNC = ROOT / "tests" / "schemas" / "atom.rnc"
PARIS = ZoneInfo("Europe/Paris")
SITE = Site(title="Salle de presse", base_url="http://press.test")
LONG = "x" * 10_000
HOSTILE_TITLE = "A]]> <script>alert(1)</script>\x00\x07\x1b\x85\x9fB\ufffe " + LONG
CLEAN_TITLE = "A]]> <script>alert(1)</script>B " + LONG
HOSTILE_BODY = ('<p onclick="x()">a ]]> b <script>alert(1)</script>\x01\x0c c</p>'
                '<img src="javascript:alert(1)"><a href="relative/page">lien</a><![CDATA[ d ]]>')


def hostile(surrogates: bool) -> Release:
    lone = "\ud800\udfff" if surrogates else ""
    return Release(
        id="hostile-1", title=HOSTILE_TITLE + lone, published=datetime(2024, 5, 1, 8, 0, tzinfo=PARIS),
        source=Source("h.md", "f" * 64, "frontmatter"), publisher="Éditeur \x08]]>" + lone,
        standfirst="Chapô ]]> <b>gras</b>\x0b" + lone, summary="Résumé \x00<script>" + lone,
        body_html=HOSTILE_BODY + lone, topics=["Thème ]]>\x02" + lone, "\x03"],
        attachments=[Attachment("https://x.test/a b.pdf" + lone, "application/pdf", 0, "\x04pièce")],
        language="fr",
    )


def check(fmt: str, body: bytes, url: str) -> None:
    """Well-formed, valid by the W3C validator's rules, read by feedparser, title intact, no script."""
    assert CHECKS[fmt](body, url) == []
    if fmt == "json":
        item = json.loads(body)["items"][0]
        title, content = item["title"], item["content_html"]
    else:
        doc = etree.fromstring(body)
        title = doc.findtext(".//{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title") \
            if fmt == "atom" else doc.findtext("channel/item/title")
        content = "".join(doc.xpath("//*[local-name()='content' or local-name()='encoded']/text()"))
        parsed = feedparser.parse(body)
        assert (parsed.bozo, [e.id for e in parsed.entries]) == (0, [entry_id("hostile-1")])
    assert title == CLEAN_TITLE
    assert "<script" not in content and "onclick" not in content and "javascript:" not in content
    assert 'href="http://press.test/releases/relative/page"' in content


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_builders_survive_everything_including_lone_surrogates(fmt):
    entry = Entry.of(hostile(surrogates=True), "2024-05-01T08:00:00+02:00",
                     "http://press.test/releases/hostile-1", SITE)
    doc = Document(id="urn:uuid:0", title="Flux \x00]]>", subtitle="\ud800", self_url=f"http://press.test/feed.{fmt}",
                   page_url="http://press.test/")
    check(fmt, BUILDERS[fmt](doc, [entry], SITE), f"http://press.test/feed.{fmt}")


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "hostile.db"
    store.upsert(store.connect(path), hostile(surrogates=False), datetime(2024, 5, 1, 9, 0, tzinfo=PARIS))
    return create_app({"DATABASE": str(path), "SITE": SITE, "TESTING": True}).test_client()


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_a_hostile_release_in_the_database_stays_in_valid_feeds(served, fmt, tmp_path):
    response = served.get(f"/feed.{fmt}")
    assert response.status_code == 200
    check(fmt, response.data, f"http://press.test/feed.{fmt}")
    if fmt == "atom" and needs["jing"]:
        feed = tmp_path / "hostile.atom"
        feed.write_bytes(response.data)
        result = subprocess.run(["jing", "-c", str(ATOM_RNC), str(feed)], capture_output=True, text=True)
        assert (result.returncode, result.stdout) == (0, "")


def test_zero_length_attachment_has_no_rss_enclosure_but_stays_linked(served):
    rss = etree.fromstring(served.get("/feed.rss").data)
    assert rss.findall("channel/item/enclosure") == []
    atom = etree.fromstring(served.get("/feed.atom").data)
    assert [dict(link.attrib) for link in atom.iter("{http://www.w3.org/2005/Atom}link")
            if link.get("rel") == "enclosure"] == [
        {"rel": "enclosure", "type": "application/pdf", "href": "https://x.test/a b.pdf", "title": "pièce"}]


def test_hostile_search_and_facet_values(served):
    """Searches answer valid feeds (an empty one when nothing matches); unknown or unclean facet values, 404."""
    site_wide = [e.id for e in feedparser.parse(served.get("/feed.atom").data).entries]
    assert len(site_wide) == 1
    for url, entries in (("/feed.atom?q=%5D%5D%3E%3Cscript%3E", site_wide),  # its text names a script
                         ("/feed.atom?q=" + "a" * 5000, []),
                         ("/feed.atom?q=%00%01", site_wide)):  # nothing left to search for: every release
        response = served.get(url)
        parsed = feedparser.parse(response.data)
        assert (response.status_code, parsed.bozo, [e.id for e in parsed.entries]) == (200, 0, entries), url
    for url in ("/topics/%5D%5D%3E/feed.atom", "/topics/%00%01/feed.atom", "/people/" + "a" * 5000 + "/feed.atom"):
        assert served.get(url).status_code == 404, url
    response = served.get("/feed.atom?topic=%5D%5D%3E")  # a single facet's feed lives under its path
    assert (response.status_code, response.headers["Location"]) == (301, "http://press.test/topics/%5D%5D%3E/feed.atom")
