"""feeds.store.withdrawals: a withdrawn release leaves only a tombstone in the open data."""

import json
from datetime import timedelta

from conftest import now_paris
from store_releases import seed_release as _seed

from feeds import store


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
