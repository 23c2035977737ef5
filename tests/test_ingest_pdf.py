"""PDFs read with their layout (pdfplumber): the whole Markdown handed to parse_text, and the records."""

import pytest
from pressdocs import SAMPLES, make_pdf
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen import canvas

from feeds.ingest import Context, IngestError, detect, parse_bytes
from feeds.ingest.pdf import extract_text

LANGUAGES = sorted(SAMPLES)


@pytest.mark.parametrize("columns", [1, 2])
@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_pdf_layout_gives_the_seed_markdown(language, columns):
    """Two pages, header and page number on each (dropped), the title in 18 pt (# Title), the body in
    columns read in order, paragraphs from the vertical gaps, bold runs."""
    sample = SAMPLES[language]
    data = make_pdf(sample, columns)
    assert detect(data, "communique.pdf") == "pdf"
    assert extract_text(data, language) == (sample.markdown(), False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_records_title_and_body(language):
    sample = SAMPLES[language]
    [release] = parse_bytes(make_pdf(sample), "communique.pdf", Context(language=language))
    assert (release.title, release.source.format, release.warnings) == (sample.title, "pdf", [])
    assert release.body_text == "\n\n".join(sample.paragraphs[1:])


def test_french_pdf_gives_the_whole_record():
    [r] = parse_bytes(make_pdf(SAMPLES["fr"]), "lycee.pdf")
    assert (r.title, r.published.isoformat(), r.place, r.kind, r.summary[:60]) == (
        "La Région ouvre à Montpellier un lycée à énergie positive pour 1 200 élèves",
        "2024-03-12T00:00:00+01:00", "Montpellier", "communique",
        "Le nouveau lycée Simone-Veil accueillera 1 200 élèves dès la")
    assert [(c.name, c.email, c.phones) for c in r.contacts] == [
        ("Marie Durand", "marie.durand@example.fr", ["+33467228000"])]


def _pdf(draw, **encryption) -> bytes:
    import io

    from reportlab.lib import pdfencrypt

    out = io.BytesIO()
    enc = pdfencrypt.StandardEncryption(**encryption) if encryption else None
    c = canvas.Canvas(out, pagesize=A5, encrypt=enc)
    draw(c)
    c.save()
    return out.getvalue()


def _lines(c) -> None:
    """One column drawn line by line: paragraphs told apart by the gaps between them only."""
    rows = [("Helvetica", 10, 540, "Communiqué de presse"), ("Helvetica", 10, 520, "Toulouse, le 3 mars 2025"),
            ("Helvetica-Bold", 16, 490, "Un titre en plus grand"),
            ("Helvetica", 10, 460, "La Région engage un plan pour les lycées de la région, avec des travaux"),
            ("Helvetica", 10, 447, "dans quarante établissements et une concertation des familles."),
            ("Helvetica", 10, 420, "Le calendrier des chantiers :"),
            ("Helvetica", 10, 400, "- premier lycée en avril ;"), ("Helvetica", 10, 387, "- second lycée en mai."),
            ("Helvetica", 8, 20, "- 1 -")]
    for font, size, y, text in rows:
        c.setFont(font, size)
        c.drawString(40, y, text)


def test_single_column_paragraphs_from_gaps_and_a_lone_page_number():
    assert extract_text(_pdf(_lines)) == (
        "Communiqué de presse\n\nToulouse, le 3 mars 2025\n\n# Un titre en plus grand\n\n"
        "La Région engage un plan pour les lycées de la région, avec des travaux dans quarante établissements et "
        "une concertation des familles.\n\nLe calendrier des chantiers :\n\n- premier lycée en avril ;\n\n"
        "- second lycée en mai.\n", False)


def test_encrypted_for_its_owner_only_is_read():
    data = _pdf(_lines, userPassword="", ownerPassword="secret")
    assert extract_text(data)[0].startswith("Communiqué de presse\n\nToulouse, le 3 mars 2025\n\n")


ZERO_PAGES = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
              b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
              b"trailer << /Root 1 0 R >>\n%%EOF\n")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("secret.pdf", _pdf(_lines, userPassword="secret", ownerPassword="secret"),
     "PDF protégé par un mot de passe : il ne peut être lu qu'avec lui (le renvoyer sans protection)"),
    ("vide.pdf", ZERO_PAGES, "le PDF ne contient aucune page"),
    ("faux.pdf", b"%PDF-1.4\nceci n'est pas un PDF", "fichier PDF illisible (structure invalide ou tronquée"),
    ("tronque.pdf", make_pdf(SAMPLES["fr"])[:400], "fichier PDF illisible (structure invalide ou tronquée"),
])
def test_broken_pdfs_say_what_is_wrong(name, data, message):
    with pytest.raises(IngestError) as error:
        parse_bytes(data, name)
    assert str(error.value).startswith(message)
