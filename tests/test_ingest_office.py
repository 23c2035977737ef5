"""DOCX, ODT and RTF through pandoc: the whole Markdown handed to parse_text, and the records."""

import io
import zipfile
from pathlib import Path

import pytest
from pressdocs import SAMPLES, make_docx, make_odt, make_rtf, pandoc

from feeds.ingest import Context, IngestError, detect, parse_bytes
from feeds.ingest.office import MAX_UNPACKED, extract_text

SEED = Path(__file__).resolve().parent / "corpus" / "seed" / "occitanie-2018-01-25-prix-mooc.txt"
MAKERS = {"docx": make_docx, "odt": make_odt, "rtf": make_rtf}


@pytest.mark.parametrize("fmt", sorted(MAKERS))
@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_office_documents_give_the_seed_markdown(fmt, language):
    sample = SAMPLES[language]
    data = MAKERS[fmt](sample)
    assert detect(data, f"communique.{fmt}") == fmt
    assert extract_text(data, fmt) == sample.markdown()


# The other languages' kind lines and the '# Title' heading are read by text.py (branch h-lang): strict, so
# that these turn into plain assertions the day they pass.
LANGUAGES = sorted(SAMPLES)


@pytest.mark.parametrize("fmt", sorted(MAKERS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_office_records_title_and_body(fmt, language):
    sample = SAMPLES[language]
    [release] = parse_bytes(MAKERS[fmt](sample), f"communique.{fmt}", Context(language=language))
    assert (release.title, release.source.format) == (sample.title, fmt)
    # The first paragraph after the title is the standfirst, the others (contact aside) the body.
    assert release.body_text == "\n\n".join(sample.paragraphs[1:])


@pytest.mark.parametrize("fmt", sorted(MAKERS))
def test_french_office_documents_give_the_whole_record(fmt):
    [r] = parse_bytes(MAKERS[fmt](SAMPLES["fr"]), f"lycee.{fmt}")
    assert (r.title, r.published.isoformat(), r.place, r.kind, r.warnings) == (
        "La Région ouvre à Montpellier un lycée à énergie positive pour 1 200 élèves",
        "2024-03-12T00:00:00+01:00", "Montpellier", "communique", [])
    assert [(c.name, c.email, c.phones) for c in r.contacts] == [
        ("Marie Durand", "marie.durand@example.fr", ["+33467228000"])]


def test_docx_of_the_seed_gives_the_seed_record():
    """The seed is pandoc Markdown: written to DOCX by pandoc and read back, it is the same release. Its
    « 1^{ère} » is a superscript the way an older converter wrote it; in a Word document it is a superscript
    run, which pandoc writes ^ère^."""
    data = pandoc(SEED.read_text(encoding="utf-8").replace("^{ère}", "^ère^"), "docx")
    [from_docx] = parse_bytes(data, "occitanie-2018-01-25-prix-mooc.docx")
    [from_text] = parse_bytes(SEED.read_bytes(), SEED.name)
    assert from_docx.source.format == "docx"
    assert from_docx.to_dict() | {"source": None} == from_text.to_dict() | {"source": None}


def test_metadata_title_and_first_heading():
    """Without a Title paragraph: the metadata title marks its paragraph; else the first Heading 1 is the
    title, and no level-1 heading comes before it."""
    rtf = (b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}{\\info{\\title Le titre}}\\pard Communiqu\\'e9\\par"
           b"\\pard Le titre\\par\\pard Texte.\\par}")
    assert extract_text(rtf, "rtf") == "Communiqué\n\n# Le titre\n\nTexte.\n"
    docx = pandoc("Communiqué\n\n# Un titre\n\nTexte.\n\n# Une section\n", "docx")
    assert extract_text(docx, "docx") == "Communiqué\n\n# Un titre\n\nTexte.\n\n# Une section\n"
    titled = pandoc("## Avant\n\n# Premier\n\n::: {custom-style=\"Title\"}\nLe titre\n:::\n\nTexte.\n", "docx")
    assert extract_text(titled, "docx") == "## Avant\n\n## Premier\n\n# Le titre\n\nTexte.\n"


def test_tables_bullets_and_line_breaks():
    source = "| Lieu | Date |\n|---|---|\n| Toulouse | 3 mars |\n\nAdresse\\\nRue 1\n"
    assert extract_text(pandoc(source, "odt"), "odt") == "Lieu - Date\n\nToulouse - 3 mars\n\nAdresse\nRue 1\n"
    rtf = b"{\\rtf1\\ansi\\pard \\'95\\tab premier\\par\\pard \\'95\\tab second\\par}"
    assert extract_text(rtf, "rtf") == "- premier\n- second\n"


def _zip(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return out.getvalue()


def test_zip_bomb_is_refused_before_pandoc():
    odt = make_odt(SAMPLES["fr"])
    with zipfile.ZipFile(io.BytesIO(odt)) as z:
        files = {info.filename: z.read(info) for info in z.infolist()}
    files["Pictures/zeros.bin"] = bytes(MAX_UNPACKED + 1)
    data = _zip(files)
    assert len(data) < 200_000
    with pytest.raises(IngestError) as error:
        parse_bytes(data, "piege.odt")
    assert str(error.value) == "archive ODT (OpenDocument) refusée : elle se décompresse en plus de 64 Mo (fichier piégé ?)"


RTF = make_rtf(SAMPLES["fr"])


@pytest.mark.parametrize(("name", "data", "message"), [
    ("tronque.rtf", RTF[:len(RTF) // 2], "RTF tronqué : 2 groupe(s) ouvert(s) jamais fermé(s), le fichier "
                                         "s'arrête au milieu du document (le renvoyer en entier)"),
    ("accolade.rtf", RTF + b"}", "RTF invalide : une accolade fermante « } » de trop"),
    ("coupe.odt", make_odt(SAMPLES["fr"])[:3000], "fichier ODT (OpenDocument) corrompu ou incomplet : "
                                                   "archive illisible (File is not a zip file)"),
    ("coupe.docx", make_docx(SAMPLES["fr"])[:3000], "fichier DOCX (Word) corrompu ou incomplet : "
                                                     "archive illisible (File is not a zip file)"),
    ("faux.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<pas du xml"}),
     "fichier DOCX (Word) illisible par pandoc"),
    ("vide.docx", pandoc("", "docx"), "le document DOCX (Word) ne contient aucun texte"),
])
def test_broken_office_documents_say_what_is_wrong(name, data, message):
    with pytest.raises(IngestError) as error:
        parse_bytes(data, name)
    assert str(error.value).startswith(message)
