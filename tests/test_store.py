"""The store: idempotent upserts, revisions, private drafts and embargoes, full-text search."""

import json
from datetime import datetime, timedelta

from conftest import SEED, now_paris

from feeds import store
from feeds.ingest import Context, parse_bytes

CTX = Context()


def _seed(text_change: str | None = None):
    data = SEED.read_bytes()
    if text_change:
        data = data.replace(b"1200 participants", text_change.encode())
    return parse_bytes(data, SEED.name, CTX)[0]


def test_upsert_is_idempotent_and_changes_make_revisions(tmp_path):
    db = store.connect(tmp_path / "p.db")
    now = now_paris()
    first = store.upsert(db, _seed(), now)
    again = store.upsert(db, _seed(), now)
    changed = store.upsert(db, _seed("1300 participants"), now + timedelta(minutes=5))
    assert [(o.action, o.revision) for o in (first, again, changed)] == [("new", 1), ("unchanged", 1), ("updated", 2)]
    assert first.id == changed.id
    rows = [(r["revision"], json.loads(r["changes"])) for r in db["revisions"].rows_where(order_by="revision")]
    assert rows == [(1, ["*"]), (2, ["body_html", "body_text"])]
    release, row = store.get_record(db, first.id)
    assert "1300 participants" in release.body_text
    assert release.updated == now + timedelta(minutes=5)
    assert (row["revision"], row["publisher_name"], row["place"]) == (2, "Région Occitanie / Pyrénées-Méditerranée",
                                                                      "Toulouse")


def test_drafts_and_embargoes_stay_private_until_due(tmp_path):
    db = store.connect(tmp_path / "p.db")
    now = now_paris()
    draft, embargoed = _seed(), _seed()
    draft.id, draft.status = "draft-1", "draft"
    embargoed.id, embargoed.embargo_until = "embargo-1", now + timedelta(minutes=1)
    store.upsert(db, draft, now)
    store.upsert(db, embargoed, now)
    assert db["releases"].count == 0
    assert store.publish_due(db, now) == []
    assert store.publish_due(db, now + timedelta(minutes=2)) == ["embargo-1"]
    assert [r["id"] for r in db["releases"].rows] == ["embargo-1"]
    assert [r["id"] for r in db["_pending"].rows] == ["draft-1"]


def test_full_text_search_ignores_accents(tmp_path):
    db = store.connect(tmp_path / "p.db")
    store.upsert(db, _seed(), now_paris())
    for query in ("region", "plebiscitee", "Région", "PLÉBISCITÉE"):
        rows = db.conn.execute("SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?", (query,)).fetchall()
        assert len(rows) == 1, query


def test_data_version_moves_only_on_change(tmp_path):
    db = store.connect(tmp_path / "p.db")
    v0 = store.data_version(db)
    store.upsert(db, _seed(), datetime.now(CTX.timezone))
    v1 = store.data_version(db)
    store.upsert(db, _seed(), datetime.now(CTX.timezone))
    assert (v0, v1, store.data_version(db)) == (0, 1, 1)


def test_withdrawal_leaves_only_a_tombstone_in_the_open_data(tmp_path):
    db = store.connect(tmp_path / "p.db")
    now = now_paris()
    first = store.upsert(db, _seed(), now)
    store.upsert(db, _seed("1300 participants"), now + timedelta(minutes=1))
    store.withdraw(db, first.id, "Erreur de diffusion", now + timedelta(minutes=2))
    public = " ".join(str(v) for table in ("releases", "revisions", "quotes", "contacts", "links")
                      for row in db[table].rows for v in row.values())
    assert "participants" not in public and "Carole Delga" not in public
    records = [json.loads(r["record"]) for r in db["revisions"].rows_where(order_by="revision")]
    assert [r["status"] for r in records] == ["withdrawn"] * 3
    assert {r["title"] for r in records} == {"1ère collectivité à concevoir un MOOC, la Région est plébiscitée "
                                             "pour sa démarche innovante"}
    release, row = store.get_record(db, first.id)
    assert (row["status"], row["withdrawn_reason"], release.body_text) == ("withdrawn", "Erreur de diffusion", "")
    # The same document again leaves it withdrawn; a changed one publishes it again, whole.
    again = store.upsert(db, _seed("1300 participants"), now + timedelta(minutes=3))
    assert (again.action, db["releases"].get(first.id)["status"]) == ("unchanged", "withdrawn")
    back = store.upsert(db, _seed("1400 participants"), now + timedelta(minutes=4))
    release, row = store.get_record(db, first.id)
    assert (back.action, back.revision, row["status"]) == ("updated", 4, "published")
    assert "1400 participants" in release.body_text
    assert db["_withdrawn"].count == 0


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
