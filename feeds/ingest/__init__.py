"""Turn source documents of any supported format into ``Release`` records: the format detected, its parser run.

Each format is a module of this package with ``parse(data, name, ctx) -> Release`` (or
``parse_many`` for formats holding several releases, such as feeds and JSON Lines). Reading files and
folders is ``feeds.ingest.files``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from feeds.ingest.base import Context, IngestError, looks_utf16
from feeds.model import Release

__all__ = ["FORMATS", "Context", "IngestError", "Rejected", "detect", "parse_bytes"]

# format name -> module; the order is the order of detection.
FORMATS = {
    "text": "feeds.ingest.text",
    "markdown": "feeds.ingest.frontmatter",
    "html": "feeds.ingest.html",
    "govuk": "feeds.ingest.govuk",
    "sig": "feeds.ingest.sig",
    "feed": "feeds.ingest.feed",
    "docx": "feeds.ingest.docx",
    "pdf": "feeds.ingest.pdf",
}

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".xml", ".rss", ".atom",
            ".docx", ".pdf"}


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
        return "docx"  # the DOCX parser says so when the archive is not a Word document
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
