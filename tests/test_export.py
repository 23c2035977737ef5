"""Exports: the SIG JSON Lines (every required field and format rule of the schema), the Markdown subset, the
public database as one SQLite file."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sqlite3
import subprocess
from datetime import date, timedelta

import pytest
from conftest import FEEDS_BIN, ROOT, SEED, now_paris

from feeds import export, store
from feeds.export import sig, tables
from feeds.ingest import parse_bytes
from feeds.ingest.sig import parse_many

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^(\+33\d{9}|0\d{9})$")
MIMETYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
# Markdown the schema does not support: HTML tags, images, tables, code.
UNSUPPORTED_MARKDOWN = re.compile(r"<[a-zA-Z/][^>]*>|!\[|^\|.*\|$|^```|^    \S", re.MULTILINE)


def sig_problems(record: dict) -> list[str]:
    """Every rule of the SIG schema (README of communiques-de-presse, v0.2) the record breaks."""
    problems = []
    meta, doc = record.get("metadata", {}), record.get("document", {})

    def need(ok: bool, what: str):
        if not ok:
            problems.append(what)

    for key in ("titre", "description", "editeur", "licence", "version"):
        need(isinstance(meta.get(key), str) and meta[key].strip() != "", f"metadata.{key}")
    for key in ("date_publication", "date_mise_a_jour"):
        need(isinstance(meta.get(key), str) and ISO_DATE.match(meta[key]) is not None, f"metadata.{key}")
    need(re.match(r"^\d+\.\d+\.\d+$", meta.get("version", "")) is not None, "metadata.version semver")
    need(isinstance(doc.get("id"), str) and UUID4.match(doc["id"]) is not None, "document.id")
    need(isinstance(doc.get("version"), int) and doc["version"] >= 1, "document.version")
    need(isinstance(doc.get("langue"), str) and re.match(r"^[A-Z]{2}$", doc["langue"]) is not None, "langue")
    need(doc.get("type") in ("communique_de_presse", "dossier_de_presse"), "type")
    need("url" not in doc or str(doc["url"]).startswith("https://"), "url")
    need(isinstance(doc.get("titre"), str) and doc["titre"].strip() != "", "titre")
    need(isinstance(doc.get("mots_cles", []), list) and all(isinstance(k, str) for k in doc.get("mots_cles", [])),
         "mots_cles")
    need(isinstance(doc.get("lieu_publication"), str) and doc["lieu_publication"].strip() != "", "lieu_publication")
    need(isinstance(doc.get("date_publication"), str) and ISO_DATE.match(doc["date_publication"]) is not None,
         "date_publication")
    emitters = doc.get("emetteurs")
    need(isinstance(emitters, list) and len(emitters) >= 1, "emetteurs")
    for e in emitters or []:
        need(UUID4.match(str(e.get("ministere_id"))) is not None, "emetteurs.ministere_id")
        need(UUID4.match(str(e.get("gouvernement_id"))) is not None, "emetteurs.gouvernement_id")
        need(isinstance(e.get("nom"), str) and e["nom"] != "", "emetteurs.nom")
    need(len({e.get("gouvernement_id") for e in emitters or []}) <= 1, "one gouvernement_id")
    need(isinstance(doc.get("personnalites"), list) and all(UUID4.match(str(p)) for p in doc["personnalites"]),
         "personnalites")
    need(isinstance(doc.get("thematiques"), list) and len(doc["thematiques"]) >= 1
         and all(UUID4.match(str(t)) for t in doc["thematiques"]), "thematiques")
    body = doc.get("contenu_markdown")
    need(isinstance(body, str) and body.strip() != "", "contenu_markdown")
    need(not UNSUPPORTED_MARKDOWN.search(body or ""), "contenu_markdown: only the supported Markdown")
    for c in doc.get("contacts_presse", []):
        need(c.get("civilite") in ("M.", "Mme", None), "contacts.civilite")
        need(isinstance(c.get("nom"), str) and c["nom"] != "", "contacts.nom")
        need(any(c.get(k) for k in ("email", "telephone", "lien_formulaire")), "contacts: a way to reach")
        need(c.get("email") is None or EMAIL.match(c["email"]) is not None, "contacts.email")
        need(c.get("telephone") is None or PHONE.match(c["telephone"]) is not None, "contacts.telephone")
        need(c.get("lien_formulaire") is None or c["lien_formulaire"].startswith("https://"), "lien_formulaire")
    for a in doc.get("pieces_jointes_annexes", []):
        need(isinstance(a.get("libelle"), str) and 0 < len(a["libelle"]) <= 255, "pj.libelle")
        need(str(a.get("lien_telechargement")).startswith("https://"), "pj.lien_telechargement")
        need(isinstance(a.get("poids"), int) and a["poids"] >= 0, "pj.poids")
        need(MIMETYPE.match(str(a.get("mimetype"))) is not None, "pj.mimetype")
    return problems


def run_export(db, out, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([str(FEEDS_BIN), "export", "--format", "sig", "--db", str(db), "--out", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def sig_lines(built_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("sig") / "communiques.jsonl"
    result = run_export(built_db, out, "--base-url", "https://presse.example.test")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.stderr == f"{len(lines)} communiqués écrits au format SIG\n"
    return [json.loads(line) for line in lines]


def test_sig_export_has_every_public_release_once(sig_lines, built_db):
    db = store.connect(built_db)
    public = {r.id: r for r in store.iter_public(db)}
    assert sorted(r["document"]["titre"] for r in sig_lines) == sorted(r.title for r in public.values())
    assert sorted(r["document"]["id"] for r in sig_lines) == sorted(sig.sig_uuid("release", i) for i in public)
    assert len({r["document"]["id"] for r in sig_lines}) == len(sig_lines)


def test_every_sig_record_follows_every_rule_of_the_schema(sig_lines):
    assert {i: sig_problems(r) for i, r in enumerate(sig_lines) if sig_problems(r)} == {}


def test_sig_rules_catch_broken_records(sig_lines):
    """The checker itself can fail: each broken copy of a good record is reported."""
    good = sig_lines[0]
    breakages = {
        "document.id": lambda d: d.update(id="not-a-uuid"),
        "langue": lambda d: d.update(langue="fr"),
        "type": lambda d: d.update(type="communique"),
        "thematiques": lambda d: d.update(thematiques=[]),
        "date_publication": lambda d: d.update(date_publication="25/01/2018"),
        "url": lambda d: d.update(url="http://x"),
        "contacts: a way to reach": lambda d: d.update(contacts_presse=[{"civilite": None, "nom": "X"}]),
    }
    for rule, breaking in breakages.items():
        record = json.loads(json.dumps(good))
        breaking(record["document"])
        assert rule in sig_problems(record), rule


def test_seed_as_sig_record(sig_lines, built_db):
    seed = next(r for r in sig_lines if r["document"]["titre"].startswith("1ère collectivité à concevoir un MOOC"))
    doc = seed["document"]
    release = next(r for r in store.iter_public(store.connect(built_db)) if r.title == doc["titre"])
    release_id = release.id
    assert seed["metadata"] == {
        "titre": "Communiqués de presse — Salle de presse de la Région Occitanie",
        "description": "Les communiqués et dossiers de presse de la Région Occitanie / Pyrénées-Méditerranée, en "
                       "flux, en données ouvertes et en pages web.",
        "editeur": "Région Occitanie / Pyrénées-Méditerranée",
        "licence": "Licence Ouverte 2.0",
        "date_publication": min(r["document"]["date_publication"] for r in sig_lines),
        "date_mise_a_jour": seed["metadata"]["date_mise_a_jour"],
        "version": "0.2.2",
    }
    assert {k: doc[k] for k in ("version", "langue", "type", "url", "lieu_publication", "date_publication",
                                "mots_cles")} == {
        "version": 1, "langue": "FR", "type": "communique_de_presse",
        "url": f"https://presse.example.test/releases/{release_id}", "lieu_publication": "Toulouse",
        "date_publication": "2018-01-25", "mots_cles": []}
    assert doc["emetteurs"] == [{"ministere_id": sig.sig_uuid("publisher", "Région Occitanie / "
                                                                              "Pyrénées-Méditerranée"),
                                 "gouvernement_id": sig.sig_uuid("editor", "Région Occitanie / "
                                                                              "Pyrénées-Méditerranée"),
                                 "nom": "Région Occitanie / Pyrénées-Méditerranée"}]
    assert doc["personnalites"] == [sig.sig_uuid("person", "Carole Delga")]
    assert doc["contenu_markdown"] == sig.html_to_markdown(release.body_html)
    assert doc["contenu_markdown"].startswith("Dans le cadre de la démarche « Occitanie 2040 »")
    assert "[https://www.laregion.fr/-occitanie-2040-](https://www.laregion.fr/-occitanie-2040-)" in \
        doc["contenu_markdown"]
    assert [c["email"] for c in doc["contacts_presse"]] == ["frederic.neuman@laregion.fr", "presse-region@laregion.fr",
                                                           "service.presse@laregion.fr"]
    assert doc["contacts_presse"][0] == {"civilite": None, "nom": "Frédéric Neuman", "fonction": None,
                                         "email": "frederic.neuman@laregion.fr", "telephone": "+33561335339",
                                         "lien_formulaire": None}


def test_sig_ids_are_stable_and_version_counts_revisions(built_db, tmp_path):
    path = tmp_path / "p.db"
    with sqlite3.connect(built_db) as source, sqlite3.connect(path) as target:
        source.backup(target)
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    run_export(path, first)
    changed = parse_bytes(SEED.read_bytes().replace(b"1200 participants", b"1300 participants"), SEED.name)[0]
    db = store.connect(path)
    publisher = {"name": "Région Occitanie / Pyrénées-Méditerranée", "url": None, "logo": None}
    changed.publisher = publisher["name"]
    outcome = store.upsert(db, changed, now_paris() + timedelta(minutes=1), {publisher["name"]: publisher})
    assert outcome.action == "updated"
    run_export(path, second)
    before = {json.loads(x)["document"]["id"]: json.loads(x)["document"] for x in first.read_text().splitlines()}
    after = {json.loads(x)["document"]["id"]: json.loads(x)["document"] for x in second.read_text().splitlines()}
    assert sorted(before) == sorted(after)
    moved = {i: (before[i]["version"], after[i]["version"]) for i in before if before[i] != after[i]}
    assert moved == {sig.sig_uuid("release", outcome.id): (1, 2)}


def test_sig_export_reads_back_with_our_sig_ingester(sig_lines):
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in sig_lines).encode()
    back = list(parse_many(data, "export.jsonl"))
    assert [r.title for r in back] == [r["document"]["titre"] for r in sig_lines]
    assert [r.published.date() for r in back] == [date.fromisoformat(r["document"]["date_publication"])
                                                  for r in sig_lines]


@pytest.mark.parametrize("html, markdown", [
    ("<h2>Titre</h2><p>Un <strong>gras</strong> et <em>italique</em>.</p>", "## Titre\n\nUn **gras** et *italique*."),
    ('<p><a href="https://x.fr/a">lien</a><br>ligne</p>', "[lien](https://x.fr/a)  \nligne"),
    ("<ul><li>un</li><li>deux</li></ul><ol><li>a</li></ol>", "- un\n- deux\n\n1. a"),
    ("<blockquote><p>Citation</p></blockquote><hr><p>fin</p>", "> Citation\n\n---\n\nfin"),
    ('<p>1<sup>ère</sup> <img src="x.png" alt="x"> <code>c</code></p><table><tr><td>t</td></tr></table>',
     "1ère c\n\nt"),
    ("<p>5 * 3 = 15_000</p>", "5 \\* 3 = 15\\_000"),
    ("", ""),
])
def test_html_to_markdown_keeps_only_what_the_sig_schema_supports(html, markdown):
    assert sig.html_to_markdown(html) == markdown


def test_sig_uuid_is_stable_and_version_4():
    assert sig.sig_uuid("release", "a") == sig.sig_uuid("release", "a") != sig.sig_uuid("person", "a")
    assert UUID4.match(sig.sig_uuid("release", "a"))


def test_the_public_database_file_is_public_only_and_made_once_per_version(db_path, tmp_path):
    db = store.connect(db_path)
    secret = parse_bytes(SEED.read_bytes(), SEED.name)[0]
    secret.id, secret.status, secret.title = "draft-x", "draft", "Brouillon confidentiel"
    store.upsert(db, secret, now_paris())
    out = tmp_path / "exports"
    first = tables.public_database_file(db_path, out)
    assert first.name == f"pressroom-{store.data_version(db)}.db"
    assert tables.public_database_file(db_path, out) == first
    assert b"Brouillon confidentiel" not in first.read_bytes()
    conn = sqlite3.connect(first)
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert set(export.PUBLIC_TABLES) <= names and not names & set(store.PRIVATE_TABLES)
    assert conn.execute("select count(*) from releases").fetchone()[0] == db["releases"].count
    conn.close()
    public = parse_bytes(SEED.read_bytes(), SEED.name)[0]
    public.id = "new-public"
    store.upsert(db, public, now_paris())
    second = tables.public_database_file(db_path, out)
    assert second != first and not first.exists() and sorted(p.name for p in out.iterdir()) == [second.name]
    assert sqlite3.connect(second).execute("select count(*) from releases where id = 'new-public'").fetchone() == (1,)


def test_table_json_refuses_private_tables(built_db):
    conn = sqlite3.connect(built_db)
    with pytest.raises(export.ExportError):
        list(tables.iter_table_json(conn, "_pending"))


def test_a_database_whose_path_holds_uri_characters_is_read_where_it_is(built_db, tmp_path, site):
    """Read-only connections open a URI: "#", "?" and "%" in a folder's name must not end or change its path."""
    import shutil

    from feeds.server import ResponseCache
    from feeds.static.build import build
    from feeds.web import create_app

    folder = tmp_path / "Communiqués #2 ?x=1 100%"
    folder.mkdir()
    db_path = folder / "pressroom.db"
    shutil.copy(built_db, db_path)
    count = store.count(store.connect(db_path))
    assert count > 5
    public = tables.public_database_file(db_path, folder / "exports")
    assert sqlite3.connect(public).execute("select count(*) from releases").fetchone() == (count,)
    client = create_app({"DATABASE": str(db_path), "SITE": site}).test_client()
    assert len(client.get("/donnees-ouvertes/releases.json").get_json()) == count
    cache = ResponseCache(db_path)
    assert cache._current() and cache.version[1] == store.data_version(store.connect(db_path))
    report = build(db_path, tmp_path / "public", dataclasses.replace(site, base_url="https://example.org"),
                          workers=1, downloads=False)
    assert report.broken == [] and len(list((tmp_path / "public" / "releases").glob("*.html"))) == count
    # The releases as CSV (a first build writes the downloads too).
    csv_file = tmp_path / "public" / "donnees-ouvertes" / "releases.csv"
    assert len(list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8"))))) == count + 1


def test_sig_download_reuses_the_documents_of_unchanged_revisions(built_db, tmp_path, monkeypatch):
    """After one update only that release is converted again, and the file is what a fresh export gives."""
    from feeds.config import Site
    from feeds.web import create_app

    path = tmp_path / "p.db"
    with sqlite3.connect(built_db) as source, sqlite3.connect(path) as target:
        source.backup(target)
    site = Site(base_url="https://presse.example.test")

    def download(exports):
        app = create_app({"DATABASE": str(path), "SITE": site, "EXPORT_DIR": str(exports), "TESTING": True})
        response = app.test_client().get("/donnees-ouvertes/communiques-sig.jsonl")
        assert response.status_code == 200
        return response.data

    first = download(tmp_path / "exports")
    changed = parse_bytes(SEED.read_bytes().replace(b"1200 participants", b"1300 participants"), SEED.name)[0]
    publisher = {"name": "Région Occitanie / Pyrénées-Méditerranée", "url": None, "logo": None}
    changed.publisher = publisher["name"]
    store.upsert(store.connect(path), changed, now_paris() + timedelta(minutes=1), {publisher["name"]: publisher})

    converted = []
    convert = sig.sig_document
    monkeypatch.setattr(sig, "sig_document", lambda release, *rest: converted.append(release.id)
                        or convert(release, *rest))
    second = download(tmp_path / "exports")
    assert converted == [changed.id]
    assert second != first
    assert second == download(tmp_path / "fresh")  # every release converted again
    assert len(converted) == 1 + len(second.splitlines())
