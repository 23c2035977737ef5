"""The upload API, the one write path of the web: ``POST /api/releases`` with a bearer token.

The document goes through the same parser and the same store as ``feeds ingest``; its bytes are kept
in the uploads folder under their sha256 (the ``source_sha256`` of the open data), so nothing a
publisher sent is lost.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from feeds import store, tokens, websub
from feeds.ingest import DEFAULT_MAX_BYTES, FORMATS, SUFFIXES, IngestError, parse_bytes
from feeds.ingest.base import sha256
from feeds.ingest.files import context_for
from feeds.web import syndication
from feeds.web.db import get_writable_db
from feeds.web.links import external

bp = Blueprint("api", __name__, url_prefix="/api")

# Room for the multipart envelope around a document of the largest accepted size.
MULTIPART_OVERHEAD = 64 * 1024
DEFAULT_NAME = "document"


@bp.record_once
def _configure(state) -> None:
    """Defaults of the app's config: upload limit, request limit, uploads folder beside the database."""
    config = state.app.config
    config.setdefault("MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES)
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_BYTES"] + MULTIPART_OVERHEAD
    config.setdefault("UPLOADS", str(Path(config["DATABASE"]).parent / "uploads"))


def _problem(status: int, error: str, reasons: list[str] | None = None, headers: dict | None = None) -> Response:
    body = {"error": error, "reasons": reasons or []}
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def _too_large(limit: int) -> Response:
    return _problem(413, "document trop volumineux", [f"la limite est de {limit} octets"])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _clean_name(name: str | None) -> str:
    """The file name part only, without control characters: it names the source and keys text releases."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:200]
    return name or DEFAULT_NAME


def _document() -> tuple[bytes, str]:
    """(bytes, file name) of the upload: the multipart field ``file``, or the whole body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise IngestError("champ « file » absent du formulaire")
        return upload.read(), _clean_name(request.args.get("filename") or upload.filename)
    return request.get_data(cache=False), _clean_name(request.args.get("filename"))


def keep_upload(folder: str | Path, data: bytes, name: str) -> Path:
    """Store the bytes as ``FOLDER/<sha256><suffix>`` (written once, atomically)."""
    folder = Path(folder)
    suffix = Path(name).suffix.lower()
    path = folder / f"{sha256(data)}{suffix if suffix in SUFFIXES else '.bin'}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return path


def announce() -> None:
    """Ping the WebSub hub, if one is configured, that the site's feeds changed."""
    site = current_app.config["SITE"]
    if site.websub_hub:
        websub.ping_in_background(site.websub_hub, syndication.feed_urls(external("pages.index").rstrip("/")))


@bp.post("/releases")
def upload():
    """201 and the record for a new release, 200 for an existing one; 400, 401, 411, 413 with the reasons."""
    site = current_app.config["SITE"]
    db = get_writable_db()
    who = tokens.verify(db, _bearer())
    if who is None:
        return _problem(401, "jeton absent ou invalide", ["en-tête attendu : Authorization: Bearer JETON"],
                        {"WWW-Authenticate": 'Bearer realm="feeds"'})
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    fmt = request.args.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        return _problem(400, "format inconnu", [f"formats : {', '.join(FORMATS)}"])
    if request.content_length is None:
        # Without a length the server cannot refuse an oversized body before reading it (nor can the
        # WSGI bridge pass a chunked body on): ask for the length, as RFC 9110 allows.
        return _problem(411, "longueur requise", ["en-tête Content-Length absent (envoi par morceaux refusé)"])
    try:
        data, name = _document()
    except RequestEntityTooLarge:
        return _too_large(limit)
    except IngestError as exc:
        return _problem(400, "document illisible", [str(exc)])
    if len(data) > limit:
        return _too_large(limit)
    if data.strip():
        keep_upload(current_app.config["UPLOADS"], data, name)
    now = datetime.now(site.tz)
    try:
        releases = parse_bytes(data, name, context_for(site, now), fmt, limit)
    except IngestError as exc:
        return _problem(400, "document illisible", [f"{name} : {exc}"])
    ids = [r.id for r in releases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return _problem(400, "document illisible", [f"{name} : identifiant en double : {i}" for i in duplicates])
    version = store.data_version(db)
    outcomes = store.upsert_many(db, releases, now, {site.publisher["name"]: site.publisher})
    if store.data_version(db) != version:
        announce()
    for outcome in outcomes:
        current_app.logger.info("upload by %s: %s %s (revision %s)", who, outcome.id, outcome.action,
                                outcome.revision)
    # What the store now holds: for an unchanged release, the record of its last revision.
    records = [store.stored_record(db, r.id) or r.to_dict() for r in releases]
    new = [o.id for o in outcomes if o.action == "new"]
    headers = {"Location": external("pages.release", release_id=new[0])} if new else {}
    body = records[0] if len(records) == 1 else records
    return Response(json.dumps(body, ensure_ascii=False), status=201 if new else 200, headers=headers,
                    content_type="application/json; charset=utf-8")
