"""The upload API through the served app: tokens, statuses, the record returned, the bytes kept."""

import hashlib
import http.client
import json
from datetime import datetime

import pytest
from conftest import CORPUS, SEED
from serving import Server, copy_db, feeds, free_port, site_file

from feeds.ingest import parse_bytes
from feeds.ingest.files import context_for

MARKDOWN = CORPUS / "dinum" / "fr-dinum-2018-09-03-demarches-simplifiees-6-mois.md"
LIMIT = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_db):
    folder = tmp_path_factory.mktemp("api")
    db = copy_db(built_db, folder / "pressroom.db")
    srv = Server(db, site_file(folder), free_port())
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def token(server):
    return feeds("token", "create", "redaction", "--db", str(server.db)).stdout.splitlines()[-1]


def expected(site, data: bytes, name: str) -> dict:
    """The record `feeds parse` gives for the same document."""
    return parse_bytes(data, name, context_for(site, datetime.now(site.tz)))[0].to_dict()


UNAUTHORISED = {"error": "jeton absent ou invalide", "reasons": ["en-tête attendu : Authorization: Bearer JETON"]}


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer mauvais-jeton", "Basic cmVkYWN0aW9uOng=",
                                           "TOKEN"])
def test_401_without_a_valid_token_and_nothing_written(server, token, authorization):
    headers = {"Authorization": authorization.replace("TOKEN", token)} if authorization else {}
    status, response_headers, body = server.post("/api/releases?filename=essai-401.txt", SEED.read_bytes(), headers)
    assert (status, body) == (401, UNAUTHORISED)
    assert response_headers["WWW-Authenticate"] == 'Bearer realm="feeds"'
    assert server.rows("releases", source_name="essai-401.txt") == []


def test_a_revoked_token_stops_working(server):
    secret = feeds("token", "create", "stagiaire", "--db", str(server.db)).stdout.splitlines()[-1]
    first = server.upload(SEED.read_bytes(), "essai-revoque.txt", secret)
    feeds("token", "revoke", "stagiaire", "--db", str(server.db))
    second = server.upload(SEED.read_bytes(), "essai-revoque.txt", secret)
    assert (first[0], second[0], second[2]) == (201, 401, UNAUTHORISED)


def test_new_release_is_201_with_its_record_and_the_bytes_are_kept(server, token, site):
    data = SEED.read_bytes()
    status, headers, body = server.upload(data, "essai-api.txt", token)
    record = expected(site, data, "essai-api.txt")
    assert (status, body) == (201, record)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Location"] == f"{server.url}/releases/{record['id']}"
    kept = server.db.parent / "uploads" / f"{hashlib.sha256(data).hexdigest()}.txt"
    assert kept.read_bytes() == data
    again = server.upload(data, "essai-api.txt", token)
    assert again[0] == 200 and again[2] == record and "Location" not in again[1]
    assert [(r["revision"], json.loads(r["changes"])) for r in server.rows("revisions", release_id=record["id"])] \
        == [(1, ["*"])]


def test_multipart_field_file(server, token, site):
    data = MARKDOWN.read_bytes()
    boundary = "----frontiere-essai"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{MARKDOWN.name}\"\r\n"
            f"Content-Type: text/markdown\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    status, _, record = server.post("/api/releases", body, {"Authorization": f"Bearer {token}",
                                                             "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert (status, record) == (201, expected(site, data, MARKDOWN.name))


@pytest.mark.parametrize("name, data, reasons", [
    ("casse.md", b"---\ntitle: [non ferm\n", ["casse.md : en-tête YAML (front matter) non fermé"]),
    ("vide.txt", b"  \n", ["vide.txt : fichier vide"]),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
     ["image.txt : fichier binaire, pas un texte ni un format pris en charge"]),
])
def test_400_with_the_reasons(server, token, name, data, reasons):
    status, _, body = server.upload(data, name, token)
    assert (status, body) == (400, {"error": "document illisible", "reasons": reasons})
    assert server.rows("releases", source_name=name) == []


def test_413_over_the_limit_before_reading_a_declared_huge_body(server, token):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.putrequest("POST", "/api/releases?filename=enorme.txt")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Length", str(10 ** 12))
    conn.endheaders()
    conn.send(b"Communique de presse\n\n")  # a terabyte announced, a few bytes sent: the answer comes at once
    response = conn.getresponse()
    assert (response.status, json.loads(response.read())) == (
        413, {"error": "document trop volumineux", "reasons": [f"la limite est de {LIMIT} octets"]})
    conn.close()


def test_413_for_a_body_one_byte_over_the_limit(server, token):
    status, _, body = server.upload(b"x" * (LIMIT + 1), "limite.txt", token)
    assert (status, body) == (413, {"error": "document trop volumineux",
                                    "reasons": [f"la limite est de {LIMIT} octets"]})


def test_411_for_a_body_without_length(server, token):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/api/releases?filename=morceaux.txt", body=iter([SEED.read_bytes()]),
                 headers={"Authorization": f"Bearer {token}"}, encode_chunked=True)
    response = conn.getresponse()
    assert (response.status, json.loads(response.read())) == (
        411, {"error": "longueur requise", "reasons": ["en-tête Content-Length absent (envoi par morceaux refusé)"]})
    conn.close()


def test_no_other_write_path_on_the_web(server, token):
    """Only POST /api/releases writes: other methods on it, and writes through Datasette, are refused."""
    for method in ("PUT", "DELETE", "PATCH"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request(method, "/api/releases", body=b"x", headers={"Authorization": f"Bearer {token}"})
        assert conn.getresponse().status == 405
        conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/data/pressroom/-/query", body=b"sql=delete+from+releases",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    status = conn.getresponse().status
    conn.close()
    assert status in (403, 404, 405)
    assert len(server.rows("releases", _col="id", status="published", _size="max")) >= 10
