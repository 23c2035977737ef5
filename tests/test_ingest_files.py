"""Ingest runs: the files of a folder and their publishers, parsing in a pool while the chunk before is written, and
the bulk load of a large first run."""

import sqlite3
from contextlib import contextmanager
from datetime import datetime

import pytest

from conftest import CORPUS, RELEASES, synthetic_corpus

from feeds import store
from feeds.ingest import IngestError, files

NOW = datetime.fromisoformat("2025-03-01T12:00:00+01:00")
N_FILES = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return synthetic_corpus(tmp_path_factory.mktemp("synthetic"), N_FILES, seed=5)


@pytest.fixture
def small_runs(monkeypatch):
    """Batches and chunks of a large run, at the size of a test corpus; the bulk load from 300 files on."""
    monkeypatch.setattr(files, "BATCH", 100)
    monkeypatch.setattr(files, "CHUNK", 150)
    monkeypatch.setattr(files, "BULK_FROM", 300)
    return monkeypatch


@pytest.fixture
def bulk_loads(small_runs):
    """How many bulk loads were opened."""
    opened = []
    real = store.bulk_load

    def counting(db):
        opened.append(db)
        return real(db)

    small_runs.setattr(store, "bulk_load", counting)
    return opened


def tables(path) -> dict[str, list]:
    """Every row of every table, the full-text index's contents and the schema, in an order of their own."""
    conn = sqlite3.connect(path)
    try:
        dump = {"schema": sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr)}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                    "'releases_fts%'").fetchall():
            dump[name] = sorted(conn.execute(f"SELECT rowid, * FROM [{name}]"), key=repr)
        dump["releases_fts"] = sorted(conn.execute("SELECT rowid, * FROM releases_fts"), key=repr)
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, releases_fts, instance)")
        dump["terms"] = conn.execute("SELECT * FROM temp.terms ORDER BY term, doc, col, offset").fetchall()
        dump["integrity"] = conn.execute("PRAGMA integrity_check").fetchall()
        conn.execute("INSERT INTO releases_fts (releases_fts, rank) VALUES ('integrity-check', 1)")  # raises if not
        return dump
    finally:
        conn.close()


def fail_writes(monkeypatch, error: Exception, at: int | None = None, where=None) -> list[str]:
    """Make the store fail to write the ``at``-th record, or every record ``where(record)`` holds; returns
    the ids of the records it was asked to write."""
    written = []
    real = store._Writes.upsert

    def failing(self, record, text=None):
        written.append(record["id"])
        if len(written) == at or (where and where(record)):
            raise error
        return real(self, record, text)

    monkeypatch.setattr(store._Writes, "upsert", failing)
    return written


def run(path, paths, site, **kwargs) -> files.IngestReport:
    db = store.connect(path)
    try:
        return files.ingest_files(db, paths, site, now=NOW, workers=2, **kwargs)
    finally:
        db.conn.close()


@pytest.mark.parametrize("before", [[], [CORPUS / "seed", RELEASES]], ids=["empty", "holding releases"])
def test_bulk_load_writes_the_same_tables_as_batches(corpus, site, tmp_path, small_runs, bulk_loads, before):
    reports = {}
    for name, bulk_from in (("batches", 10**9), ("bulk", 300)):
        small_runs.setattr(files, "BULK_FROM", bulk_from)
        path = tmp_path / f"{name}.db"
        if before:
            run(path, before, site)
        reports[name] = run(path, [corpus], site).to_dict()
        reports[name + " again"] = run(path, [corpus], site).to_dict()
    assert len(bulk_loads) == 1
    assert reports["bulk"] == reports["batches"]
    assert (reports["bulk"]["new"], reports["bulk again"]["unchanged"]) == (N_FILES, N_FILES)
    assert reports["bulk again"] == reports["batches again"]
    assert tables(tmp_path / "bulk.db") == tables(tmp_path / "batches.db")


def test_an_error_during_the_bulk_load_leaves_the_database_as_it_was(corpus, site, tmp_path, small_runs,
                                                                       bulk_loads):
    path = tmp_path / "p.db"
    run(path, [CORPUS / "seed", RELEASES], site)
    before = tables(path)
    written = fail_writes(small_runs, RuntimeError("disk on fire"), at=250)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(path, [corpus], site)
    assert len(bulk_loads) == 1 and len(written) == 250
    assert tables(path) == before


