"""PDF files: the words of the text layer with their sizes and positions (pdfplumber, on pdfminer.six), read
with their layout (``feeds.ingest.layout``), then as press-release text. A PDF without a text layer (a
scan) is read by OCR first (``feeds.ingest.ocr``), and says so in a warning."""

from __future__ import annotations

import io
import logging

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.decoding import clean_block
from feeds.ingest.layout import Page, even_sizes, to_markdown
from feeds.ingest.text import parse_text
from feeds.model import Release

OCR_WARNING = ("texte lu par reconnaissance optique des caractères (le PDF est une image, sans texte) : "
               "des erreurs de lecture sont possibles")


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    ctx = ctx or Context()
    text, recognised = extract_text(data, ctx.language)
    release = parse_text(text, name, sha256(data), ctx, "pdf")
    if recognised:
        release.warn("ocr", OCR_WARNING)
    return release


def extract_text(data: bytes, language: str = "fr") -> tuple[str, bool]:
    """The document as pandoc Markdown, and whether it was read by OCR."""
    pages = read_pages(data)
    if not pages:
        raise IngestError("le PDF ne contient aucune page")
    text = to_markdown(pages)
    if text.strip():
        return clean_block(text), False
    text = recognised_text(data, language)
    if not text.strip():
        raise IngestError("le PDF ne contient pas de texte, même après reconnaissance des caractères")
    return clean_block(text), True


def recognised_text(data: bytes, language: str) -> str:
    """The text of a scanned PDF: OCR in the release's language; again in another language when the text
    read is in that one (Tesseract reads accents best in one language at a time)."""
    from feeds.ingest.language import detect_language
    from feeds.ingest.ocr import TESSERACT, recognise

    text = to_markdown(even_sizes(read_pages(recognise(data, [language]))))
    found = detect_language(text, language) if text.strip() else language
    if found != language and found in TESSERACT:
        text = to_markdown(even_sizes(read_pages(recognise(data, [found, language]))))
    return text


def read_pages(data: bytes) -> list[Page]:
    """Every page's words with their font size and name (pdfplumber opens the file with the empty password
    when it is encrypted for its owner only)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            return [Page(float(page.width), float(page.height),
                         page.extract_words(x_tolerance=1.5, extra_attrs=["size", "fontname"]))
                    for page in pdf.pages]
    except PdfminerException as exc:
        if isinstance(exc.args[0] if exc.args else None, PDFPasswordIncorrect):
            raise IngestError("PDF protégé par un mot de passe : il ne peut être lu qu'avec lui "
                              "(le renvoyer sans protection)") from None
        raise IngestError(f"fichier PDF illisible (structure invalide ou tronquée : {_reason(exc)})") from None
    except PDFPasswordIncorrect:
        raise IngestError("PDF protégé par un mot de passe : il ne peut être lu qu'avec lui "
                          "(le renvoyer sans protection)") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, AssertionError) as exc:
        raise IngestError(f"fichier PDF illisible (structure invalide ou tronquée : {_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    text = str(inner) or type(inner).__name__
    return text if len(text) <= 200 else text[:197] + "…"
