"""Watched folders: new and changed files are ingested as they arrive (bounded polling in the tests)."""

import json
import select
import subprocess
import threading
import time

from conftest import FEEDS_BIN, ROOT, SEED
from serving import wait_until

from feeds import store
from feeds.ingest.watch import watch


def test_watch_ingests_new_then_changed_files(tmp_path, site):
    folder = tmp_path / "arrivee"
    folder.mkdir()
    db = store.connect(tmp_path / "p.db")
    reports, stop = [], threading.Event()
    thread = threading.Thread(target=watch, args=(db, [folder], site, 0.05),
                              kwargs={"stop": stop, "on_report": lambda r: reports.append(r.summary())})
    thread.start()
    try:
        assert wait_until(lambda: reports, bound=20) == ["0 new, 0 updated, 0 unchanged, 0 rejected"]
        (folder / "premier.txt").write_bytes(SEED.read_bytes())
        assert wait_until(lambda: len(reports) >= 2, bound=20)
        (folder / "premier.txt").write_bytes(SEED.read_bytes().replace(b"1200 participants", b"1300 participants"))
        (folder / "casse.md").write_bytes(b"---\ntitle: x\n")
        assert wait_until(lambda: len(reports) >= 3, bound=20)
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    assert reports == ["0 new, 0 updated, 0 unchanged, 0 rejected", "1 new, 0 updated, 0 unchanged, 0 rejected",
                       "0 new, 1 updated, 0 unchanged, 1 rejected"]
    check = store.connect(tmp_path / "p.db")
    [(rid,)] = check.conn.execute("SELECT id FROM releases").fetchall()
    assert [(r["revision"], json.loads(r["changes"])) for r in check["revisions"].rows_where(order_by="revision")] \
        == [(1, ["*"]), (2, ["body_html", "body_text"])]
    assert rid.startswith("premier-")


def test_cli_ingest_watch_reports_each_arrival(tmp_path):
    folder = tmp_path / "arrivee"
    folder.mkdir()
    proc = subprocess.Popen([str(FEEDS_BIN), "ingest", "--watch", str(folder), "--db", str(tmp_path / "p.db"),
                             "--interval", "0.1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        (folder / "arrive.txt").write_bytes(SEED.read_bytes())
        deadline = time.monotonic() + 30
        line = ""
        while not line and time.monotonic() < deadline:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(10)
    assert line.split(" ", 1)[1] == "1 new, 0 updated, 0 unchanged, 0 rejected\n"
    assert store.connect(tmp_path / "p.db")["releases"].count == 1
