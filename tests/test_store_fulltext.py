"""feeds.store.fulltext: full-text search, diacritics folded, best first or newest first."""

import pytest
from conftest import now_paris
from store_releases import seed_release as _seed, small_pressroom

from feeds import store
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


@pytest.mark.parametrize("lookup_cost", [0, 10**9])  # walk the releases newest first / window over the matches
def test_past_the_ranked_bound_newest_first_and_counted_up_to_the_limit(tmp_path, monkeypatch, lookup_cost):
    db = store.connect(tmp_path / "p.db")
    small_pressroom(db)
    monkeypatch.setattr(fulltext, "RANKED_MATCHES", 1)
    monkeypatch.setattr(fulltext, "_LOOKUP_COST", lookup_cost)
    newest = [("b", "\x02Les\x03 trains passent au numérique."), ("a", "\x02Les\x03 lycées reçoivent des ordinateurs.")]
    assert _page(store.search_page(db, "les")) == (newest, 2, True, False)
    assert _page(store.search_page(db, "les", {"year": 2024}, limit=1, offset=1)) == (newest[1:], 2, True, False)
    monkeypatch.setattr(fulltext, "SEARCH_COUNT_LIMIT", 1)
    assert _page(store.search_page(db, "les")) == (newest[:1], 1, False, False)
