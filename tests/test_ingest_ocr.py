"""Scanned PDFs (no text layer) read by ocrmypdf and Tesseract, then by the same layout reader."""

import difflib
import io
import shutil

import pytest
from PIL import Image
from pressdocs import SAMPLES, make_pdf, make_scan

from feeds.ingest import Context, IngestError, parse_bytes
from feeds.ingest.ocr import MISSING, languages
from feeds.ingest.pdf import OCR_WARNING, extract_text

pytestmark = pytest.mark.skipif(shutil.which("ocrmypdf") is None, reason="Debian's ocrmypdf (scripts/test installs it)")


def _words(text: str) -> str:
    return " ".join(text.replace("**", "").split())


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_scanned_release_is_read_by_ocr(language):
    """The scan of the two-column release: the text comes back, bold aside (a scan has no fonts), with at
    most a few characters misread; the kind line and the dateline exactly."""
    sample = SAMPLES[language]
    text, recognised = extract_text(make_scan(make_pdf(sample)), language)
    assert recognised is True
    assert text.startswith(f"{sample.kind}\n\n{sample.dateline}\n\n# ") or text.startswith(
        f"{sample.kind} {sample.dateline}\n\n# ")
    assert difflib.SequenceMatcher(None, _words(text), _words(sample.markdown())).ratio() >= 0.97


def test_french_scan_gives_the_record_with_a_warning():
    [r] = parse_bytes(make_scan(make_pdf(SAMPLES["fr"])), "scan.pdf", Context(language="fr"))
    assert (r.title, r.published.isoformat(), r.source.format) == (
        "La Région ouvre à Montpellier un lycée à énergie positive pour 1 200 élèves",
        "2024-03-12T00:00:00+01:00", "pdf")
    assert [(w.code, w.message) for w in r.warnings] == [("ocr", OCR_WARNING)]


def _blank_scan() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1240, 1748), 255).save(out, "PDF", resolution=150)
    return out.getvalue()


def test_a_scan_without_text_is_refused():
    with pytest.raises(IngestError) as error:
        parse_bytes(_blank_scan(), "blanc.pdf")
    assert str(error.value) == "le PDF ne contient pas de texte, même après reconnaissance des caractères"


def test_ocr_missing_on_the_machine_names_the_packages(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(IngestError) as error:
        parse_bytes(_blank_scan(), "scan.pdf")
    assert str(error.value) == MISSING


def test_languages_the_release_first_and_only_those_installed():
    installed = {"fra", "deu", "eng", "osd"}
    assert languages(["de", "fr"], installed) == ["deu", "fra"]
    assert languages(["it"], installed) == ["fra", "eng", "deu"]
