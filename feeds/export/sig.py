"""Every public release in the French government's press-release schema (SIG, JSON Lines).

SIG references (ministries, governments, people, themes) are UUIDs of the government's own registries, which
our publishers, people and topics are not part of: we derive stable UUIDs from our own names instead, so that
a record keeps its identifiers from one export to the next. The UUIDs are shaped as version 4, as the schema
asks, and derived with SHA-1 (uuid5) in a namespace of ours.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import sqlite_utils

from feeds import kinds, store
from feeds.model import Release

SIG_SCHEMA_VERSION = "0.2.2"
SIG_NAMESPACE = uuid.UUID("0b6c2f9e-5d1a-4e7b-9a63-8f2d4c1b7e05")
# The Markdown the SIG schema allows: headings, paragraphs, line breaks, emphasis, blockquotes, lists,
# rules and links; any other element keeps its text only.
SIG_MARKDOWN_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "strong", "b", "em", "i", "blockquote",
                     "ul", "ol", "li", "hr", "a"]
FRENCH_PHONE = re.compile(r"^\+33\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
@lru_cache(maxsize=4096)  # publishers, people and topics come back in thousands of records
def sig_uuid(kind: str, key: str) -> str:
    """A stable version-4-shaped UUID for one of our ids or names (``kind`` keeps namespaces apart)."""
    return str(uuid.UUID(bytes=uuid.uuid5(SIG_NAMESPACE, f"{kind}:{key}").bytes, version=4))


def html_to_markdown(html: str) -> str:
    """Sanitised body HTML as the Markdown subset of the SIG schema."""
    from markdownify import markdownify  # here: importing BeautifulSoup would slow every start of the app

    # autolinks=False: links as [text](url), never <url>, which a reader could take for HTML.
    text = markdownify(html or "", convert=SIG_MARKDOWN_TAGS, heading_style="ATX", bullets="-", autolinks=False)
    if "  " in text:
        text = re.sub(r"(?<=\S) {2,}(?=\S)", " ", text)  # spaces left by dropped elements; not "  \n" breaks
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


@dataclass
class SigOptions:
    """What the SIG record needs and our data does not say."""

    editor: str  # metadata.editeur: who publishes the dataset
    licence: str
    title: str
    description: str
    base_url: str = ""  # public address of the release pages; document.url only when it is HTTPS
    default_place: str = "non précisé"  # lieu_publication is required; used when the dateline names no place


def _sig_contacts(release: Release) -> list[dict]:
    contacts = []
    for c in release.contacts:
        email = c.email if c.email and EMAIL.match(c.email) else None
        phone = next((p for p in c.phones if FRENCH_PHONE.match(p)), None)
        if not (email or phone):  # the schema wants at least one way to reach the contact
            continue
        contacts.append({
            "civilite": None,  # not in our data; the schema allows null
            "nom": c.name or c.role or email or phone,
            "fonction": c.role if c.name else None,
            "email": email,
            "telephone": phone,
            "lien_formulaire": None,
        })
    return contacts


def _sig_attachments(release: Release) -> list[dict]:
    # poids and mimetype are required and the link must be HTTPS: incomplete attachments are left out.
    return [
        {"libelle": (a.title or a.url.rsplit("/", 1)[-1])[:255], "lien_telechargement": a.url, "poids": a.length,
         "mimetype": a.type}
        for a in release.attachments
        if a.url.startswith("https://") and isinstance(a.length, int) and a.type and "/" in a.type
    ]


def sig_document(release: Release, version: int, options: SigOptions) -> dict[str, Any]:
    """One release as a SIG ``document``."""
    publisher = release.publisher or options.editor
    topics = [sig_uuid("topic", t) for t in release.topics] or [sig_uuid("topic", "")]  # min. 1: "unclassified"
    people = list(dict.fromkeys(sig_uuid("person", q.speaker) for q in release.quotes if q.speaker))
    document: dict[str, Any] = {
        "id": sig_uuid("release", release.id),
        "version": version,
        "langue": (release.language or "fr")[:2].upper(),
        "type": kinds.kind(release.kind).sig_type,
    }
    if options.base_url.startswith("https://"):
        document["url"] = f"{options.base_url.rstrip('/')}/releases/{release.id}"
    document.update({
        "titre": release.title,
        "mots_cles": list(release.topics),
        "lieu_publication": release.place or options.default_place,
        "date_publication": release.published.date().isoformat() if release.published else None,
        "emetteurs": [{"ministere_id": sig_uuid("publisher", publisher),
                       "gouvernement_id": sig_uuid("editor", options.editor), "nom": publisher}],
        "personnalites": people,
        "thematiques": topics,
        "contenu_markdown": html_to_markdown(release.body_html) or release.body_text or release.title,
        "contacts_presse": _sig_contacts(release),
        "pieces_jointes_annexes": _sig_attachments(release),
    })
    return document


def sig_records(db: sqlite_utils.Database, options: SigOptions,
                reuse: dict[tuple[str, int], dict] | None = None) -> Iterator[dict[str, Any]]:
    """Every public release (not withdrawn, no draft, no embargo) as a SIG record, newest first.

    ``reuse``: documents of an earlier export made with the same options and code, by (id, version). A
    revision never changes, so neither does its document, and converting bodies to Markdown is most of the
    cost of an export.
    """
    reuse = reuse or {}
    conn = db.conn
    dates = conn.execute(
        "SELECT min(substr(published, 1, 10)), max(substr(coalesce(updated, published), 1, 10)) FROM releases "
        "WHERE status = 'published'").fetchone()
    metadata = {
        "titre": options.title, "description": options.description, "editeur": options.editor,
        "licence": options.licence, "date_publication": dates[0], "date_mise_a_jour": dates[1],
        "version": SIG_SCHEMA_VERSION,
    }
    versions = dict(conn.execute("SELECT release_id, count(*) FROM revisions GROUP BY release_id").fetchall())
    for release in store.iter_public(db):
        if release.published is None:  # date_publication is required; a release without a date is not dated
            continue
        version = versions.get(release.id, 1)
        document = reuse.get((sig_uuid("release", release.id), version)) or sig_document(release, version, options)
        yield {"metadata": metadata, "document": document}


def write_sig(db: sqlite_utils.Database, out: IO[str], options: SigOptions,
              reuse: dict[tuple[str, int], dict] | None = None) -> int:
    """Write the SIG JSON Lines to ``out``; returns the number of records."""
    n = 0
    for record in sig_records(db, options, reuse):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n


def sig_fingerprint(options: SigOptions) -> str:
    """What SIG documents are made with besides the release: the options and this module's code."""
    return hashlib.sha256(repr(options).encode() + Path(__file__).read_bytes()).hexdigest()[:12]


def read_sig_documents(path: Path) -> dict[tuple[str, int], dict]:
    """The documents of an earlier SIG export, by (id, version); nothing when it cannot be read."""
    try:
        with path.open(encoding="utf-8") as lines:
            documents = [json.loads(line)["document"] for line in lines]
        return {(d["id"], d["version"]): d for d in documents}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
