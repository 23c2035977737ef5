"""Turn source documents of any supported format into ``Release`` records: the format detected, its parser run.

Each format is a module of this package with ``parse(data, name, ctx) -> Release`` (or
``parse_many`` for formats holding several releases, such as feeds and JSON Lines). Reading files and
folders is ``feeds.ingest.files``.
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from dataclasses import dataclass

from feeds.ingest.base import Context, IngestError, looks_utf16
from feeds.model import Release

__all__ = ["FORMATS", "SUFFIXES", "Context", "IngestError", "Rejected", "detect", "parse_bytes"]

# format name -> module; the order is the order of detection.
FORMATS = {
    "text": "feeds.ingest.text",
    "markdown": "feeds.ingest.frontmatter",
    "html": "feeds.ingest.html",
    "govuk": "feeds.ingest.govuk",
    "sig": "feeds.ingest.sig",
    "feed": "feeds.ingest.feed",
    "docx": "feeds.ingest.office",
    "odt": "feeds.ingest.office",
    "rtf": "feeds.ingest.office",
    "pdf": "feeds.ingest.pdf",
}

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".xml", ".rss", ".atom",
            ".docx", ".odt", ".rtf", ".pdf"}


@dataclass
class Rejected:
    """A file that could not be ingested, and why (for a person)."""

    name: str
    reason: str


def detect(data: bytes, name: str) -> str:
    """The format of a document, from its content first and its name second."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = name.lower()
    low = head[:1024].lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return detect_zip(data)
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"{", b"[")):
        # Hugo's JSON front matter: a JSON object opening a Markdown file
        return "markdown" if lower.endswith((".md", ".markdown")) and head.startswith(b"{") else _detect_json(data)
    if head.startswith(b"<"):
        if re.search(rb"<(?:rss|feed|rdf:rdf)[\s>]", low):
            return "feed"
        if re.search(rb"<!doctype html|<html[\s>]", low):
            return "html"
    if head.startswith(b"--") or re.match(rb"\+{1,4}[ \t]*\r?\n", head):  # YAML (or a mistyped fence), TOML
        # A Liquid/Jekyll template of a feed is front matter followed by XML: the feed parser explains it.
        if re.search(rb"\n---\s*\n\s*<\?xml|\n---\s*\n\s*<(?:rss|feed)[\s>]", data[:4096]):
            return "feed"
        return "markdown"
    if lower.endswith((".html", ".htm")):
        return "html"
    if lower.endswith((".rss", ".atom")):
        return "feed"
    return "text"


ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Archives that are documents, but not ones a press release is read from: what to tell the sender.
OTHER_ZIPS = [
    (b"application/vnd.oasis.opendocument.text-template", "un modèle de document OpenDocument (OTT)"),
    (b"application/vnd.oasis.opendocument.spreadsheet", "un classeur OpenDocument (ODS)"),
    (b"application/vnd.oasis.opendocument.presentation", "une présentation OpenDocument (ODP)"),
    (b"application/vnd.oasis.opendocument", "un document OpenDocument qui n'est pas un texte"),
    (b"application/epub+zip", "un livre numérique EPUB"),
    (b"xl/workbook.xml", "un classeur Excel (XLSX)"),
    (b"ppt/presentation.xml", "une présentation PowerPoint (PPTX)"),
]


