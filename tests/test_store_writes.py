"""feeds.store.writes: idempotent upserts, revisions, private drafts and embargoes, the data version."""

import json
from datetime import UTC, datetime, timedelta

from conftest import now_paris
from store_releases import CTX, NOW, budget_release, seed_release as _seed, small_pressroom

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


def test_embargoes_end_as_instants_whatever_their_offset(tmp_path):
    """10:30 in Paris (+01:00) ends before 10:00 in UTC: as text, "…T10:30+01:00" sorts after "…T10:00+00:00"."""
    db = store.connect(tmp_path / "p.db")
    paris = now_paris().replace(hour=10, minute=30, second=0, microsecond=0)
    embargoed = _seed()
    embargoed.id, embargoed.embargo_until = "embargo-paris", paris
    store.upsert(db, embargoed, paris - timedelta(hours=1))
    utc_now = paris.astimezone(UTC) + timedelta(minutes=1)
    assert utc_now.isoformat() < paris.isoformat()
    assert store.publish_due(db, utc_now) == ["embargo-paris"]
    assert store.next_embargo(db) is None


def test_data_version_moves_only_on_change(tmp_path):
    db = store.connect(tmp_path / "p.db")
    v0 = store.data_version(db)
    store.upsert(db, _seed(), datetime.now(CTX.timezone))
    v1 = store.data_version(db)
    store.upsert(db, _seed(), datetime.now(CTX.timezone))
    assert (v0, v1, store.data_version(db)) == (0, 1, 1)


def test_the_public_rows_of_releases_and_the_names_they_share(tmp_path):
    db = store.connect(tmp_path / "p.db")
    small_pressroom(db)
    assert [dict(r) for r in db["publishers"].rows] == [
        {"id": 1, "name": "Région A", "url": "https://region-a.example", "logo": None},
        {"id": 2, "name": "Ville B", "url": None, "logo": None}]
    assert list(db["topics"].rows) == [{"id": 1, "name": "éducation"}, {"id": 2, "name": "numérique"},
                                       {"id": 3, "name": "transports"}]
    assert list(db["release_topics"].rows) == [{"release_id": "a", "position": 0, "topic_id": 1},
                                               {"release_id": "a", "position": 1, "topic_id": 2},
                                               {"release_id": "b", "position": 0, "topic_id": 3}]
    assert list(db["quotes"].rows) == [{"release_id": "a", "position": 0, "person_id": 1, "role": "présidente",
                                        "text": "Une avancée pour les élèves"}]
    assert [r["id"] for r in db["releases"].rows] == ["a", "b", "c"]
    assert [(r["id"], r["status"]) for r in db["_pending"].rows] == [("d", "draft")]
    # A publisher's url and logo, once known, fill in its row; an unknown value leaves it as it was.
    store.upsert_many(db, [budget_release("Un autre texte.")], NOW,
                      {"Ville B": {"url": "https://ville-b.example", "logo": "logo.png"}})
    store.upsert_many(db, [budget_release("Encore un autre.")], NOW, {"Ville B": {"url": None}})
    assert db["publishers"].get(2) == {"id": 2, "name": "Ville B", "url": "https://ville-b.example",
                                       "logo": "logo.png"}


def test_upsert_records_writes_records_already_made(tmp_path):
    db = store.connect(tmp_path / "p.db")
    release = _seed()
    outcomes = store.upsert_records(db, [(release.to_dict(), release.to_json())] * 2, now_paris())
    assert [(o.id, o.action, o.revision) for o in outcomes] == [(release.id, "new", 1), (release.id, "unchanged", 1)]
    assert store.stored_record(db, release.id) == release.to_dict()
