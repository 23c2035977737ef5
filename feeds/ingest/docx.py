"""Word documents (.docx): the text is extracted with python-docx, then read as press-release text."""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.decoding import clean_block
from feeds.ingest.text import parse_text
from feeds.model import Release


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    return parse_text(extract_text(data), name, sha256(data), ctx, "docx")


def extract_text(data: bytes) -> str:
    """The document as press-release text: one paragraph per block, bold as **…**, lists as '- …'."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError):
        raise IngestError("fichier DOCX illisible (archive Word invalide ou incomplète)") from None
    blocks: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = etree.QName(child).localname
        if tag == "p":
            blocks.append(_paragraph(Paragraph(child, document)))
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    blocks.append(" - ".join(cells))
    text = "\n\n".join(b for b in blocks if b.strip())
    if not text.strip():
        raise IngestError("le document Word ne contient aucun texte")
    return clean_block(text)


def _paragraph(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = run.text
        if text.strip() and run.bold:
            lead, core, trail = re.match(r"^(\s*)(.*?)(\s*)$", text, re.DOTALL).groups()
            text = f"{lead}**{core}**{trail}"
        parts.append(text)
    text = "".join(parts).replace("****", "")
    if not text.strip():
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if style.startswith("list"):
        return "- " + text.strip()
    return text.strip()
