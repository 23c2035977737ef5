"""The build's manifest (feeds/static/manifest.py): what the last build wrote, read back as it was written."""

import json

from feeds.static.manifest import FIELDS, MANIFEST, Page, manifest_bytes, previous, read_manifest, remember

PAGES = [
    Page(url="/", file="index.html", status=200, content_type="text/html; charset=utf-8",
         cache_control="public, max-age=300", sha="a" * 64, etag='"' + "b" * 32 + '"'),
    Page(url="/releases/x", file="_gone/releases/x.html", status=410, content_type="text/html; charset=utf-8",
         cache_control=None, sha="c" * 64, etag=None),
]


def test_the_manifest_is_read_back_as_it_was_written(tmp_path):
    (tmp_path / MANIFEST).write_bytes(manifest_bytes("https://example.org", PAGES))
    assert read_manifest(tmp_path) == {page["url"]: page for page in PAGES}
    assert json.loads((tmp_path / MANIFEST).read_bytes()) == {
        "base_url": "https://example.org", "fields": FIELDS, "pages": [list(page.values()) for page in PAGES]}


def test_a_manifest_of_another_version_or_unreadable_is_none(tmp_path):
    (tmp_path / MANIFEST).write_text(json.dumps({"fields": ["url", "file"], "pages": [["/", "index.html"]]}))
    assert read_manifest(tmp_path) == {}
    (tmp_path / MANIFEST).write_text("{")
    assert read_manifest(tmp_path) == {}
    assert read_manifest(tmp_path / "none") == {}


def test_the_manifest_this_process_wrote_is_remembered_until_another_replaces_it(tmp_path):
    (tmp_path / MANIFEST).write_bytes(manifest_bytes("https://example.org", PAGES))
    remembered = {page["url"]: page for page in PAGES[:1]}  # not what the file says: the file is not read
    remember(tmp_path, remembered)
    assert previous(tmp_path) is remembered
    remember(tmp_path, remembered)
    (tmp_path / MANIFEST).unlink()
    (tmp_path / MANIFEST).write_bytes(manifest_bytes("https://example.org", PAGES))  # another process's
    assert previous(tmp_path) == {page["url"]: page for page in PAGES}
