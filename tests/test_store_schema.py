"""feeds.store.schema: the tables, the triggers that count public releases, connections."""

from datetime import timedelta

from conftest import now_paris
from seed_release import seed_release as _seed

from feeds import store


def test_published_count_follows_every_change(tmp_path):
    db = store.connect(tmp_path / "p.db")
    now = now_paris()

    def counts():
        return (store.feed_count(db), db.conn.execute("SELECT count(*) FROM releases WHERE status = 'published'")
                .fetchone()[0])

    a, b = _seed(), _seed("1300 participants")
    b.id = "autre"
    store.upsert(db, a, now)
    store.upsert(db, b, now)
    assert counts() == (2, 2)
    store.upsert(db, _seed("1400 participants"), now + timedelta(minutes=1))  # a revision, not a new release
    assert counts() == (2, 2)
    store.withdraw(db, a.id, "Erreur", now + timedelta(minutes=2))
    assert counts() == (1, 1)
    store.upsert(db, _seed("1500 participants"), now + timedelta(minutes=3))  # published again
    assert counts() == (2, 2)
    draft = _seed("1600 participants")
    draft.status = "draft"
    store.upsert(db, draft, now + timedelta(minutes=4))  # back to draft: leaves the public tables
    assert counts() == (1, 1)
