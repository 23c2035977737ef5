"""Exports of the open data: the public database as one SQLite file, every table as JSON, and every public
release in the French government's press-release schema (SIG, JSON Lines).

SIG references (ministries, governments, people, themes) are UUIDs of the government's own registries, which
our publishers, people and topics are not part of: we derive stable UUIDs from our own names instead, so that
a record keeps its identifiers from one export to the next. The UUIDs are shaped as version 4, as the schema
asks, and derived with SHA-1 (uuid5) in a namespace of ours.
"""

from __future__ import annotations

import hashlib
import html as html_text
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import sqlite_utils

from feeds import store
from feeds.model import Release

SIG_SCHEMA_VERSION = "0.2.2"
SIG_NAMESPACE = uuid.UUID("0b6c2f9e-5d1a-4e7b-9a63-8f2d4c1b7e05")
# The Markdown the SIG schema allows: headings, paragraphs, line breaks, emphasis, blockquotes, lists,
# rules and links; any other element keeps its text only.
SIG_MARKDOWN_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "strong", "b", "em", "i", "blockquote",
                     "ul", "ol", "li", "hr", "a"]
SIG_TYPES = {"dossier": "dossier_de_presse"}  # every other kind is a communiqué
FRENCH_PHONE = re.compile(r"^\+33\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Tables of the public file, in the order people meet them.
PUBLIC_TABLES = ("releases", "publishers", "people", "quotes", "contacts", "links", "attachments", "topics",
                 "release_topics", "revisions")


class ExportError(Exception):
    """An export cannot be written."""


@lru_cache(maxsize=4096)  # publishers, people and topics come back in thousands of records
def sig_uuid(kind: str, key: str) -> str:
    """A stable version-4-shaped UUID for one of our ids or names (``kind`` keeps namespaces apart)."""
    return str(uuid.UUID(bytes=uuid.uuid5(SIG_NAMESPACE, f"{kind}:{key}").bytes, version=4))


def html_to_markdown(html: str) -> str:
    """Sanitised body HTML as the Markdown subset of the SIG schema."""
    text = _simple_markdown(html or "")
    if text is None:
        from markdownify import markdownify  # here: importing BeautifulSoup would slow every start of the app

        # autolinks=False: links as [text](url), never <url>, which a reader could take for HTML.
        text = markdownify(html or "", convert=SIG_MARKDOWN_TAGS, heading_style="ATX", bullets="-",
                           autolinks=False)
    if "  " in text:
        text = re.sub(r"(?<=\S) {2,}(?=\S)", " ", text)  # spaces left by dropped elements; not "  \n" breaks
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# Most bodies are paragraphs and headings of text with emphasis, links and line breaks, as nh3 writes them:
# those are converted here exactly as markdownify 1.2 converts them (BeautifulSoup's tree, then its rules,
# about 1 ms a body: most of the cost of a SIG export), 30 times faster. Anything else goes to markdownify.
_SIMPLE_TOKEN = re.compile(
    r'<(/?)(p|h[1-6]|em|i|strong|b|a|br)((?:\s+[a-z][a-z-]*="[^"<>]*")*)\s*(/?)>|([^<]+)')
_SIMPLE_ATTRIBUTE = re.compile(r'([a-z][a-z-]*)="([^"<>]*)"')
_UNKNOWN_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp|#39);)")  # what BeautifulSoup may read otherwise
_ASCII_SPACES = " \n\t\x0c\r"
_NEWLINE_SPACES = re.compile(r"[\t \r\n]*[\r\n][\t \r\n]*")
_SPACES = re.compile(r"[\t ]+")
_ALL_SPACES = re.compile(r"[\t \r\n]+")
_EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**"}

_Node = tuple[str, dict[str, str], list]  # name, attributes, children (text or nodes)


def _simple_tree(html: str) -> _Node | None:
    """The document BeautifulSoup's html.parser builds, when ``html`` is blocks of inline text; else None."""
    root: _Node = ("[document]", {}, [])
    stack = [root]
    end = 0
    for m in _SIMPLE_TOKEN.finditer(html):
        if m.start() != end:
            return None
        end = m.end()
        closing, name, attributes, self_closing, text = m.groups()
        node = stack[-1]
        if text is not None:
            if "&" in text:
                if _UNKNOWN_ENTITY.search(text):
                    return None
                text = html_text.unescape(text)
            if not text.strip(_ASCII_SPACES):  # as BeautifulSoup keeps blank text
                text = "\n" if "\n" in text else " "
            node[2].append(text)
        elif closing:
            if attributes or self_closing or node[0] != name:
                return None
            stack.pop()
        else:
            if (name == "p" or name[0] == "h") != (len(stack) == 1):  # blocks at the top, inline inside
                return None
            pairs = _SIMPLE_ATTRIBUTE.findall(attributes)
            values = {key: html_text.unescape(value) for key, value in pairs}
            if len(values) != len(pairs):
                return None
            child: _Node = (name, values, [])
            node[2].append(child)
            if name != "br":
                if self_closing:
                    return None
                stack.append(child)
    if end != len(html) or len(stack) != 1 or not root[2]:
        return None
    if any(isinstance(c, str) and c.strip() for c in root[2]):  # text outside any block
        return None
    return root


def _simple_convert(node: _Node, inline: bool) -> str:
    """markdownify's process_tag and conversions for the nodes of ``_simple_tree``."""
    name, attributes, children = node
    block = name == "p" or name[0] == "h"
    last = len(children) - 1
    strings = []
    for i, child in enumerate(children):
        if isinstance(child, str):
            if not child.strip() and (name == "[document]" or block and (i == 0 or i == last)):
                continue  # blank text next to a block's edge
            text = child
            if "\n" in text or "\r" in text:  # the regular expressions cost more than these tests
                text = _NEWLINE_SPACES.sub("\n", text)
            if "\t" in text or "  " in text:
                text = _SPACES.sub(" ", text)
            text = text.replace("*", r"\*").replace("_", r"\_")
            if block and i == 0:
                text = text.lstrip(" \t\r\n")
            if block and i == last:
                text = text.rstrip()
        elif child[0] == "br":
            text = " " if inline else "  \n"
        else:
            text = _simple_convert(child, inline or child[0][0] == "h")
        if text:
            strings.append(text)
    joined = [""]
    for string in strings:  # newlines at the children's boundaries: the larger count, at most two
        rest = string.lstrip("\n")
        content = rest.rstrip("\n")
        leading, trailing = string[:len(string) - len(rest)], rest[len(content):]
        if joined[-1] and leading:
            leading = "\n" * min(2, max(len(joined.pop()), len(leading)))
        joined.extend([leading, content, trailing])
    text = "".join(joined)
    if name == "[document]":
        return text.strip("\n")
    if name == "p":
        text = text.strip(" \t\r\n")
        return f"\n\n{text}\n\n" if text else ""
    if block:
        return f"\n\n{'#' * int(name[1])} {_ALL_SPACES.sub(' ', text.strip())}\n\n"
    prefix = " " if text and text[0] == " " else ""
    suffix = " " if text and text[-1] == " " else ""
    text = text.strip()
    if not text:
        return ""
    if name == "a":
        href, title = attributes.get("href"), attributes.get("title")
        if not href:
            return text
        title_part = ' "' + title.replace('"', r'\"') + '"' if title else ""
        return f"{prefix}[{text}]({href}{title_part}){suffix}"
    mark = _EMPHASIS[name]
    return f"{prefix}{mark}{text}{mark}{suffix}"


def _simple_markdown(html: str) -> str | None:
    """markdownify's Markdown of simple HTML (see ``_simple_tree``), or None when the HTML is not that simple."""
    tree = _simple_tree(html)
    return None if tree is None else _simple_convert(tree, False)


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
        "type": SIG_TYPES.get(release.kind, "communique_de_presse"),
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
    cost (about 1 ms a release).
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


# ---------------------------------------------------------------- the public database as one file

def snapshot(db_path: str | Path, out_dir: str | Path) -> Path:
    """A consistent copy of the public tables only, named after its data version; made once per version.

    The copy is taken with SQLite's backup API (one read transaction, so the data version inside it is the
    version of its rows); private tables are then dropped and the file rebuilt by VACUUM, so no page of a
    draft or an embargoed release survives in it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(store.read_only_uri(db_path), uri=True)
    work = out_dir / f".snapshot-{uuid.uuid4().hex}.db"
    try:
        target = sqlite3.connect(work, isolation_level=None)
        # A file no one reads before it is whole: written without a sync at each step (the backup, the
        # VACUUM), then synced once before it takes its name (2.0 s instead of 4.0 s at 10 000 releases).
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


def iter_table_json(conn: sqlite3.Connection, table: str) -> Iterator[str]:
    """Every row of a public table as a JSON array, in chunks; ``conn`` should hold a read transaction."""
    pks = _primary_key(conn, table)
    cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY {', '.join(f'[{c}]' for c in pks)}")
    columns = [d[0] for d in cursor.description]
    yield "["
    first = True
    while rows := cursor.fetchmany(500):
        chunk = ",\n".join(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) for row in rows)
        yield ("\n" if first else ",\n") + chunk
        first = False
    yield "\n]\n"


def csv_cell(value: Any) -> str:
    """A value as the csv module's default writer writes it: quoted only when it holds a comma, a quote or a line
    end, its quotes doubled. Four substring tests cost a fifth of the module's test of every character against
    the line terminator: 0.2 s instead of 0.9 s for the releases at 10,000 (``test_csv_cells_are_the_csv_modules``).
    Bytes, which the module would write as ``b'…'`` and Datasette as a link, raise TypeError."""
    if value is None:
        return ""
    if type(value) is str:
        if '"' in value:
            return '"' + value.replace('"', '""') + '"'
        return f'"{value}"' if "," in value or "\n" in value or "\r" in value else value
    if type(value) is bytes:
        raise TypeError("une valeur binaire")
    return repr(value) if type(value) is float else str(value)


def csv_rows(rows: Iterable[tuple]) -> str:
    """``csv.writer(out).writerows(rows)``, made with ``csv_cell``."""
    lines = [",".join(map(csv_cell, row)) for row in rows]
    # The module quotes the one empty cell of a row, which would otherwise be an empty line.
    return "".join((line or ('""' if row else "")) + "\r\n" for line, row in zip(lines, rows, strict=True))


def datasette_csv(db_path: str | Path, table: str, metadata: dict) -> bytes:
    """A public table as Datasette streams it in CSV (``/<database>/<table>.csv?_stream=on&_size=max``), for a
    static build: without starting Datasette, and twice as fast. Datasette's pages of rows, each after the last
    row of the one before, are the table in the order of its ``metadata``'s ``sort`` or ``sort_desc``, then of
    its primary key (the tie-breaker of those pages); a test holds the two to the same bytes. A BLOB, which
    Datasette writes as a link, raises ExportError (the caller asks Datasette)."""
    conn = sqlite3.connect(store.read_only_uri(db_path), uri=True)
    conn.text_factory = lambda value: str(value, "utf-8", "replace")  # as Datasette reads text
    try:
        order = [f"[{c}]" for c in _primary_key(conn, table)]
        if metadata.get("sort"):
            order.insert(0, f"[{metadata['sort']}]")
        elif metadata.get("sort_desc"):
            order.insert(0, f"[{metadata['sort_desc']}] DESC")
        cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY {', '.join(order)}")
        return csv_rows([tuple(d[0] for d in cursor.description), *cursor]).encode("utf-8")
    except (sqlite3.Error, TypeError) as exc:
        raise ExportError(f"{table} : {exc}") from None
    finally:
        conn.close()
