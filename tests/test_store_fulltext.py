"""feeds.store.fulltext: full-text search, diacritics folded."""


from conftest import now_paris
from seed_release import seed_release as _seed

from feeds import store


def test_full_text_search_ignores_accents(tmp_path):
    db = store.connect(tmp_path / "p.db")
    store.upsert(db, _seed(), now_paris())
    for query in ("region", "plebiscitee", "Région", "PLÉBISCITÉE"):
        rows = db.conn.execute("SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?", (query,)).fetchall()
        assert len(rows) == 1, query
