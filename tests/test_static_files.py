"""Where URLs are written in the static export (feeds/static/files.py): the files ``try_files`` finds."""

import pytest

from feeds.static import BuildError
from feeds.static.files import file_for, files_under, write_file


@pytest.mark.parametrize("url, content_type, status, expected", [
    ("/", "text/html; charset=utf-8", 200, "index.html"),
    ("/releases/abc-123", "text/html; charset=utf-8", 200, "releases/abc-123.html"),
    ("/releases/v1.2", "text/html; charset=utf-8", 200, "releases/v1.2.html"),
    ("/releases/abc-123", "text/html; charset=utf-8", 410, "_gone/releases/abc-123.html"),
    ("/feed.atom", "application/atom+xml; charset=utf-8", 200, "feed.atom"),
    ("/sitemap.xml", "application/xml; charset=utf-8", 200, "sitemap.xml"),
    ("/donnees-ouvertes", "text/html; charset=utf-8", 200, "donnees-ouvertes.html"),
    ("/donnees-ouvertes/releases.json", "application/json", 200, "donnees-ouvertes/releases.json"),
    ("/page/2", "text/html; charset=utf-8", 200, "page/2.html"),
    ("/topics/%C3%89conomie/page/2", "text/html; charset=utf-8", 200, "topics/Économie/page/2.html"),
    ("/publishers/R%C3%A9gion%20Occitanie%20/%20Pyr%C3%A9n%C3%A9es", "text/html; charset=utf-8", 200,
     "publishers/Région Occitanie / Pyrénées.html"),
    ("/publishers/R%C3%A9gion%20Occitanie%20/%20Pyr%C3%A9n%C3%A9es/feed.rss", "application/rss+xml; charset=utf-8",
     200, "publishers/Région Occitanie / Pyrénées/feed.rss"),
    ("/topics/%C3%89conomie/feed/2.atom", "application/atom+xml; charset=utf-8", 200, "topics/Économie/feed/2.atom"),
    ("/feed/2.atom?publisher=R%C3%A9gion%20%2F%20X&kind=communique", "application/atom+xml; charset=utf-8", 200,
     "_q/publisher=R%C3%A9gion%20%2F%20X&kind=communique/feed/2.atom"),
    ("/donnees-ouvertes/releases.csv", "text/csv; charset=utf-8", 200, "donnees-ouvertes/releases.csv"),
])
def test_urls_become_the_files_try_files_finds(url, content_type, status, expected):
    assert file_for(url, content_type, status) == expected


@pytest.mark.parametrize("url", ["/topics/../x", "/feed.atom?x=/../../etc/passwd"])
def test_urls_that_cannot_be_files_are_refused(url):
    with pytest.raises(BuildError):
        file_for(url, "text/html")


def test_files_are_written_whole_and_listed_as_the_manifest_names_them(tmp_path):
    write_file(tmp_path, "topics/Économie/feed/2.atom", b"<feed/>")
    write_file(tmp_path, "index.html", b"<html>")
    write_file(tmp_path, "index.html", b"<html lang=fr>")
    assert files_under(tmp_path) == {"topics/Économie/feed/2.atom", "index.html"}
    assert (tmp_path / "index.html").read_bytes() == b"<html lang=fr>"
