"""Permanent ids and the finish every parser runs (feeds.ingest.normalise)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from feeds.ingest.base import Context, IngestError
from feeds.ingest.normalise import finish, make_id, slugify, summarise
from feeds.model import Contact, Link, Quote, Release, Source

PARIS = ZoneInfo("Europe/Paris")
CTX = Context(publisher="Région", now=datetime(2026, 11, 26, tzinfo=PARIS))


def test_ids_derive_from_publisher_and_native_key_only():
    assert slugify("Été à l'Hôtel — 2019!") == "ete-a-l-hotel-2019"
    assert slugify("!!!") == "communique"
    assert make_id("Région", "a-b", "Communiqué été") == "communique-ete-fc09392c"
    assert make_id("Région", "a-b") != make_id("Autre", "a-b")
    assert make_id("Région", "a-b", "x").rsplit("-", 1)[1] == make_id("Région", "a-b", "y").rsplit("-", 1)[1]


def test_summaries_cut_at_a_word():
    assert summarise("un  deux\ntrois " * 30, 40) == "un deux trois un deux trois un deux…"
    assert summarise(" court ") == "court"


def test_finish_cleans_every_field_and_derives_the_rest():
    release = Release(
        id="x", title=" <b>Titre</b>  **gras** ", published=datetime(2019, 3, 1), source=Source("x.txt", "0", "text"),
        publisher=None, place=" Toulouse ", topics=["a", " a", ""], kind="invitation",
        body_html='<p>Voir <a href="https://x.fr">le site</a>.</p><script>x</script>',
        quotes=[Quote(text=" « x » ", speaker=" ", role=None)],
        contacts=[Contact(name=" Marie ", email=" M@X.FR ")],
    )
    finish(release, CTX)
    record = release.to_dict()
    assert record | {"source": None} == {
        "id": "x", "title": "Titre gras", "published": "2019-03-01T00:00:00+01:00", "source": None,
        "kind": "invitation", "publisher": "Région", "standfirst": None, "updated": None, "place": "Toulouse",
        "language": "fr", "summary": "Voir le site.", "topics": ["a"],
        "quotes": [{"text": "« x »", "speaker": None, "role": None}],
        "contacts": [{"name": "Marie", "role": None, "email": "m@x.fr", "phones": []}],
        "links": [{"url": "https://x.fr", "text": "le site"}],
        "attachments": [], "status": "published", "embargo_until": None, "event_start": None, "warnings": [],
        "body_html": '<p>Voir <a href="https://x.fr" rel="noopener noreferrer">le site</a>.</p>',
        "body_text": "Voir le site.",
    }
    assert release.links == [Link(url="https://x.fr", text="le site")]


def test_finish_warns():
    release = Release(id="x", title="T" * 301, published=datetime(2027, 1, 1), source=Source("x.txt", "0", "text"))
    finish(release, CTX)
    assert [(w.code, w.message) for w in release.warnings] == [
        ("title_truncated", "titre de 301 caractères coupé à 300"),
        ("date_in_future", "date de publication dans le futur : 2027-01-01"),
        ("empty_body", "le communiqué n'a pas de texte"),
    ]
    with pytest.raises(IngestError, match="aucun titre trouvé"):
        finish(Release(id="x", title="<p></p>", published=None, source=Source("x.txt", "0", "text")), CTX)
