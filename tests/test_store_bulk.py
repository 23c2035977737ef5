"""feeds.store.bulk: a bulk load writes what the same upserts write one transaction at a time, or nothing."""

import sqlite3

import pytest
from store_releases import small_pressroom

from feeds import store


def _dump(path) -> dict:
    """The schema, every row of every table and the terms of the full-text index."""
    conn = sqlite3.connect(path)
    dump = {"schema": conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall(),
            "journal": conn.execute("PRAGMA journal_mode").fetchone()}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'releases_fts%'"):
        dump[name] = conn.execute(f"SELECT rowid, * FROM [{name}] ORDER BY rowid").fetchall()
    conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, releases_fts, instance)")
    dump["terms"] = conn.execute("SELECT * FROM temp.terms ORDER BY term, doc, col, offset").fetchall()
    conn.execute("INSERT INTO releases_fts (releases_fts, rank) VALUES ('integrity-check', 1)")  # raises if not
    conn.close()
    return dump


def test_a_bulk_load_writes_what_upserts_write(tmp_path):
    small_pressroom(store.connect(tmp_path / "one.db"))
    db = store.connect(tmp_path / "bulk.db")
    with store.bulk_load(db):
        small_pressroom(db)  # its transaction is a savepoint of the load's
    assert _dump(tmp_path / "bulk.db") == _dump(tmp_path / "one.db")
    assert _dump(tmp_path / "bulk.db")["journal"] == ("wal",)


def test_an_error_in_a_bulk_load_leaves_the_database_as_it_was(tmp_path):
    db = store.connect(tmp_path / "p.db")
    before = _dump(tmp_path / "p.db")
    with pytest.raises(RuntimeError), store.bulk_load(db):
        small_pressroom(db)
        raise RuntimeError
    assert _dump(tmp_path / "p.db") == before
    assert store.search_page(db, "numérique").total == 0
