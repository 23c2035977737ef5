"""Formats told from the bytes, never from a failed attempt at another format."""

import io
import zipfile

import pytest

from feeds.ingest import SUFFIXES, IngestError, detect, parse_bytes


def _zip(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED, mimetype_compressed=False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            stored = name == "mimetype" and not mimetype_compressed
            z.writestr(name, content, zipfile.ZIP_STORED if stored else compression)
    return out.getvalue()


ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.mark.parametrize(("data", "fmt"), [
    (ODT, "odt"),
    (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "docx"),
    # Cut before the central directory: the local headers still name word/document.xml.
    (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})[:120], "docx"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}, zipfile.ZIP_DEFLATED, True), "odt"),
    (_zip({"readme.txt": b"bonjour"}), "zip"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}), "zip"),
    (b"{\\rtf1\\ansi Bonjour}", "rtf"),
    (b"\xef\xbb\xbf{\\rtf1 Bonjour}", "rtf"),
    (b'{"document": {}}', "sig"),
    (b"%PDF-1.7\n", "pdf"),
])
def test_detect_from_the_bytes(data, fmt):
    assert detect(data, "fichier.json") == fmt


def test_suffixes_of_office_documents():
    assert {".odt", ".rtf", ".docx", ".pdf"} <= SUFFIXES


@pytest.mark.parametrize(("files", "message"), [
    ({"readme.txt": b"bonjour"}, "une archive ZIP, pas un communiqué"),
    ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
     "un classeur OpenDocument (ODS), pas un communiqué"),
    ({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}, "un classeur Excel (XLSX), pas un communiqué"),
])
def test_other_archives_are_refused_with_what_they_are(files, message):
    with pytest.raises(IngestError) as error:
        parse_bytes(_zip(files), "envoi.zip")
    assert str(error.value) == (f"{message} : seuls les documents texte ODT (LibreOffice) et DOCX (Word) sont "
                                "lus parmi les archives ZIP")
