import io
import zipfile
from pathlib import Path

import docx
import pytest

from feeds.ingest import IngestError, detect, parse_bytes

SEED = Path(__file__).resolve().parent / "corpus" / "seed" / "occitanie-2018-01-25-prix-mooc.txt"


def make_docx(paragraphs: list[str]) -> bytes:
    """A Word document, one paragraph per item, with **bold** runs."""
    document = docx.Document()
    for text in paragraphs:
        paragraph = document.add_paragraph()
        for i, chunk in enumerate(text.split("**")):
            paragraph.add_run(chunk).bold = bool(i % 2)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF written by hand: Helvetica, WinAnsi encoding (French accents), one text line per item."""
    def literal(text: str) -> bytes:
        raw = text.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    stream = b"BT /F1 11 Tf 14 TL 50 800 Td " + b" ".join(literal(ln) + b" '" for ln in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


RELEASE_LINES = [
    "Communiqué de presse",
    "Montpellier, le 12 mars 2024",
    "La Région ouvre un nouveau lycée",
    "Le nouveau lycée de Montpellier accueillera 1 200 élèves dès la rentrée de septembre, dans un bâtiment",
    "à énergie positive conçu avec les enseignants et les familles du quartier.",
    "Contact presse : Marie Durand - marie.durand@example.fr - Tél. : 04 67 22 80 00",
]


def test_docx_takes_the_text_path_and_matches_the_seed():
    text = SEED.read_text(encoding="utf-8")
    data = make_docx([p.replace("\n", " ") for p in text.split("\n\n")])
    assert detect(data, "communique.docx") == "docx"
    [from_docx] = parse_bytes(data, "occitanie-2018-01-25-prix-mooc.docx")
    [from_text] = parse_bytes(SEED.read_bytes(), SEED.name)
    assert from_docx.source.format == "docx"
    assert from_docx.to_dict() | {"source": None} == from_text.to_dict() | {"source": None}


def test_docx_fields():
    [r] = parse_bytes(make_docx(RELEASE_LINES[:3] + [" ".join(RELEASE_LINES[3:5]), RELEASE_LINES[5]]), "lycee.docx")
    assert (r.title, r.published.isoformat(), r.place, r.kind) == (
        "La Région ouvre un nouveau lycée", "2024-03-12T00:00:00+01:00", "Montpellier", "communique")
    assert [(c.name, c.email, c.phones) for c in r.contacts] == [
        ("Marie Durand", "marie.durand@example.fr", ["+33467228000"])]


def test_pdf_lines_regrouped_into_paragraphs():
    data = make_pdf(RELEASE_LINES)
    assert detect(data, "lycee.pdf") == "pdf"
    [r] = parse_bytes(data, "lycee.pdf")
    assert (r.title, r.published.isoformat(), r.place, r.kind, r.source.format) == (
        "La Région ouvre un nouveau lycée", "2024-03-12T00:00:00+01:00", "Montpellier", "communique", "pdf")
    assert r.body_text == ("Le nouveau lycée de Montpellier accueillera 1 200 élèves dès la rentrée de septembre, "
                           "dans un bâtiment à énergie positive conçu avec les enseignants et les familles du quartier.")
    assert [(c.name, c.email, c.phones) for c in r.contacts] == [
        ("Marie Durand", "marie.durand@example.fr", ["+33467228000"])]


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("faux.docx", b"PK\x03\x04 pas une archive", "DOCX illisible"),
    ("faux.docx", _zip({"word/document.xml": b"<pas du xml"}), "DOCX illisible"),
    ("zip.docx", _zip({"readme.txt": b"hello"}), "DOCX illisible"),
    ("vide.docx", make_docx([]), "aucun texte"),
    ("faux.pdf", b"%PDF-1.4\nceci n'est pas un PDF", "PDF"),
    ("tronque.pdf", make_pdf(RELEASE_LINES)[:200], "PDF"),
    ("vide.pdf", make_pdf([]), "pas de texte"),
])
def test_fake_documents_give_ingest_errors(name, data, message):
    with pytest.raises(IngestError, match=message):
        parse_bytes(data, name)
