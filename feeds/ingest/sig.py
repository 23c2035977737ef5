"""The French government's press-release schema (SIG, référentiel des données de communication publique).

A file is one JSON object ``{"metadata": …, "document": …}``, a list of them, or JSON Lines (one per line).
Field names of schema 0.2 are read first, those of 0.1 (``lieu_diffusion``, ``contenu``…) as a fallback.
Several issuers (``emetteurs``) are a joint release: the publisher is their names joined with " ; ", in the
schema's order.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterator
from datetime import date, datetime

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import parse_contact_lines, phone_e164
from feeds.ingest.govuk import load_json
from feeds.ingest.markup import clean_text, markdown_to_html, strip_inline_markdown
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes
from feeds.model import Attachment, Contact, Release, Source

KINDS = {
    "communique_de_presse": "communique",
    "communique": "communique",
    "dossier_de_presse": "dossier",
    "invitation_presse": "invitation",
    "invitation": "invitation",
    "declaration": "declaration",
}
PUBLISHER_SEPARATOR = " ; "


def parse_many(data: bytes, name: str, ctx: Context | None = None) -> Iterator[Release]:
    ctx = ctx or Context()
    digest = sha256(data)
    for line, record in _records(data):
        document = record.get("document") if isinstance(record.get("document"), dict) else record
        where = f"{name}:{line}" if line else name
        try:
            yield _release(document, where, digest, ctx)
        except IngestError as exc:
            raise IngestError(f"ligne {line} : {exc}" if line else str(exc)) from None


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    """The first release of a SIG file."""
    for release in parse_many(data, name, ctx):
        return release
    raise IngestError("aucun communiqué dans ce fichier SIG")


def _records(data: bytes) -> Iterator[tuple[int | None, dict]]:
    """(line number for JSON Lines, record) of every record of the file."""
    try:
        whole = load_json(data)
    except IngestError:
        whole = None
    if whole is not None:
        items = whole if isinstance(whole, list) else [whole]
        for item in items:
            if not isinstance(item, dict):
                raise IngestError("fichier SIG invalide : un enregistrement n'est pas un objet JSON")
            yield None, item
        return
    text = data.decode("utf-8-sig", errors="replace")
    found = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"ligne {number} : JSON invalide ({exc.msg}, colonne {exc.colno})") from None
        if not isinstance(item, dict):
            raise IngestError(f"ligne {number} : ce n'est pas un objet JSON")
        found = True
        yield number, item
    if not found:
        raise IngestError("fichier SIG vide")


def _first(document: dict, *keys: str):
    for key in keys:
        value = document.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _release(document: dict, name: str, digest: str, ctx: Context) -> Release:
    native = _first(document, "id")
    title = clean_text(_first(document, "titre", "title"))
    if not native:
        raise IngestError("document.id absent : un communiqué SIG a besoin de son identifiant")
    if not title:
        raise IngestError("document.titre absent")
    issuers = [clean_text(e.get("nom")) for e in document.get("emetteurs") or [] if isinstance(e, dict)]
    publisher = PUBLISHER_SEPARATOR.join(i for i in issuers if i) or ctx.publisher
    body = _first(document, "contenu_markdown", "contenu") or ""
    release = Release(
        id=make_id(ctx.publisher, str(native)),
        title=title,
        published=_date(_first(document, "date_publication", "date_diffusion")),
        source=Source(name=name, sha256=digest, format="sig"),
        kind=KINDS.get(str(_first(document, "type", "type_document") or "").lower(), "communique"),
        publisher=publisher,
        place=clean_text(_first(document, "lieu_publication", "lieu_diffusion")) or None,
        language=str(_first(document, "langue") or ctx.language).lower()[:2],
        body_html=markdown_to_html(_drop_repeated_title(str(body), title)),
    )
    release.updated = _date(_first(document, "date_mise_a_jour", "date_modification"))
    release.topics = [str(k) for k in document.get("mots_cles") or [] if isinstance(k, (str, int))]
    release.contacts = _contacts(document)
    release.attachments = _attachments(document)
    release.quotes = extract_quotes(strip_inline_markdown(str(body)))
    return finish(release, ctx)


def _date(value) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            d = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
        return datetime(d.year, d.month, d.day)


def _drop_repeated_title(markdown: str, title: str) -> str:
    """Bodies often open with the title as a heading; the page shows the title once."""
    m = re.match(r"\s*#{1,2}\s+(.+?)\s*(?:\n|$)", markdown)
    if m and clean_text(m[1]).casefold() == title.casefold():
        return markdown[m.end():]
    return markdown


def _contacts(document: dict) -> list[Contact]:
    items = document.get("contacts_presse")
    if items is None and document.get("contact_privilegie") is not None:
        items = document["contact_privilegie"]
    if isinstance(items, dict):
        items = [items]
    contacts = []
    for item in items or []:
        if isinstance(item, str):
            contacts.extend(parse_contact_lines(item.splitlines()))
            continue
        if not isinstance(item, dict):
            continue
        phones = [p for p in (phone_e164(str(t)) for t in _list(item.get("telephone"))) if p]
        email = clean_text(item.get("email")) or None
        name = clean_text(item.get("nom")) or None
        if email or phones or name:
            contacts.append(Contact(name=name, role=clean_text(item.get("fonction")) or None, email=email,
                                    phones=list(dict.fromkeys(phones))))
    return contacts


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _attachments(document: dict) -> list[Attachment]:
    found: list[Attachment] = []
    pdf = document.get("contenu_pdf")
    if isinstance(pdf, dict) and _url(pdf):
        found.append(Attachment(url=_url(pdf), type="application/pdf", length=_int(pdf.get("poids")),
                                title="Version PDF du communiqué"))
    for item in document.get("pieces_jointes_annexes") or document.get("pieces_jointes") or []:
        if isinstance(item, dict) and _url(item):
            url = _url(item)
            found.append(Attachment(url=url, type=item.get("mimetype") or mimetypes.guess_type(url)[0],
                                    length=_int(item.get("poids")), title=clean_text(item.get("libelle")) or None))
    unique: dict[str, Attachment] = {}
    for a in found:
        unique.setdefault(a.url, a)
    return list(unique.values())


def _url(item: dict) -> str | None:
    value = item.get("lien_telechargement") or item.get("lien") or item.get("url")
    return str(value).strip() if value else None


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
