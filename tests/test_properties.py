"""Property-based tests: parsers never crash and keep their invariants; any text in any field still gives valid
feeds and a well-formed page."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from feeds import store
from feeds.config import Site
from feeds.ingest import IngestError, parse_bytes
from feeds.model import Contact, Quote, Release, Source
from feeds.sanitize import sanitize_html
from feeds.web import create_app, release_link

PARIS = ZoneInfo("Europe/Paris")
# Any Unicode, surrogates and controls included: what a broken converter may hand us.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(ANY_TEXT)
def test_sanitized_html_has_no_active_content(value):
    html = sanitize_html(value + "<script>x</script><img src=x onerror=y><a href='javascript:z'>l</a>")
    lowered = html.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "javascript:" not in lowered
    assert not XML_ILLEGAL.search(html)


@SETTINGS
@given(st.text(st.sampled_from("aZ09._~-/ é%?#"), min_size=1, max_size=20)
       | st.text(st.characters(codec="utf-8"), min_size=1))  # what SQLite can hold: no lone surrogate
def test_release_links_are_the_routes_urls(release_id):
    app = create_app({"DATABASE": ":memory:", "SITE": Site(base_url="http://press.test")})
    with app.test_request_context():
        assert release_link(absolute=False)(release_id) == url_for("pages.release", release_id=release_id)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.md", "x.html", "x.json", "x.xml", "x.pdf", "x.docx"]))
def test_any_bytes_give_releases_or_a_reason(data, name):
    try:
        releases = parse_bytes(data, name)
    except IngestError as exc:
        assert str(exc).strip()
        return
    for release in releases:
        assert release.title and release.id
        assert release.published is None or release.published.tzinfo is not None
        assert not XML_ILLEGAL.search(release.to_json())
        assert json.loads(release.to_json()) == release.to_dict()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([
    "Communiqué de presse", "DOSSIER DE PRESSE", "Toulouse, le 1^{er} février 2019", "Le 14/03/2019",
    "SOUS EMBARGO JUSQU'AU 15 MARS 2019, 6H00", "**Titre en gras**", "« Une citation longue de plus de six mots "
    "prononcée ici », a déclaré Carole Delga, présidente.", "Contact presse :", "Marie Curie : m@r.fr - Tél. : "
    "05 61 33 53 39", "- point de liste", "## Intertitre", "Texte [^1] avec note.\n\n[^1]: La note.",
    "<https://example.org>", "le jeudi 12 avril 2018 à 10h30", "30 février 2019", "mardi 3 mars"]),
    min_size=1, max_size=12))
def test_press_release_text_in_any_order(paragraphs):
    data = "\n\n".join(paragraphs).encode()
    try:
        (release,) = parse_bytes(data, "x.txt")
    except IngestError as exc:
        assert str(exc).strip()
        return
    for contact in release.contacts:
        assert all(re.fullmatch(r"\+\d{8,15}", p) for p in contact.phones)
    assert "**" not in release.title and "^{" not in release.title


_counter = itertools.count()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(title=ANY_TEXT, standfirst=ANY_TEXT, speaker=ANY_TEXT, place=ANY_TEXT, topic=ANY_TEXT, contact=ANY_TEXT)
def test_any_text_in_any_field_gives_valid_feeds_and_page(tmp_path, title, standfirst, speaker, place, topic, contact):
    """Records straight into the store (bypassing ingestion's cleaning): outputs must hold on their own."""
    db_path = tmp_path / f"p{next(_counter)}.db"
    release = Release(
        id="propriete", title=title or "x", published=datetime(2020, 1, 2, tzinfo=PARIS),
        source=Source("x.txt", "0" * 64, "text"), publisher="Éditeur", standfirst=standfirst, place=place,
        body_html=f"<p>{standfirst}</p>", body_text=standfirst, topics=[topic] if topic.strip() else [],
        quotes=[Quote(text="Citation", speaker=speaker or None)], contacts=[Contact(name=contact, email="a@b.fr")],
    )
    store.upsert(store.connect(db_path), release, datetime.now(PARIS) - timedelta(seconds=1))
    app = create_app({"DATABASE": str(db_path), "SITE": Site(base_url="http://press.test"), "TESTING": True})
    client = app.test_client()
    for path in ("/feed.atom", "/feed.rss"):
        body = client.get(path).get_data()
        etree.fromstring(body)  # well-formed XML
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 1
    page = client.get("/releases/propriete")
    assert page.status_code == 200
    doc = lxml_html.document_fromstring(page.get_data())
    assert len(doc.xpath("//h1")) == 1
    assert not doc.xpath("//script[not(@type='application/ld+json')]")
