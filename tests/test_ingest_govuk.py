import json
from pathlib import Path

import pytest

from feeds.ingest import Context, detect, parse_bytes
from feeds.model import Quote

GOVUK = Path(__file__).resolve().parent / "corpus" / "govuk"
CTX = Context(publisher="GOV.UK")


def parse(name: str):
    data = (GOVUK / name).read_bytes()
    assert detect(data, name) == "govuk"
    [release] = parse_bytes(data, name, CTX)
    return release


@pytest.mark.parametrize(("name", "kind", "publisher", "published", "topics"), [
    ("en-gb-govuk-best-practice-government-response.json", "declaration", "Department of Health and Social Care",
     "2014-05-08T15:38:28+01:00", ["School food, accommodation, transport and uniform", "National Health Service",
                                   "Public health"]),
    ("en-gb-govuk-best-practice-press-release.json", "communique", "Home Office", "2013-01-28T00:00:00+00:00",
     ["National Health Service", "Public health", "Drug misuse and dependency"]),
    ("en-gb-govuk-news_article.json", "article", "Prime Minister's Office, 10 Downing Street",
     "2016-12-25T00:15:02+00:00", []),
    ("en-gb-govuk-news_article_government_response.json", "declaration", "Marine Management Organisation",
     "2016-12-28T00:00:19+00:00", ["Marine environment"]),
    ("en-gb-govuk-news_article_press_release.json", "communique", "Public Health England",
     "2016-12-28T00:00:19+00:00", []),
])
def test_corpus_fields(name, kind, publisher, published, topics):
    item = json.loads((GOVUK / name).read_text(encoding="utf-8"))
    r = parse(name)
    assert (r.title, r.kind, r.publisher, r.published.isoformat(), r.topics, r.language) == (
        item["title"], kind, publisher, published, topics, "en")
    assert r.standfirst == item["description"]
    assert r.updated is None  # public_updated_at is the first publication in every example
    assert r.body_html.startswith("<p>") and "govspeak" not in r.body_html
    assert r.warnings == []


def test_quotes_after_said_in_single_marks():
    r = parse("en-gb-govuk-best-practice-press-release.json")
    assert r.quotes == [Quote(
        text="Distorted information from their peers and popular culture can lead young people to feel confused about "
             "drugs and the risks they pose. FRANK aims to give them the skills and confidence they need to reject "
             "drugs and offers parents information to help them talk to their children about drugs. We know FRANK "
             "works, 67 per cent of young people say they would use it if they needed drugs advice.",
        speaker="Jeremy Browne", role="Home office crime prevention minister")]


def test_blockquotes_after_said():
    r = parse("en-gb-govuk-news_article_press_release.json")
    assert [(q.speaker, q.role, q.text[:45]) for q in r.quotes] == [
        ("Professor Kevin Fenton", "Director of Health and Wellbeing at PHE", "People are busy with work, with families, wit"),
        ("Professor Sir Muir Gray", "Clinical Adviser for the One You campaign",
         "The demands of modern day living are taking t"),
        ("Professor Sir Muir Gray", "Clinical Adviser for the One You campaign",
         "Over 15 million Britons are living with a lon"),
        ("Dan Howarth", "Head of Care at Diabetes UK", "We know that people often bury their heads in"),
        ("Dr Ellie Cannon", "NHS Doctor and media medic", "Lots of us spend our lives working very hard,"),
    ]


def test_native_key_is_content_id_and_locale():
    item = json.loads((GOVUK / "en-gb-govuk-news_article.json").read_text(encoding="utf-8"))
    first = parse_bytes(json.dumps(item).encode(), "a.json", CTX)[0]
    item["title"] = "A corrected title"
    assert parse_bytes(json.dumps(item).encode(), "b.json", CTX)[0].id == first.id
    item["locale"] = "cy"
    welsh = parse_bytes(json.dumps(item).encode(), "c.json", CTX)[0]
    assert (welsh.id != first.id, welsh.language) == (True, "cy")


def test_attachments_updated_and_relative_links():
    item = {
        "content_id": "00000000-0000-4000-8000-000000000001", "base_path": "/government/news/example",
        "locale": "en", "title": "Example", "document_type": "press_release",
        "public_updated_at": "2020-01-03T09:00:00+00:00",
        "details": {"first_public_at": "2020-01-02T10:00:00+00:00", "body": '<p>See <a href="/guidance/x">the guidance</a>.</p>', "attachments": [
            {"url": "/media/report.pdf", "content_type": "application/pdf", "file_size": 1234, "title": "Report"}]},
        "links": {"organisations": [{"title": "Cabinet Office"}], "taxons": [{"title": "Government"}]},
    }
    [r] = parse_bytes(json.dumps(item).encode(), "x.json", CTX)
    assert r.updated.isoformat() == "2020-01-03T09:00:00+00:00"
    assert r.publisher == "Cabinet Office" and r.topics == ["Government"]
    assert r.body_html == ('<p>See <a href="https://www.gov.uk/guidance/x" rel="noopener noreferrer">the guidance'
                           '</a>.</p>')
    assert [(a.url, a.type, a.length, a.title) for a in r.attachments] == [
        ("https://www.gov.uk/media/report.pdf", "application/pdf", 1234, "Report")]
