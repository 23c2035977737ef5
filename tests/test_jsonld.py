"""JSON-LD of pages: whole dicts for known pages, vocabulary and Google's recommendations for every page."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from schemaorg import problems

from feeds import store
from feeds.model import Quote, Release, Source
from feeds.web import jsonld, pages

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
HTML_LANG = re.compile(r'<html lang="([^"]+)">')
OFFSET_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
SEED_ID = "occitanie-2018-01-25-prix-mooc-72047a4d"
OCCITANIE = {"@type": "Organization", "name": "Région Occitanie / Pyrénées-Méditerranée",
             "url": "https://www.laregion.fr",
             "logo": {"@type": "ImageObject", "url": "http://press.test/static/publishers/occitanie.svg"}}
PARIS = ZoneInfo("Europe/Paris")


def jsonld_of(html: str) -> list[dict]:
    return [json.loads(m) for m in SCRIPT.findall(html)]


def public_ids(db_path) -> list[str]:
    db = store.connect(db_path, create=False)
    try:
        return [r[0] for r in db.conn.execute("SELECT id FROM releases WHERE status = 'published' ORDER BY id")]
    finally:
        db.conn.close()


def google_missing(article: dict) -> list[str]:
    """Google's recommended Article properties that are missing or malformed."""
    missing = []
    if not article.get("headline") or len(article["headline"]) > jsonld.HEADLINE_MAX:
        missing.append("headline")
    images = article.get("image")
    if not images or not all(isinstance(i, str) and i.startswith(("http://", "https://")) for i in images):
        missing.append("image")
    for key in ("datePublished", "dateModified"):
        if not OFFSET_DATE.match(article.get(key, "")):
            missing.append(key)
    authors = article.get("author")
    for author in authors if isinstance(authors, list) else [authors]:
        if not isinstance(author, dict) or author.get("@type") not in ("Organization", "Person"):
            missing.append("author.@type")
        elif not author.get("name") or not str(author.get("url", "")).startswith(("http://", "https://")):
            missing.append("author.name/url")
    return missing


def test_checker_rejects_wrong_terms():
    assert problems({"@type": "NewsArticle", "headline": "x", "colour": "red"}) == ["$.colour: unknown property"]
    assert problems({"@type": "Person", "headline": "x"}) == ["$.headline: not a property of Person"]
    assert problems({"@type": "Newsarticle"}) == ["$: unknown type Newsarticle"]


def test_google_check_catches_gaps():
    assert google_missing({"headline": "x" * 111, "image": ["/logo.png"], "datePublished": "2018-01-25",
                           "author": {"@type": "Organization", "name": "A"}}) == [
        "headline", "image", "datePublished", "dateModified", "author.name/url"]


@pytest.mark.parametrize("title, expected", [
    ("Court", "Court"),
    ("a" * 110, "a" * 110),
    ("a" * 111, "a" * 109 + "…"),
    ("Un titre, " + "très long " * 20, "Un titre, " + "très long " * 9 + "très…"),
    ("Premier mot " + "b" * 120, "Premier mot…"),
    ("  Espaces   en   trop  ", "Espaces en trop"),
])
def test_headline_is_cut_on_a_word(title, expected):
    assert jsonld.headline(title) == expected
    assert len(expected) <= jsonld.HEADLINE_MAX


def test_headline_cuts_long_titles_within_google_limit():
    title = "Lancement de la suite numérique collaborative des agents publics : messagerie, visioconférence, " \
            "documents partagés et agenda"
    assert jsonld.headline(title) == ("Lancement de la suite numérique collaborative des agents publics : "
                                      "messagerie, visioconférence, documents…")
    assert len(jsonld.headline(title)) <= 110


