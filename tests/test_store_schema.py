"""feeds.store.schema: the tables, the triggers that count public releases, connections."""

from datetime import timedelta

import pytest
from conftest import now_paris
from store_releases import seed_release as _seed

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


SCHEMA = [
    ("table", "publishers"), ("index", "idx_publishers_name"), ("table", "releases"),
    ("index", "sqlite_autoindex_releases_1"), ("index", "idx_releases_published_id"),
    ("index", "idx_releases_status_published_id_revision_publisher_id_place_kind_updated"),
    ("index", "idx_releases_publisher_id_published"), ("index", "idx_releases_kind"), ("index", "idx_releases_place"),
    ("index", "idx_releases_year"), ("index", "idx_releases_month"), ("index", "idx_releases_source_sha256"),
    ("index", "idx_releases_status_kind"), ("index", "idx_releases_status_place"), ("index", "idx_releases_status_year"),
    ("index", "idx_releases_topics"), ("index", "idx_releases_status_month_publisher_id"), ("table", "people"),
    ("index", "idx_people_name"), ("table", "topics"), ("index", "idx_topics_name"), ("table", "quotes"),
    ("index", "sqlite_autoindex_quotes_1"), ("table", "contacts"), ("index", "sqlite_autoindex_contacts_1"),
    ("table", "links"), ("index", "sqlite_autoindex_links_1"), ("table", "attachments"),
    ("index", "sqlite_autoindex_attachments_1"), ("table", "release_topics"),
    ("index", "sqlite_autoindex_release_topics_1"), ("index", "idx_quotes_person_id"),
    ("index", "idx_release_topics_topic_id"), ("table", "revisions"), ("index", "sqlite_autoindex_revisions_1"),
    ("index", "idx_revisions_recorded_at_release_id_revision"), ("table", "_pending"),
    ("index", "sqlite_autoindex__pending_1"), ("index", "idx__pending_embargo_until"),
    ("index", "idx__pending_source_sha256"), ("table", "_meta"), ("index", "sqlite_autoindex__meta_1"),
    ("table", "_withdrawn"), ("index", "sqlite_autoindex__withdrawn_1"), ("table", "releases_fts"),
    ("table", "releases_fts_data"), ("table", "releases_fts_idx"), ("table", "releases_fts_docsize"),
    ("table", "releases_fts_config"), ("trigger", "releases_ai"), ("trigger", "releases_ad"), ("trigger", "releases_au"),
    ("trigger", "releases_published_count_insert"), ("trigger", "releases_published_count_delete"),
    ("trigger", "releases_published_count_update"),
]


def _schema(db) -> list[tuple[str, str]]:
    return db.conn.execute("SELECT type, name FROM sqlite_master ORDER BY rowid").fetchall()


def test_a_new_database_has_the_whole_schema_in_wal(tmp_path):
    db = store.connect(tmp_path / "p.db")
    assert _schema(db) == SCHEMA
    assert (db.conn.execute("PRAGMA journal_mode").fetchone(), list(db["_meta"].rows)) == (
        ("wal",), [{"key": "published", "value": "0"}])
    store.connect(tmp_path / "p.db").conn.close()  # again: nothing added
    assert _schema(db) == SCHEMA
    store.ensure_tokens(db)
    assert _schema(db) == [*SCHEMA, ("table", "_tokens"), ("index", "sqlite_autoindex__tokens_1")]


def test_connect_brings_an_older_database_up_to_date(tmp_path):
    db = store.connect(tmp_path / "p.db")
    store.upsert(db, _seed(), now_paris())
    # What an older version made: narrower indexes under other names, no count of public releases.
    for old in ("idx_releases_published_id", "idx_releases_status_published_id_revision_publisher_id_place_kind_updated",
                "releases_published_count_insert", "releases_published_count_delete", "releases_published_count_update"):
        db.conn.execute(f"DROP {'TRIGGER' if old.endswith(('insert', 'delete', 'update')) else 'INDEX'} [{old}]")
    db.conn.execute("CREATE INDEX idx_releases_published ON releases (published DESC)")
    db.conn.execute("CREATE INDEX idx_releases_status_published ON releases (status, published)")
    db.conn.execute("DELETE FROM _meta WHERE key = 'published'")
    db.conn.close()
    db = store.connect(tmp_path / "p.db")
    assert sorted(_schema(db)) == sorted(SCHEMA)
    assert store.feed_count(db) == 1


def test_a_transaction_inside_a_transaction_is_a_savepoint(tmp_path):
    db = store.connect(tmp_path / "p.db")

    def names():
        return [r["name"] for r in db["people"].rows]

    with store.transaction(db) as conn:
        conn.execute("INSERT INTO people (name) VALUES ('gardé')")
        with pytest.raises(RuntimeError), store.transaction(db) as inner:
            inner.execute("INSERT INTO people (name) VALUES ('annulé')")
            raise RuntimeError
        with store.transaction(db) as inner:
            inner.execute("INSERT INTO people (name) VALUES ('écrit')")
    assert (names(), db.conn.in_transaction) == (["gardé", "écrit"], False)
    with pytest.raises(RuntimeError), store.transaction(db) as conn:
        conn.execute("INSERT INTO people (name) VALUES ('perdu')")
        raise RuntimeError
    assert (names(), db.conn.in_transaction) == (["gardé", "écrit"], False)
