"""feeds.store.queries (and every other read of the store): what they answer, and that reading writes nothing."""

import inspect
import sqlite3
import sys
from datetime import timedelta

import pytest
import sqlite_utils
from conftest import now_paris
from store_releases import NOW, seed_release, small_pressroom

from feeds import store
from feeds.store import fulltext, queries


def _reads(db: sqlite_utils.Database, release_id: str) -> dict:
    """Every read function of the store on one connection, by name, with what each answered."""
    answers = {
        "data_version": store.data_version(db),
        "stored_record": store.stored_record(db, release_id),
        "get_record": store.get_record(db, release_id),
        "history": store.history(db, release_id),
        "recorded_dates": store.recorded_dates(db, release_id),
        "latest": store.latest(db, 5, 1, "r.place = ?", ["Toulouse"]),
        "count": (store.count(db), store.count(db, "r.year = ?", [2024])),
        "iter_public": list(store.iter_public(db)),
        "publishers": store.publishers(db),
        "feed_entries": store.feed_entries(db, [("q", "région"), ("kind", "communique")], 5, oldest_first=True),
        "feed_count": (store.feed_count(db), store.feed_count(db, [("q", "numérique")])),
        "facet_values": store.facet_values(db),
        "facet_known": [store.facet_known(db, kind, "Toulouse") for kind in ("publisher", "place", "kind")],
        "facet_options": store.facet_options(db),
        "sitemap_rows": store.sitemap_rows(db),
        "search": store.search(db, "numérique", {"year": 2024}),
        "search_page": [store.search_page(db, text) for text in ("région", "les", "", None)],
        "known_sources": store.known_sources(db),
        "next_embargo": store.next_embargo(db),
    }
    return answers


def _file_bytes(path) -> dict:
    return {suffix: (path.parent / (path.name + suffix)).read_bytes() for suffix in ("", "-wal")}


def test_every_read_function_is_read_by_the_read_only_test():
    """The test below runs every public function of the modules that read, and only those."""
    public = {name for module in (queries, fulltext) for name, f in vars(module).items()
              if inspect.isfunction(f) and f.__module__ == module.__name__ and not name.startswith("_")}
    called = set(inspect.getsource(_reads).split('"')[1::2]) & set(dir(store))
    assert public - {"stored_json"} <= called
    assert called - public == {"known_sources", "next_embargo"}  # the reads of feeds.store.writes


def test_reads_never_change_the_database_file(db_path, monkeypatch):
    now = now_paris()
    writer = store.connect(db_path)
    embargoed = seed_release()
    embargoed.id, embargoed.embargo_until = "sous-embargo", now + timedelta(days=1)
    store.upsert(writer, embargoed, now)  # something pending, so that next_embargo finds it
    release_id = writer.conn.execute("SELECT id FROM releases ORDER BY rowid LIMIT 1").fetchone()[0]
    store.withdraw(writer, release_id, "Erreur", now)
    # A reader open all along: closing the last connection would checkpoint the WAL into the file.
    observer = sqlite3.connect(db_path)
    version = observer.execute("PRAGMA data_version").fetchone()[0]
    writer.conn.close()
    before = _file_bytes(db_path)
    assert before["-wal"]  # the writes wait in the WAL, which reads must not checkpoint
    monkeypatch.setattr(fulltext, "RANKED_MATCHES", 0)  # every search past the ranked bound: newest first
    answers = []
    for db in (store.connect(db_path, create=False),
               sqlite_utils.Database(sqlite3.connect(store.read_only_uri(db_path), uri=True))):
        queries._FACET_OPTIONS.clear()  # computed on each connection, not served from the cache
        answers.append(_reads(db, release_id))
        db.conn.close()
    assert repr(answers[0]) == repr(answers[1])
    assert answers[0]["next_embargo"] == embargoed.embargo_until.isoformat()
    assert (answers[0]["get_record"][1]["status"], answers[0]["get_record"][1]["withdrawn_reason"]) == ("withdrawn",
                                                                                                      "Erreur")
    assert observer.execute("PRAGMA data_version").fetchone()[0] == version
    assert _file_bytes(db_path) == before
    observer.close()


@pytest.mark.parametrize("opened", ["read_only_uri", pytest.param("create=False", marks=pytest.mark.skipif(
    sys.version_info < (3, 12), reason="Python 3.12's setconfig asks SQLite not to checkpoint on close"))])
def test_the_last_reader_to_close_leaves_the_wal_as_it_was(db_path, opened):
    writer = store.connect(db_path)
    writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
    store.withdraw(writer, writer.conn.execute("SELECT id FROM releases LIMIT 1").fetchone()[0], "Erreur", now_paris())
    reader = (store.connect(db_path, create=False) if opened == "create=False"
              else sqlite_utils.Database(sqlite3.connect(store.read_only_uri(db_path), uri=True)))
    assert store.data_version(reader) > 0  # the reader has the database open before the writer closes
    writer.conn.close()
    before = _file_bytes(db_path)
    assert before["-wal"]
    reader.conn.close()
    assert _file_bytes(db_path) == before


