from pathlib import Path

import pytest

from feeds.ingest import Context, IngestError, detect, parse_bytes
from feeds.model import Attachment

FEEDS = Path(__file__).resolve().parent / "corpus" / "feeds"
CTX = Context(publisher="Scottish Government")


def test_rss_items_become_releases():
    name = "gov-scot-rss-fixture-from-rn-rss-parser.xml"
    data = (FEEDS / name).read_bytes()
    assert detect(data, name) == "feed"
    first, second = parse_bytes(data, name, CTX)
    assert (first.title, first.published.isoformat(), first.topics, first.language, first.publisher) == (
        "Scotland's future must be decided by the people who live here", "2017-06-27T15:05:00+01:00",
        ["Communities", "Constitution"], "en", "Scottish Government")
    # content:encoded is the body; the description stays as the summary.
    assert first.body_html == "<p>We don't need a referendum to leave the EU, we can just leave.</p>"
    assert first.summary.startswith("First Minister Nicola Sturgeon today gave a statement")
    assert (second.title, second.published.isoformat(), second.topics) == (
        "Piloting delivery of welfare rights advice in health settings", "2017-06-27T12:27:00+01:00", ["Health"])
    assert second.body_text.startswith("GP practices in some of Scotland's most deprived areas")
    assert [r.source.name for r in (first, second)] == [f"{name}#1", f"{name}#2"]
    assert first.id != second.id


def test_feedgen_rss():
    name = "mn-ag-rss-generated-by-feedgen.xml"
    [r] = parse_bytes((FEEDS / name).read_bytes(), name, CTX)
    assert (r.id, r.title, r.published.isoformat(), r.updated) == (
        r.id, "Attorney General Ellison praises increasing treatment capacity for vulnerable Minnesotans in "
              "bonding bill", "2025-06-13T00:00:00+00:00", None)
    assert r.id.startswith("13-bondingbill-")


def test_liquid_template_is_not_a_feed():
    name = "dinum-feed.communiques.xml.liquid"
    data = (FEEDS / name).read_bytes()
    assert detect(data, name) == "feed"
    with pytest.raises(IngestError, match="modèle de flux"):
        parse_bytes(data, name, CTX)


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title>Salle de presse</title><id>urn:uuid:feed</id><updated>2024-03-05T10:00:00+01:00</updated>
  <entry>
    <title>Ouverture du parc</title><id>urn:uuid:1b2c</id>
    <published>2024-03-05T09:30:00+01:00</published><updated>2024-03-06T08:00:00+01:00</updated>
    <author><name>Service presse</name></author>
    <category term="Environnement"/>
    <link rel="alternate" href="https://example.fr/presse/parc"/>
    <link rel="enclosure" href="https://example.fr/presse/parc.pdf" type="application/pdf" length="2048"/>
    <content type="html">&lt;p&gt;Le parc ouvre ses portes.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</content>
  </entry>
</feed>"""


def test_atom_entry_whole_fields():
    assert detect(ATOM, "presse.atom") == "feed"
    [r] = parse_bytes(ATOM, "presse.atom", CTX)
    assert (r.title, r.published.isoformat(), r.updated.isoformat(), r.publisher, r.topics, r.language) == (
        "Ouverture du parc", "2024-03-05T09:30:00+01:00", "2024-03-06T08:00:00+01:00", "Service presse",
        ["Environnement"], "fr")
    assert r.body_html == "<p>Le parc ouvre ses portes.</p>"
    assert r.attachments == [Attachment(url="https://example.fr/presse/parc.pdf", type="application/pdf",
                                        length=2048)]
    # The id comes from the entry's id, not from its title.
    renamed = parse_bytes(ATOM.replace(b"Ouverture du parc", b"Le parc ouvre"), "presse.atom", CTX)[0]
    assert renamed.id == r.id


@pytest.mark.parametrize("data", [
    b"<rss version='2.0'><channel><title>Vide</title></channel></rss>",
    b"<rss version='2.0'><channel><item><title>Coupe",
])
def test_empty_or_broken_feeds_are_refused(data):
    with pytest.raises(IngestError):
        parse_bytes(data, "flux.xml", CTX)
