"""PDF files: the text layer is extracted with pypdf, then read as press-release text.

PDF text comes as lines, not paragraphs: a paragraph ends at an empty line, a line clearly shorter than the
text's width (or a sentence ending short of it), before a bullet and before a contact heading.
"""

from __future__ import annotations

import io
import re

import pypdf
from pypdf.errors import PyPdfError

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import CONTACT_HEADING
from feeds.ingest.decoding import clean_block
from feeds.ingest.text import parse_text
from feeds.model import Release

BULLET = re.compile(r"^\s*(?:[-•■▪–*]|\d+[.)])\s+")


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    return parse_text(extract_text(data), name, sha256(data), ctx, "pdf")


def extract_text(data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("PDF protégé par un mot de passe")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise IngestError("fichier PDF illisible (structure invalide ou tronquée)") from None
    lines = [ln.rstrip() for page in pages for ln in clean_block(page).splitlines()]
    if not any(ln.strip() for ln in lines):
        raise IngestError("le PDF ne contient pas de texte (document scanné ?)")
    return "\n\n".join(paragraphs(lines))


def paragraphs(lines: list[str]) -> list[str]:
    """Lines of extracted text grouped into paragraphs."""
    lengths = sorted(len(ln.strip()) for ln in lines if ln.strip())
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    found: list[str] = []
    current: list[str] = []
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if current:
                found.append(" ".join(current))
                current = []
            continue
        if current and (BULLET.match(line) or CONTACT_HEADING.match(line)):
            found.append(" ".join(current))
            current = []
        if current and current[-1].endswith("-") and line[:1].islower():
            current[-1] = current[-1][:-1] + line  # a word hyphenated across lines
        else:
            current.append(line)
        ends_sentence = line.endswith((".", "!", "?", ":", "»", "\"", "”")) and len(line) < width * 0.85
        if len(line) < width * 0.7 or ends_sentence or i + 1 == len(lines):
            found.append(" ".join(current))
            current = []
    if current:
        found.append(" ".join(current))
    return found