def test_opening_to_read_creates_no_file_and_migrates_nothing(tmp_path):
    missing = tmp_path / "absente.db"
    with pytest.raises(store.StoreError, match="base de données introuvable"):
        store.connect(missing, create=False)
    assert not missing.exists()
    # A database of an older version (rollback journal, no schema): opened to read, it stays as it was.
    old = tmp_path / "ancienne.db"
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE releases (id TEXT PRIMARY KEY, published TEXT)")
    conn.execute("CREATE INDEX idx_releases_published ON releases (published)")
    conn.commit()
    conn.close()
    before = old.read_bytes()
    db = store.connect(old, create=False)
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.conn.close()
    assert (old.read_bytes(), sorted(p.name for p in tmp_path.iterdir())) == (before, ["ancienne.db"])


def test_listings_feeds_and_facets_of_a_small_press_room(tmp_path):
    db = store.connect(tmp_path / "p.db")
    assert list(small_pressroom(db)) == ["a", "b", "c", "d"]
    recorded = NOW.isoformat()
    assert [r.id for r in store.latest(db)] == [r.id for r in store.iter_public(db)] == ["b", "a", "c"]
    assert [r.id for r in store.latest(db, 1, 1, "r.publisher_id IN (SELECT id FROM publishers WHERE name = ?)",
                                       ["Région A"])] == ["a"]
    assert [(r.id, t) for r, t in store.feed_entries(db)] == [("b", recorded), ("a", recorded), ("c", recorded)]
    assert [(r.id, t) for r, t in store.feed_entries(db, [("topic", "numérique")])] == [("a", recorded)]
    assert [r.id for r, _ in store.feed_entries(db, [("q", "numerique")], oldest_first=True)] == ["a", "b"]
    assert [r.id for r, _ in store.feed_entries(db, [("q", "*")])] == []  # nothing searchable: nothing found
    assert (store.feed_count(db), store.feed_count(db, [("publisher", "Région A")]),
            store.count(db), store.count(db, "r.year = ?", [2023])) == (3, 2, 3, 1)
    assert store.facet_values(db) == {
        "publisher": ["Région A", "Ville B"], "topic": ["numérique", "transports", "éducation"],
        "place": ["Montpellier", "Toulouse"], "person": ["Marie Dupont"], "kind": ["communique", "dossier"]}
    assert store.facet_options(db) == {"publisher": ["Région A", "Ville B"], "kind": ["communique", "dossier"],
                                       "place": ["Montpellier", "Toulouse"], "year": [2024, 2023]}
    assert store.facet_options(db, places=1)["place"] == ["Montpellier"]  # the commonest, ties by name
    assert [store.facet_known(db, kind, value) for kind, value in [
        ("publisher", "Région A"), ("publisher", "X"), ("topic", "transports"), ("person", "Marie Dupont"),
        ("place", "Toulouse"), ("place", "Lyon"), ("kind", "x")]] == [True, False, True, True, True, False, True]
    assert store.sitemap_rows(db) == [("a", "2024-03-01T10:00:00+01:00"), ("b", "2024-05-02T10:00:00+02:00"),
                                      ("c", "2023-11-20T09:00:00+01:00")]
    assert store.sitemap_rows(db, 1, 2) == [("c", "2023-11-20T09:00:00+01:00")]
    assert store.publishers(db) == {
        "Région A": {"id": 1, "name": "Région A", "url": "https://region-a.example", "logo": None},
        "Ville B": {"id": 2, "name": "Ville B", "url": None, "logo": None}}


def test_one_release_its_record_history_and_dates(tmp_path):
    db = store.connect(tmp_path / "p.db")
    written = small_pressroom(db)
    recorded = NOW.isoformat()
    release, row = store.get_record(db, "b")
    assert release == written["b"]
    assert {k: row[k] for k in ("id", "publisher_name", "publisher_url", "revision", "year", "month", "kind",
                                "place", "topics", "status", "withdrawn_reason")} == {
        "id": "b", "publisher_name": "Région A", "publisher_url": "https://region-a.example", "revision": 1,
        "year": 2024, "month": "2024-05", "kind": "dossier", "place": "Montpellier", "topics": '["transports"]',
        "status": "published", "withdrawn_reason": None}
    assert store.get_record(db, "d") is None  # a draft is not public
    assert store.stored_record(db, "d") == written["d"].to_dict()
    assert store.stored_record(db, "inconnu") is None
    assert store.history(db, "a") == [{"revision": 1, "recorded_at": recorded, "source_sha256": "a" * 64,
                                       "changes": ["*"], "record": written["a"].to_dict()}]
    assert (store.recorded_dates(db, "a"), store.recorded_dates(db, "inconnu")) == ((recorded, recorded),
                                                                                   (None, None))
    assert (store.known_sources(db), store.next_embargo(db), store.data_version(db)) == (
        {c * 64 for c in "abcd"}, None, 4)