def detect_zip(data: bytes) -> str:
    """'odt' or 'docx' from the archive's own entries ('zip' for any other archive, which is refused).

    An OpenDocument file starts with an uncompressed entry ``mimetype`` naming its type; a Word document
    has ``word/document.xml``. Entry names are read from the local headers too, so that an archive cut
    before its central directory is still told apart (and its reader says it is corrupt).
    """
    first = _first_entry(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if first is not None and first[0] == b"mimetype" and data[8:10] != b"\0\0":
            first = (b"mimetype", archive.read("mimetype")[:200])  # compressed, against the standard
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        names = [m.group(1).decode("cp437") for m in re.finditer(rb"PK\x03\x04.{26}(word/document\.xml)", data, re.S)]
    if first is not None and first[0] == b"mimetype":
        return "odt" if first[1].strip() == ODT_MIMETYPE else "zip"
    return "docx" if "word/document.xml" in names else "zip"


def _first_entry(data: bytes) -> tuple[bytes, bytes] | None:
    """The name and the first bytes of the archive's first entry, from its local header."""
    if len(data) < 30:
        return None
    size = min(int.from_bytes(data[18:22], "little"), 200)  # stored as it is: the compressed size is its size
    name_length = int.from_bytes(data[26:28], "little")
    extra_length = int.from_bytes(data[28:30], "little")
    start = 30 + name_length + extra_length
    return data[30:30 + name_length], data[start:start + size]


def zip_reason(data: bytes) -> str:
    """Why an archive that is neither ODT nor DOCX is refused, naming what it is when it can be told."""
    sample = data[:65536]
    first = _first_entry(data)
    head = first[1] if first is not None and first[0] == b"mimetype" else b""
    what = next((label for marker, label in OTHER_ZIPS if head.startswith(marker) or marker in sample),
                "une archive ZIP")
    return (f"{what}, pas un communiqué : seuls les documents texte ODT (LibreOffice) et DOCX (Word) "
            "sont lus parmi les archives ZIP")


# Keys that tell a GOV.UK content item and a SIG press-release document apart.
GOVUK_KEYS = (b'"base_path"', b'"content_id"', b'"details"')
SIG_KEYS = (b'"document"', b'"contenu_markdown"', b'"lieu_publication"', b'"lieu_diffusion"', b'"date_diffusion"',
            b'"type_document"', b'"contenu"', b'"contact_privilegie"', b'"pieces_jointes"', b'"emetteurs"')


def _detect_json(data: bytes) -> str:
    """govuk or sig from the keys a JSON (or JSON Lines) document uses; 'sig' when neither is clear."""
    sample = data[:65536]
    if any(key in sample for key in GOVUK_KEYS) and (b'"base_path"' in sample or b'"content_id"' in sample):
        return "govuk"
    if any(key in sample for key in SIG_KEYS):
        return "sig"
    return "sig"


def _module(fmt: str):
    try:
        return importlib.import_module(FORMATS[fmt])
    except KeyError:
        raise IngestError(f"format inconnu : {fmt} (formats : {', '.join(FORMATS)})") from None


def parse_bytes(data: bytes, name: str, ctx: Context | None = None, fmt: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> list[Release]:
    """Every release in one document. Raises IngestError with a reason a person can act on."""
    ctx = ctx or Context()
    if len(data) > max_bytes:
        raise IngestError(f"fichier trop volumineux ({len(data)} octets, limite {max_bytes})")
    if not data.strip():
        raise IngestError("fichier vide")
    if _is_binary(data) and not data.startswith((b"%PDF", b"PK\x03\x04")):
        raise IngestError("fichier binaire, pas un texte ni un format pris en charge")
    fmt = fmt or detect(data, name)
    if fmt == "zip":
        raise IngestError(zip_reason(data))
    module = _module(fmt)
    try:
        if hasattr(module, "parse_many"):
            return list(module.parse_many(data, name, ctx))
        return [module.parse(data, name, ctx)]
    except IngestError:
        raise
    except RecursionError:
        raise IngestError("document trop profondément imbriqué") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # A document shaped in a way the parser did not foresee: report it, never crash the run.
        raise IngestError(f"document illisible au format {fmt} ({type(exc).__name__}: {exc})") from exc


_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    # UTF-16 text has zeros in every other byte; binary has them scattered; a stray NUL in text is noise.
    if sample.count(0) > max(8, len(sample) * 0.01):
        return not looks_utf16(sample)
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control > len(sample) * 0.1
