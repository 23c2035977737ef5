"""A person in headless Chromium: the releases table of the served Datasette, a facet, a search, the CSV download
with every release in it, and the way back to the release's page."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

SEED_TITLE = "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante"


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def api(live_server, path: str):
    return json.loads(live_server.get(path).read())


def row_titles(page) -> list[str]:
    return page.locator("table.rows-and-columns tbody td.col-title").all_inner_texts()


def test_facet_search_and_csv_download_in_chromium(page, live_server, tmp_path):
    everything = api(live_server, "/data/pressroom/releases.json?_shape=array&_col=title&_size=max")
    toulouse = api(live_server, "/data/pressroom/releases.json?_shape=array&_col=title&place=Toulouse")

    page.goto(f"{live_server.url}/data/pressroom/releases?_size=5")
    assert page.locator("h1").inner_text() == "releases"
    assert page.get_by_text("Un communiqué par ligne, dans sa dernière version publiée.").is_visible()
    assert len(row_titles(page)) == 5

    page.locator("#facet-place").get_by_role("link", name="Toulouse", exact=True).click()
    page.wait_for_url(re.compile(r"place=Toulouse"))
    assert row_titles(page) == [r["title"] for r in toulouse]
    assert SEED_TITLE in row_titles(page)

    page.goto(f"{live_server.url}/data/pressroom/releases")
    page.locator("#_search").fill("plebiscitee")
    page.locator("#_search").press("Enter")
    page.wait_for_url(re.compile(r"_search=plebiscitee"))
    assert row_titles(page) == [SEED_TITLE]

    # Five rows a page, so Datasette offers to stream all of them into the file.
    page.goto(f"{live_server.url}/data/pressroom/releases?_size=5")
    form = page.locator("#export form")
    form.locator("input[name=_dl]").check()
    form.locator("input[name=_stream]").check()
    with page.expect_download() as info:
        form.locator("input[type=submit]").click()
    download = info.value
    assert download.suggested_filename == "releases.csv"
    path = tmp_path / "releases.csv"
    download.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in everything)
    assert sorted(r["title"] for r in rows) == sorted(r["title"] for r in everything)


def test_release_title_in_datasette_leads_to_the_release_page(page, live_server):
    page.goto(f"{live_server.url}/data/pressroom/releases?place=Toulouse")
    page.locator("table.rows-and-columns td.col-title").get_by_role("link", name=SEED_TITLE).click()
    page.wait_for_url(re.compile(r"/releases/[^/]+$"))
    assert page.locator("h1").inner_text() == SEED_TITLE
    page.get_by_role("link", name="Ce communiqué dans les données ouvertes").click()
    page.wait_for_url(re.compile(r"/data/pressroom/releases/[^/]+$"))
    assert page.locator("td.col-title").inner_text() == SEED_TITLE