def test_the_bulk_load_journals_alone_and_leaves_the_database_in_wal(corpus, site, tmp_path, small_runs):
    """Alone with the database, the bulk load commits through a rollback journal; with a reader, through the
    WAL. Either way the tables are the same and the database is in WAL mode again after."""
    modes = []
    real = store.bulk_load

    @contextmanager
    def watching(db):
        with real(db) as conn:
            modes.append(conn.execute("PRAGMA journal_mode").fetchone()[0])
            yield conn

    small_runs.setattr(store, "bulk_load", watching)
    alone, shared = tmp_path / "alone.db", tmp_path / "shared.db"
    run(alone, [corpus], site)
    store.connect(shared).conn.close()
    reader = sqlite3.connect(shared)
    try:
        assert reader.execute("SELECT count(*) FROM releases").fetchone() == (0,)
        run(shared, [corpus], site)
        assert reader.execute("SELECT count(*) FROM releases").fetchone()[0] > 0
    finally:
        reader.close()
    assert modes == ["delete", "wal"]
    for path in (alone, shared):
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.close()
    assert tables(alone) == tables(shared)


def test_the_bulk_load_ends_after_bulk_max_releases(corpus, site, tmp_path, small_runs):
    """What the bulk load wrote stays written when a later batch fails; the indexes are all back."""
    small_runs.setattr(files, "BULK_MAX", 200)
    path = tmp_path / "p.db"
    fail_writes(small_runs, RuntimeError("disk on fire"), at=350)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(path, [corpus], site)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM releases").fetchone()[0] + \
        conn.execute("SELECT count(*) FROM _pending").fetchone()[0] == 300  # the bulk load (200), then a batch
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                          "tbl_name = 'releases' AND sql IS NOT NULL")}
    conn.close()
    fresh = tmp_path / "fresh.db"
    store.connect(fresh).conn.close()
    conn = sqlite3.connect(fresh)
    assert indexes == {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                                  "tbl_name = 'releases' AND sql IS NOT NULL")}
    conn.close()
    assert len(indexes) == 13


def test_a_record_that_cannot_be_written_is_rejected_alone_in_the_bulk_load(corpus, site, tmp_path, small_runs,
                                                                             bulk_loads):
    path = tmp_path / "p.db"
    written = fail_writes(small_runs, sqlite3.IntegrityError("CHECK constraint failed"),
                         where=lambda record: record["source"]["name"] == "synth-0000150.txt")
    report = run(path, [corpus], site)
    victim = next(i for i in written if i.startswith("synth-0000150"))
    assert len(bulk_loads) == 1
    assert (report.new, [r.reason for r in report.rejected]) == (
        N_FILES - 1, ["écriture impossible : CHECK constraint failed"])
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM releases WHERE id = ?", (victim,)).fetchone()[0] == 0
    assert conn.execute("SELECT (SELECT count(*) FROM releases) + (SELECT count(*) FROM _pending)").fetchone()[0] \
        == N_FILES - 1
    conn.close()


def test_files_of_folders_and_their_publishers(tmp_path):
    """iter_files lists candidate files sorted, folders first given; read_file refuses what it must; the nearest
    _publisher.toml names the publisher of the files under it."""
    root = tmp_path / "releases"
    (root / "b" / ".cache").mkdir(parents=True)
    (root / "a").mkdir()
    for name in ("a/1.txt", "a/2.md", "a/notes.xlsx", "a/.hidden.txt", "b/.cache/3.txt", "b/4.HTML", "5.json"):
        (root / name).write_text("x")
    (root / "b" / "_publisher.toml").write_text('name = "Préfecture"\ntimezone = "Europe/Paris"\n')
    (root / "out.txt").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").write_text("secret")
    (root / "big.txt").write_bytes(b"x" * 11)
    single = tmp_path / "seul.txt"
    single.write_text("y")

    assert [(str(f.relative_to(tmp_path)), r.name) for f, r in files.iter_files([root, single])] == [
        ("releases/5.json", "releases"), ("releases/big.txt", "releases"), ("releases/out.txt", "releases"),
        ("releases/a/1.txt", "releases"), ("releases/a/2.md", "releases"), ("releases/b/4.HTML", "releases"),
        ("seul.txt", tmp_path.name)]
    assert files.read_file(root / "a" / "1.txt", root) == b"x"
    for path, reason in ((root / "out.txt", "lien symbolique vers un fichier hors du dossier d'entrée, ignoré"),
                         (root / "big.txt", "fichier trop volumineux (11 octets, limite 10)"),
                         (root / "absent.txt", "fichier introuvable"), (root / "a", "ce n'est pas un fichier ordinaire")):
        with pytest.raises(IngestError) as raised:
            files.read_file(path, root, max_bytes=10)
        assert str(raised.value) == reason
    files.forget_publishers()
    assert files.publisher_for(root / "b" / "4.HTML", root) == {"name": "Préfecture", "timezone": "Europe/Paris"}
    assert files.publisher_for(root / "a" / "1.txt", root) is None
