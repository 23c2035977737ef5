"""The public tables as downloads: the whole public database as one SQLite file, each table as JSON and as CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from feeds import store
from feeds.export import PUBLIC_TABLES, ExportError


def public_database_file(db_path: str | Path, out_dir: str | Path) -> Path:
    """A consistent copy of the public tables only, named after its data version; made once per version.

    The copy is taken with SQLite's backup API (one read transaction, so the data version inside it is the
    version of its rows); private tables are then dropped and the file rebuilt by VACUUM, so no page of a
    draft or an embargoed release survives in it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(store.read_only_uri(db_path), uri=True)
    work = out_dir / f".pressroom-{uuid.uuid4().hex}.db.tmp"
    try:
        # The file of the current version, if it was made: asked for by every download, and by every build.
        made = out_dir / f"pressroom-{store.data_version(sqlite_utils.Database(source))}.db"
        if made.exists():
            return made
        target = sqlite3.connect(work, isolation_level=None)
        # A file no one reads before it is whole: written without a sync at each step (the backup, the
        # VACUUM), then synced once before it takes its name.
        target.execute("PRAGMA synchronous = OFF")
        try:
            source.backup(target)
            version = store.data_version(sqlite_utils.Database(target))
            final = out_dir / f"pressroom-{version}.db"
            if final.exists():
                return final
            target.execute("PRAGMA journal_mode = DELETE")
            for table in store.PRIVATE_TABLES:
                target.execute(f"DROP TABLE IF EXISTS [{table}]")
            target.execute("VACUUM")
            # VACUUM may renumber the rowids of tables without an INTEGER PRIMARY KEY, which the full-text
            # index refers to: rebuild it from the table.
            target.execute("INSERT INTO releases_fts (releases_fts) VALUES ('rebuild')")
        finally:
            target.close()
        fd = os.open(work, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        work.replace(final)
        for old in out_dir.glob("pressroom-*.db"):
            if old != final:
                old.unlink(missing_ok=True)
        return final
    except sqlite3.Error as exc:
        raise ExportError(f"copie de la base impossible : {exc}") from None
    finally:
        source.close()
        work.unlink(missing_ok=True)


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    if table not in PUBLIC_TABLES:
        raise ExportError(f"table inconnue : {table}")
    return [r[1] for r in sorted(conn.execute(f"PRAGMA table_info([{table}])").fetchall(), key=lambda r: r[5])
            if r[5]]


def _rows(conn: sqlite3.Connection, table: str) -> sqlite3.Cursor:
    """Every row of a public table, in the order of its primary key."""
    pks = _primary_key(conn, table)
    return conn.execute(f"SELECT * FROM [{table}] ORDER BY {', '.join(f'[{c}]' for c in pks)}")


def iter_table_json(conn: sqlite3.Connection, table: str) -> Iterator[str]:
    """Every row of a public table as a JSON array, in chunks; ``conn`` should hold a read transaction."""
    cursor = _rows(conn, table)
    columns = [d[0] for d in cursor.description]
    yield "["
    first = True
    while rows := cursor.fetchmany(500):
        chunk = ",\n".join(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) for row in rows)
        yield ("\n" if first else ",\n") + chunk
        first = False
    yield "\n]\n"


def iter_table_csv(conn: sqlite3.Connection, table: str) -> Iterator[str]:
    """Every row of a public table as CSV (``csv``'s dialect: commas, CRLF, quotes where needed; NULL is an empty
    field), a header of its columns first, in chunks; ``conn`` should hold a read transaction."""
    cursor = _rows(conn, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(d[0] for d in cursor.description)
    while rows := cursor.fetchmany(500):
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header of a table without rows
        yield buffer.getvalue()