def test_seed_page_has_the_whole_expected_jsonld(client, built_db):
    response = client.get(f"/releases/{SEED_ID}")
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8")
    rel, _row = store.get_record(store.connect(built_db, create=False), SEED_ID)
    url = f"http://press.test/releases/{SEED_ID}"
    assert jsonld_of(response.get_data(as_text=True)) == [
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche "
                        "innovante",
            "name": "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante",
            "description": "Ce mercredi 23 janvier, lors de l'événement « MOOC of the year » organisé par My Mooc, "
                           "plateforme de référencement de MOOC (massive open online course) évalués par les "
                           "internautes, la Région Occitanie / Pyrénées-Méditerranée s'est vue attribuer le prix "
                           "coup de cœur du jury, décerné par des…",
            "articleBody": rel.body_text,
            "articleSection": "Communiqué de presse",
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "inLanguage": "fr",
            "datePublished": "2018-01-25T00:00:00+01:00",
            "dateModified": "2018-01-25T00:00:00+01:00",
            "author": OCCITANIE,
            "publisher": OCCITANIE,
            "image": ["http://press.test/static/publishers/occitanie.svg"],
            "isAccessibleForFree": True,
            "license": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "contentLocation": {"@type": "Place", "name": "Toulouse"},
            "mentions": [{"@type": "Person", "name": "Carole Delga",
                          "url": "http://press.test/people/Carole%20Delga"}],
        },
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Accueil", "item": "http://press.test/"},
                {"@type": "ListItem", "position": 2, "name": "Région Occitanie / Pyrénées-Méditerranée",
                 "item": "http://press.test/publishers/R%C3%A9gion%20Occitanie%20/%20Pyr%C3%A9n%C3%A9es-"
                         "M%C3%A9diterran%C3%A9e"},
                {"@type": "ListItem", "position": 3, "name": "1ère collectivité à concevoir un MOOC, la Région "
                 "est plébiscitée pour sa démarche innovante", "item": url},
            ],
        },
    ]
    assert rel.body_text.startswith("Dans le cadre de la démarche « Occitanie 2040 »")


def test_every_release_page_has_one_news_article_fit_for_vocabulary_and_google(client, built_db):
    """The acceptance walk: every public release of the default press room."""
    ids = public_ids(built_db)
    assert len(ids) >= 10
    languages = set()
    for release_id in ids:
        html = client.get(f"/releases/{release_id}").get_data(as_text=True)
        items = jsonld_of(html)
        articles = [i for i in items if i["@type"] == "NewsArticle"]
        assert len(articles) == 1, release_id
        assert [i["@type"] for i in items] == ["NewsArticle", "BreadcrumbList"], release_id
        assert [p for i in items for p in problems(i)] == [], release_id
        assert google_missing(articles[0]) == [], release_id
        lang = HTML_LANG.search(html).group(1)
        assert lang == articles[0]["inLanguage"] and lang in ("fr", "en"), release_id
        languages.add(lang)
    assert languages == {"fr", "en"}


def test_other_publishers_keep_their_own_identity(client, built_db):
    """A DINUM release names DINUM, never the site's publisher nor its logo; without a logo, the default image."""
    db = store.connect(built_db, create=False)
    release_id = db.conn.execute("SELECT id FROM releases WHERE source_name = ?",
                                 ("fr-dinum-2019-07-02-franceconnect-10-millions.md",)).fetchone()[0]
    article = jsonld_of(client.get(f"/releases/{release_id}").get_data(as_text=True))[0]
    dinum = {"@type": "Organization", "name": "Direction interministérielle du numérique (DINUM)",
             "url": "https://www.numerique.gouv.fr"}
    assert (article["author"], article["publisher"], article["image"]) == (
        dinum, dinum, ["http://press.test/static/pressroom.png"])


