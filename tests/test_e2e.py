"""End to end: `feeds serve` on a free port, read by the clients people use (feedparser, jing, CSV)."""

import csv
import io
import json
import re
import subprocess
import time
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from conftest import ROOT
from schemaorg import problems

ATOM_RNC = ROOT / "tests" / "schemas" / "atom.rnc"
SEED_TITLE = "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante"


def seed_id(live_server) -> str:
    rows = json.loads(live_server.get(
        "/data/pressroom/releases.json?_shape=array&_col=id&source_name__startswith=occitanie-2018-01-25").read())
    assert len(rows) == 1
    return rows[0]["id"]


def test_home_lists_the_seed_with_its_superscript_rendered(live_server):
    response = live_server.get("/")
    html = response.read().decode()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert SEED_TITLE in html
    assert "^{" not in html
    assert f'<link rel="alternate" type="application/atom+xml" title="Salle de presse de la Région Occitanie (Atom)" ' \
           f'href="{live_server.url}/feed.atom">' in html


@pytest.mark.parametrize("path, version", [("/feed.atom", "atom10"), ("/feed.rss", "rss20")])
def test_feeds_parse_cleanly_with_the_seed_entry(live_server, public_ids, path, version):
    response = live_server.get(path)
    body = response.read()
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == version
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids)) == len(public_ids)
    entry = next(e for e in parsed.entries if e.title == SEED_TITLE)
    sid = seed_id(live_server)
    assert entry.link == f"{live_server.url}/releases/{sid}"
    assert entry.published.startswith("2018-01-25T00:00:00+01:00") or entry.published == \
        "Thu, 25 Jan 2018 00:00:00 +0100"
    content = entry.content[0].value
    assert content.startswith("<p><strong>Ce mercredi 23 janvier")
    assert "a notamment déclaré Carole Delga." in content
    assert content.endswith('<a href="https://www.laregion.fr/-occitanie-2040-" rel="noopener noreferrer">'
                            'https://www.laregion.fr/-occitanie-2040-</a></p>')


def test_atom_is_valid_rfc4287_for_jing(live_server, tmp_path):
    feed = tmp_path / "feed.atom"
    feed.write_bytes(live_server.get("/feed.atom").read())
    result = subprocess.run(["jing", "-c", str(ATOM_RNC), str(feed)], capture_output=True, text=True)
    # jing reports errors on stdout; its Debian wrapper warns about optional jars on stderr.
    assert (result.returncode, result.stdout) == (0, "")


def test_seed_page_jsonld_over_http(live_server):
    sid = seed_id(live_server)
    html = live_server.get(f"/releases/{sid}").read().decode()
    items = [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)]
    articles = [i for i in items if i["@type"] == "NewsArticle"]
    assert len(articles) == 1
    assert [p for i in items for p in problems(i)] == []
    article = articles[0]
    assert (article["headline"], article["datePublished"], article["publisher"]["name"]) == (
        SEED_TITLE, "2018-01-25T00:00:00+01:00", "Région Occitanie / Pyrénées-Méditerranée")
    assert article["url"] == f"{live_server.url}/releases/{sid}"


def test_csv_export_has_every_public_release(live_server, public_ids):
    count = json.loads(live_server.get("/data/pressroom.json?sql=select+count(*)+as+n+from+releases&_shape=array")
                       .read())[0]["n"]
    rows = list(csv.DictReader(io.StringIO(live_server.get("/data/pressroom/releases.csv?_stream=on")
                                           .read().decode("utf-8"))))
    assert count == len(rows) == len(public_ids)
    assert {r["id"] for r in rows} == public_ids
    assert SEED_TITLE in [r["title"] for r in rows]
    assert "UNPUBLISHED" not in " ".join(r["source_name"] for r in rows)  # the draft stays private


def test_datasette_shows_the_licence(live_server):
    html = live_server.get("/data/").read().decode()
    assert 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/"' in html
    assert "Licence Ouverte 2.0" in html


def test_every_answer_has_one_current_date(live_server):
    """One Date header (RFC 9110 allows no more), the server's: also on an answer the cache replays a while later."""
    path = "/feed.rss"  # kept by the server's cache after the first answer (this one, or another test's)
    first = live_server.get(path)
    first.read()
    time.sleep(1.1)
    for response in (live_server.get(path), live_server.get("/"), live_server.get("/data/pressroom")):
        response.read()
        dates = response.headers.get_all("Date")
        assert len(dates) == 1, (response.url, dates)
        assert parsedate_to_datetime(dates[0]) > parsedate_to_datetime(first.headers["Date"])
