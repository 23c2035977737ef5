"""feeds.store.writes: idempotent upserts, revisions, private drafts and embargoes, the data version."""

import json
from datetime import datetime, timedelta

from conftest import now_paris
from seed_release import CTX, seed_release as _seed

from feeds import store


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


def test_data_version_moves_only_on_change(tmp_path):
    db = store.connect(tmp_path / "p.db")
    v0 = store.data_version(db)
    store.upsert(db, _seed(), datetime.now(CTX.timezone))
    v1 = store.data_version(db)
    store.upsert(db, _seed(), datetime.now(CTX.timezone))
    assert (v0, v1, store.data_version(db)) == (0, 1, 1)