def test_home_has_website_with_search_action_and_organization(client):
    items = jsonld_of(client.get("/").get_data(as_text=True))
    occitanie = {"@type": "Organization", "name": "Région Occitanie / Pyrénées-Méditerranée",
                 "url": "https://www.laregion.fr",
                 "logo": {"@type": "ImageObject", "url": "http://press.test/static/publishers/occitanie.svg"}}
    assert items == [
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": "Salle de presse de la Région Occitanie",
            "description": "Les communiqués et dossiers de presse de la Région Occitanie / Pyrénées-Méditerranée, "
                           "en flux, en données ouvertes et en pages web.",
            "url": "http://press.test/",
            "inLanguage": "fr",
            "publisher": occitanie,
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint", "urlTemplate": "http://press.test/search?q={search_term_string}"},
                "query-input": "required name=search_term_string",
            },
        },
        {"@context": "https://schema.org", **occitanie},
    ]
    assert [p for i in items for p in problems(i)] == []


def test_every_listing_page_fits_the_vocabulary(client, built_db, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 4)  # archive pages too
    db = store.connect(built_db, create=False)
    paths = ["/", "/page/1", "/publishers/Direction interministérielle du numérique (DINUM)/page/1", "/search?q=numerique"]
    for prefix, sql in (
        ("publishers", "SELECT DISTINCT p.name FROM publishers p JOIN releases r ON r.publisher_id = p.id"),
        ("topics", "SELECT DISTINCT t.name FROM topics t JOIN release_topics rt ON rt.topic_id = t.id"),
        ("places", "SELECT DISTINCT place FROM releases WHERE place IS NOT NULL"),
        ("people", "SELECT DISTINCT p.name FROM people p JOIN quotes q ON q.person_id = p.id"),
    ):
        paths += [f"/{prefix}/{name}" for (name,) in db.conn.execute(sql)]
    assert len(paths) > 10
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        items = jsonld_of(response.get_data(as_text=True))
        assert [p for i in items for p in problems(i)] == [], path


def test_place_page_jsonld(client):
    items = jsonld_of(client.get("/places/Toulouse").get_data(as_text=True))
    assert items == [
        {"@context": "https://schema.org", "@type": "CollectionPage", "name": "Lieu : Toulouse",
         "url": "http://press.test/places/Toulouse", "inLanguage": "fr",
         "isPartOf": {"@type": "WebSite", "name": "Salle de presse de la Région Occitanie",
                      "url": "http://press.test/"}},
        {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Accueil", "item": "http://press.test/"},
            {"@type": "ListItem", "position": 2, "name": "Toulouse", "item": "http://press.test/places/Toulouse"},
        ]},
    ]


def test_release_without_a_date_is_dated_by_the_press_room(site):
    """A source without a date still gets datePublished: when the press room first recorded it."""
    release = Release(id="x", title="Sans date", published=None, source=Source("x.txt", "0" * 64, "text"),
                      quotes=[Quote("Texte.", "Ada Lovelace", "ingénieure"), Quote("Encore.", "Ada Lovelace")],
                      body_text="Corps du texte.", language="en", attachments=[])
    first = datetime(2024, 5, 1, 9, 30, tzinfo=PARIS)
    last = datetime(2024, 5, 2, 10, 0, tzinfo=PARIS)
    org = jsonld.organization(site, "Éditeur", "https://example.org", None)
    article = jsonld.news_article(release, site, "http://press.test/releases/x", org, recorded=(first, last))
    assert article == {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": "Sans date", "name": "Sans date",
        "description": "Corps du texte.", "articleBody": "Corps du texte.", "articleSection": "Communiqué de presse",
        "url": "http://press.test/releases/x",
        "mainEntityOfPage": {"@type": "WebPage", "@id": "http://press.test/releases/x"},
        "inLanguage": "en", "datePublished": "2024-05-01T09:30:00+02:00", "dateModified": "2024-05-02T10:00:00+02:00",
        "author": org, "publisher": org, "image": ["http://press.test/static/pressroom.png"],
        "isAccessibleForFree": True, "license": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "mentions": [{"@type": "Person", "name": "Ada Lovelace", "jobTitle": "ingénieure"}],
    }
    assert problems(article) == [] and google_missing(article) == []
