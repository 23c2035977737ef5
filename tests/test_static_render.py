"""Rendering a URL for the build (feeds/static/render.py): the app's own answer, asked again with the ETag the
last build saw."""

import csv
import dataclasses
import io
import sqlite3
from datetime import timedelta

import pytest
from conftest import now_paris
from newrelease import add_release

from feeds.static import render

BASE = "http://127.0.0.1:8080"
RELEASE = "/releases/occitanie-2018-01-25-prix-mooc-72047a4d"


@pytest.fixture
def renderer(db_path, site, tmp_path):
    render.init_worker(str(db_path), dataclasses.replace(site, base_url=BASE), str(tmp_path / "out"))
    yield tmp_path / "out"
    render.forget()


@pytest.mark.parametrize("url", [RELEASE, "/", "/feed.atom", "/sitemap.xml", "/static/style.css",
                                 "/donnees-ouvertes/releases.json", "/donnees-ouvertes/releases.csv"])
def test_a_url_asked_again_with_its_etag_is_unchanged_and_not_written(renderer, url):
    page, written, rendered = render.render((url, None, None))
    assert written and rendered and page["etag"]
    file = renderer / page["file"]
    file.write_bytes(b"what nginx serves")  # the build does not read it: a 304 keeps it
    for inside in (False, True):  # through WSGI, and the views in the request context of the URL
        again = list(render.rendered([(url, page, page["etag"])]))[0] if inside else \
            render.render((url, page, page["etag"]))
        assert again == (page, False, False)
    assert file.read_bytes() == b"what nginx serves"


def test_the_same_bytes_are_not_written_again_and_other_bytes_are(renderer):
    page, _, _ = render.render((RELEASE, None, None))
    body = (renderer / page["file"]).read_bytes()
    assert render.render((RELEASE, page, None)) == (page, False, True)  # rendered, the same bytes
    assert render.render((RELEASE, {**page, "sha": "0" * 64}, None)) == (page, True, True)
    assert (renderer / page["file"]).read_bytes() == body


def test_the_app_answers_its_csv_and_its_unknown_addresses(renderer, db_path):
    status, content_type, _, body, etag = render.answer("/donnees-ouvertes/topics.csv")
    assert (status, content_type) == (200, "text/csv; charset=utf-8") and etag
    conn = sqlite3.connect(db_path)
    cursor = conn.execute("SELECT * FROM topics ORDER BY id")
    expected = [[d[0] for d in cursor.description], *([str(v) for v in row] for row in cursor)]
    conn.close()
    assert list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) == expected and len(expected) > 1
    page, written, _ = render.render(("/__page-introuvable__", None, None))
    assert (page["file"], page["status"], written) == ("404.html", 404, True)
    assert render.render(("/page/999", None, None)) == ({"url": "/page/999", "status": 404}, False, True)


def test_a_worker_kept_between_builds_reads_the_data_again_for_each(db_path, site, tmp_path):
    """A pool's worker (kept by ``feeds build --watch``) readies itself with the first chunk of each build: within
    a build it reads the data once; the next build's chunks see the new release."""
    public = dataclasses.replace(site, base_url=BASE)
    first_build, next_build = (str(db_path), public, str(tmp_path / "out"), 1), (str(db_path), public,
                                                                                  str(tmp_path / "out"), 2)
    [(page, written, _)] = render.render_many([("/", None, None)], first_build)
    assert written
    new_id = add_release(db_path, tmp_path / "new", public, now_paris() - timedelta(hours=1))
    assert render.render_many([("/", page, page["etag"])], first_build) == [(page, False, False)]
    [(again, written, rendered)] = render.render_many([("/", page, page["etag"])], next_build)
    assert written and rendered and again["etag"] != page["etag"]
    assert new_id in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    render.forget()
