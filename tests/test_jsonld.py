"""JSON-LD of pages, checked against schema.org's vocabulary."""

import json
import re

import pytest
from schemaorg import problems

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def jsonld_of(html: str) -> list[dict]:
    return [json.loads(m) for m in SCRIPT.findall(html)]


def test_checker_rejects_wrong_terms():
    assert problems({"@type": "NewsArticle", "headline": "x", "colour": "red"}) == ["$.colour: unknown property"]
    assert problems({"@type": "Person", "headline": "x"}) == ["$.headline: not a property of Person"]
    assert problems({"@type": "Newsarticle"}) == ["$: unknown type Newsarticle"]


def test_seed_page_has_one_valid_news_article(client, built_db):
    from feeds import store

    db = store.connect(built_db)
    seed_id = db.conn.execute("SELECT id FROM releases WHERE source_name LIKE 'occitanie-2018-01-25%'").fetchone()[0]
    response = client.get(f"/releases/{seed_id}")
    assert response.status_code == 200
    items = jsonld_of(response.get_data(as_text=True))
    articles = [i for i in items if i["@type"] == "NewsArticle"]
    assert len(articles) == 1
    article = articles[0]
    for item in items:
        assert problems(item) == []
    assert article["headline"] == ("1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa "
                                   "démarche innovante")
    assert article["datePublished"] == "2018-01-25T00:00:00+01:00"
    assert article["publisher"] == {"@type": "Organization", "name": "Région Occitanie / Pyrénées-Méditerranée",
                                    "url": "https://www.laregion.fr",
                                    "logo": {"@type": "ImageObject",
                                             "url": "http://press.test/static/publishers/occitanie.svg"}}
    assert article["mentions"] == [{"@type": "Person", "name": "Carole Delga"}]
    assert article["contentLocation"] == {"@type": "Place", "name": "Toulouse"}
    assert article["url"] == f"http://press.test/releases/{seed_id}"


@pytest.mark.parametrize("path", ["/"])
def test_home_jsonld_fits_vocabulary(client, path):
    items = jsonld_of(client.get(path).get_data(as_text=True))
    assert [i["@type"] for i in items] == ["WebSite", "Organization"]
    assert all(problems(i) == [] for i in items)
