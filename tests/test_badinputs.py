"""Hostile files ingested among real ones: each is normalised safely or rejected with its name and a reason.

The table CASES is the documented behaviour (README, "Bad input"): file name, how it is made, and the
expected outcome — ``rejected`` with a phrase of the reason, or ``ingested`` with a check of the record.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import CORPUS, FEEDS_BIN, ROOT, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def release(title: str = "Un titre ordinaire", date: str = "Toulouse, le 3 mai 2021", body: str = "") -> str:
    return "\n\n".join(["Communiqué de presse", date, title,
                        body or "Un chapeau assez long pour être un vrai paragraphe de présentation du sujet.",
                        "Le corps du texte, avec un deuxième paragraphe."])


def nested(n: int, open_: str, close: str, inner: str = "x") -> str:
    return open_ * n + inner + close * n


rng = random.Random(7)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>'
)

# name, bytes (or a callable making the file), expected: ("rejected", reason) | ("ingested", check)
CASES = [
    ("empty.txt", b"", ("rejected", "fichier vide")),
    ("whitespace.txt", b" \n\t\r\n   \n", ("rejected", "fichier vide")),
    ("random.txt", bytes(rng.randrange(256) for _ in range(8192)), ("rejected", "binaire")),
    ("image-named.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(4096), ("rejected", "binaire")),
    ("truncated-utf8.txt", release("Lycée de Montpellier : l'été arrive").encode()[:-30] + "é".encode()[:1],
     ("ingested", lambda r: r["title"] == "Lycée de Montpellier : l'été arrive")),
    ("latin1.txt", release("Élus régionaux à Nîmes").encode("latin-1"),
     ("ingested", lambda r: r["title"] == "Élus régionaux à Nîmes")),
    ("utf16-nobom.txt", release("Fête de la Région").encode("utf-16-le"),
     ("ingested", lambda r: r["title"] == "Fête de la Région")),
    ("utf8-bom.txt", b"\xef\xbb\xbf" + release("Début de l'été").encode(),
     ("ingested", lambda r: r["title"] == "Début de l'été")),
    ("mojibake.txt", release("Région plébiscitée").encode().decode("latin-1").encode(),
     ("ingested", lambda r: r["title"] == "Région plébiscitée")),
    ("nul-bytes.txt", release("Titre\x00 avec NUL").encode(),
     ("ingested", lambda r: r["title"] == "Titre avec NUL")),
    ("huge.txt", lambda p: p.write_bytes(b"a" * (30 * 1024 * 1024)), ("rejected", "trop volumineux")),
    ("long-title.txt", release("Très " * 2000 + "long").encode(),
     ("ingested", lambda r: len(r["title"]) <= 300 and "title_truncated" in codes(r))),
    ("year-2099.txt", release(date="Toulouse, le 3 mai 2099").encode(),
     ("ingested", lambda r: r["published"].startswith("2099-05-03") and "date_in_future" in codes(r))),
    ("year-0001.txt", release(date="Toulouse, le 3 mai 0001").encode(),
     ("ingested", lambda r: r["published"].startswith("0001-05-03") and "date_implausible" in codes(r))),
    ("february-30.txt", release(date="Toulouse, le 30 février 2019").encode(), ("rejected", "date impossible")),
    ("sql-title.txt", release("Robert'); DROP TABLE releases;--").encode(),
     ("ingested", lambda r: r["title"] == "Robert'); DROP TABLE releases;--")),
    ("cdata-title.txt", release("Fin ]]> </entry> <script>alert(1)</script> \x07\x1b bip").encode(),
     ("ingested", lambda r: r["title"] == "Fin ]]> bip" and "<" not in r["title"])),
    ("bidi.txt", release("Normal\u202etxet\u202c et\u200b invisible\u2066").encode(),
     ("ingested", lambda r: r["title"] == "Normaltxet et invisible")),
    ("nested-quotes.txt", release(body=nested(5000, "« ", " »", "citation")).encode(),
     ("ingested", lambda r: r["title"] == "Un titre ordinaire")),
    ("many-links.txt", release(body=" ".join(f"<https://example.org/{i}>" for i in range(20000))).encode(),
     ("ingested", lambda r: len(r["links"]) <= 1000 and "links_truncated" in codes(r))),
    ("broken-frontmatter.md", b"---\ntitle: Sans fin\ndate: 2020-01-01\n\nLe corps.\n", ("rejected", "YAML")),
    ("bad-yaml.md", b"---\ntitle: [non ferm\xc3\xa9\ndate: :\n---\nCorps.\n", ("rejected", "YAML")),
    ("wrong-types.md", b"---\ntitle:\n  - 1\n  - 2\ndate: bonjour\ntags: {a: b}\npublished: 3\n---\nCorps.\n",
     ("rejected", "title")),
    ("no-body.html", b"<!doctype html><html><head><meta charset=utf-8></head></html>", ("rejected", "")),
    ("nested-divs.html", ("<!doctype html><html><body>" + nested(100_000, "<div>", "</div>") + "</body></html>")
     .encode(), ("rejected", "")),
    ("broken.json", b'{"document": {"titre": "Sans fin"', ("rejected", "JSON")),
    ("deep.json", ("[" * 100_000 + "]" * 100_000).encode(), ("rejected", "")),
    ("lone-surrogate.json", json.dumps({"document": {
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e", "titre": "Avant\ud800après", "date_publication": "2024-02-01",
        "lieu_publication": "Paris", "contenu_markdown": "Texte.", "type": "communique_de_presse",
        "emetteurs": [{"nom": "Ministère"}]}}).encode(),
     ("ingested", lambda r: r["title"] == "Avantaprès" or r["title"] == "Avant après")),
    ("fake.docx", b"PK\x03\x04" + b"pas un document Word" * 50, ("rejected", "")),
    ("fake.pdf", b"%PDF-1.4\n" + b"pas un PDF" * 50, ("rejected", "")),
    ("crlf.txt", release("Fin de ligne Windows").replace("\n", "\r\n").encode(),
     ("ingested", lambda r: r["title"] == "Fin de ligne Windows")),
    ("passwd-link.txt", lambda p: p.symlink_to("/etc/passwd"), ("rejected", "lien symbolique")),
    ("billion-laughs.rss", BILLION_LAUGHS.encode(), ("rejected", "")),
    ("script-everywhere.txt", "\n\n".join([
        "Communiqué de presse", "Toulouse, le 3 mai 2021", "<img src=x onerror=alert(1)>Titre piégé",
        "Un chapeau <script>alert(1)</script> assez long pour être un vrai paragraphe de présentation.",
        '<a href="javascript:alert(1)">lien</a> <iframe srcdoc="<script>alert(1)</script>"></iframe> '
        '<p onclick="alert(1)">para</p>',
        "« Une citation assez longue pour compter comme une vraie citation », a déclaré "
        "<script>alert(1)</script>Jean Dupont.",
        "Contact presse :\n<b onmouseover=alert(1)>Marie Curie</b> : marie@region.fr",
    ]).encode(), ("ingested", lambda r: no_script(r))),
]


def codes(record: dict) -> list[str]:
    return [w["code"] for w in record["warnings"]]


def no_script(record: dict) -> bool:
    text = json.dumps(record, ensure_ascii=False).lower()
    return all(bad not in text for bad in ("<script", "onerror", "javascript:", "srcdoc", "onclick", "onmouseover",
                                           "<iframe"))


GOOD = [SEED, *sorted((CORPUS / "dinum").glob("*.md"))[:5], *sorted((CORPUS / "mn-ag").glob("*.html"))[:3]]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Every hostile file among real releases, ingested once by the real CLI."""
    folder = tmp_path_factory.mktemp("inputs")
    for name, content, _ in CASES:
        path = folder / name
        if callable(content):
            content(path)
        else:
            path.write_bytes(content)
    for good in GOOD:
        shutil.copy(good, folder / good.name)
    db = folder.parent / "bad.db"
    result = subprocess.run([str(FEEDS_BIN), "ingest", str(folder), "--db", str(db), "--json"],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    parsed = subprocess.run([str(FEEDS_BIN), "parse", str(folder)], capture_output=True, text=True, cwd=ROOT,
                            timeout=600)
    records = {}
    for line in parsed.stdout.splitlines():
        record = json.loads(line)
        records[record["source"]["name"]] = record
    return folder, db, result, json.loads(result.stdout), records


def test_the_run_reports_and_exits_1_without_traceback(run):
    folder, db, result, report, _ = run
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    rejected_names = {Path(r["file"]).name for r in report["rejected"]}
    expected = {name for name, _, (outcome, _) in CASES if outcome == "rejected"}
    assert rejected_names == expected
    for line in result.stderr.splitlines():
        assert line.startswith(f"error: {folder}/"), line
        name, _, reason = line.removeprefix(f"error: {folder}/").partition(": ")
        assert name in expected and reason.strip(), line


@pytest.mark.parametrize("name, _content, expected", CASES, ids=[c[0] for c in CASES])
def test_case(run, name, _content, expected):
    _, _, _, report, records = run
    outcome, detail = expected
    reasons = {Path(r["file"]).name: r["reason"] for r in report["rejected"]}
    if outcome == "rejected":
        assert name in reasons
        assert detail.lower() in reasons[name].lower()
    else:
        assert name not in reasons, reasons.get(name)
        assert detail(records[name]), records[name]


def test_good_releases_all_in_and_database_intact(run):
    _, db, _, report, _ = run
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sources = {r[0] for r in conn.execute("SELECT source_name FROM releases UNION SELECT "
                                          "json_extract(record, '$.source.name') FROM _pending")}
    assert {g.name for g in GOOD} <= sources
    ingested = {name for name, _, (outcome, _) in CASES if outcome == "ingested"}
    assert ingested <= sources
    assert report["new"] == len(sources)


def test_no_file_is_left_open_or_half_written(run, tmp_path):
    """A second run changes nothing: every accepted file is unchanged, every rejected one rejected again."""
    folder, db, first, report, _ = run
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    again = subprocess.run([str(FEEDS_BIN), "ingest", str(folder), "--db", str(copy), "--json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=600)
    second = json.loads(again.stdout)
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, report["new"])
    assert sorted(r["file"] for r in second["rejected"]) == sorted(r["file"] for r in report["rejected"])

