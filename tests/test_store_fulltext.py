"""feeds.store.fulltext: full-text search, diacritics folded, best first or newest first."""

from datetime import timedelta

from conftest import now_paris
from store_releases import NOW, seed_release as _seed, small_pressroom

from feeds import store
from feeds.model import Release, Source
from feeds.store import fulltext


def test_full_text_search_ignores_accents(tmp_path):
    db = store.connect(tmp_path / "p.db")
    store.upsert(db, _seed(), now_paris())
    for query in ("region", "plebiscitee", "Région", "PLÉBISCITÉE"):
        rows = db.conn.execute("SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?", (query,)).fetchall()
        assert len(rows) == 1, query


def _page(page: store.SearchPage) -> tuple:
    return [(r.id, snippet) for r, snippet in page.results], page.total, page.exact, page.ranked


def test_search_pages_of_a_small_press_room(tmp_path):
    db = store.connect(tmp_path / "p.db")
    small_pressroom(db)
    both = [("a", "Le \x02numérique\x03 à l'école"), ("b", "Les trains passent au \x02numérique\x03.")]
    assert _page(store.search_page(db, "numérique")) == (both, 2, True, True)  # the title's match first
    assert _page(store.search_page(db, "NUMERIQUE")) == (both, 2, True, True)
    assert _page(store.search_page(db, "numérique", limit=1, offset=1)) == (both[1:], 2, True, True)
    assert _page(store.search_page(db, "numérique", {"place": "Montpellier", "year": 2024})) == (
        both[1:], 1, True, True)
    assert _page(store.search_page(db, "lycees")) == ([("a", "Les \x02lycées\x03 reçoivent des ordinateurs.")],
                                                      1, True, True)
    assert _page(store.search_page(db, "pas encore")) == ([], 0, True, True)  # the draft's words
    assert _page(store.search_page(db, "numérique", offset=2)) == ([], 2, True, True)
    assert _page(store.search_page(db, "", {"publisher": "Ville B"})) == ([("c", None)], 1, True, False)
    assert store.search(db, "budget") == ([(store.get_record(db, "c")[0], "\x02Budget\x03 de la ville")], 1)


def test_past_the_ranked_bound_newest_first_and_counted_up_to_the_limit(tmp_path, monkeypatch):
    db = store.connect(tmp_path / "p.db")
    small_pressroom(db)
    monkeypatch.setattr(fulltext, "RANKED_MATCHES", 1)
    newest = [("b", "\x02Les\x03 trains passent au numérique."), ("a", "\x02Les\x03 lycées reçoivent des ordinateurs.")]
    assert _page(store.search_page(db, "les")) == (newest, 2, True, False)
    assert _page(store.search_page(db, "les", {"year": 2024}, limit=1, offset=1)) == (newest[1:], 2, True, False)
    monkeypatch.setattr(fulltext, "SEARCH_COUNT_LIMIT", 1)
    assert _page(store.search_page(db, "les")) == (newest[:1], 1, False, False)


def test_the_window_of_newest_releases_widens_until_it_holds_the_page(tmp_path):
    db = store.connect(tmp_path / "p.db")
    releases = [Release(id=f"r{i:03d}", title=f"Communiqué {i}", source=Source(f"{i}.md", f"{i:064d}", "frontmatter"),
                        published=NOW - timedelta(hours=(i * 7919) % 300), body_text="rare" if i % 50 == 0 else "commun")
                for i in range(300)]
    store.upsert_many(db, releases, NOW)
    newest = [r.id for r in sorted(releases, key=lambda r: r.published, reverse=True) if r.body_text == "rare"]
    # Told that every release matches, the first window (wanted × 1.5 + 200 rows) holds only some of the six.
    rowids = fulltext._newest_matches(db, '"rare"', limit=5, offset=1, counted=300, last=300)
    ids = {rowid: id for rowid, id in db.conn.execute("SELECT rowid, id FROM releases")}
    assert [ids[rowid] for rowid in rowids] == newest[1:6]
