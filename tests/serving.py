"""Helpers of the workflow tests: `feeds serve` with a site file of the test, the `feeds` CLI, a local WebSub hub."""

from __future__ import annotations

import http.client
import json
import sqlite3
import subprocess
import threading
from email.message import Message
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import FEEDS_BIN, ROOT, LiveServer, free_port


def feeds(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The `feeds` command as a user runs it."""
    return subprocess.run([str(FEEDS_BIN), *args], cwd=ROOT, capture_output=True, text=True, check=check)


def copy_db(source: Path, target: Path) -> Path:
    """A consistent copy of a live database (SQLite's backup: what is still in the WAL comes along)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def site_file(folder: Path, hub: str = "", base_url: str = "") -> Path:
    """The default site configuration with a WebSub hub and a public address of the test."""
    text = (ROOT / "data" / "site.toml").read_text(encoding="utf-8")
    text = text.replace('base_url = ""', f'base_url = "{base_url}"', 1).replace('hub = ""', f'hub = "{hub}"', 1)
    path = folder / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Server(LiveServer):
    """`feeds serve --site FILE [OPTION…]` on a free port (LiveServer of conftest, with a site file)."""

    def __init__(self, db: Path, site: Path, port: int, *options: str):
        self.db, self.port = db, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [str(FEEDS_BIN), "serve", "--db", str(db), "--port", str(port), "--site", str(site), *options],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"server did not start: {self.proc.stdout.read().decode()}") from None
                time.sleep(0.2)

    def fetch(self, path: str, headers: dict | None = None) -> tuple[int, Message, bytes]:
        """(status, headers, body) of a GET, errors included."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def post(self, path: str, body: bytes, headers: dict | None = None) -> tuple[int, Message, object]:
        """(status, headers, JSON body) of a POST with a Content-Length."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("POST", path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def upload(self, data: bytes, filename: str, token: str) -> tuple[int, Message, object]:
        return self.post(f"/api/releases?filename={urllib.parse.quote(filename)}", data,
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})

    def rows(self, table: str, **where: str) -> list[dict]:
        """Rows of an open-data table as Datasette serves them (JSON, array shape)."""
        query = urllib.parse.urlencode({"_shape": "array", **where})
        status, _, body = self.fetch(f"/data/pressroom/{table}.json?{query}")
        assert status == 200, body
        return json.loads(body)


class Hub:
    """A WebSub hub on 127.0.0.1: records each publish notification (form fields), answers 204."""

    def __init__(self):
        self.received: list[dict] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode("ascii"))
                hub.received.append({"content_type": self.headers.get("Content-Type"), **form})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def topics_after(self, start: int, expected: set[str], bound: float = 20) -> list[str]:
        """The topics notified since ``start``, once ``expected`` are all there (or the bound is reached)."""
        deadline = time.monotonic() + bound
        while True:
            topics = [url for r in self.received[start:] for url in r["hub.url"]]
            if expected <= set(topics) or time.monotonic() > deadline:
                return sorted(topics)
            time.sleep(0.05)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_until(check, bound: float = 90, step: float = 0.25):
    """Poll ``check()`` until it returns something true, at most ``bound`` seconds; returns its last value."""
    deadline = time.monotonic() + bound
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


__all__ = ["Hub", "Server", "copy_db", "feeds", "free_port", "site_file", "wait_until"]
