"""OCR of a scanned PDF with ocrmypdf and Tesseract (Debian packages ``ocrmypdf``, ``tesseract-ocr`` and the
languages' ``tesseract-ocr-fra``, ``-eng``, ``-deu``, ``-ita``, ``-spa``, ``-nld``): the PDF comes back with
an invisible text layer laid over the image, which the layout reader reads like any other."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from feeds.ingest.base import IngestError

OCR_TIMEOUT = 300  # seconds for one file; a page takes a few seconds
# ISO 639-1 (Context.language) -> Tesseract's names of the languages whose Debian packages are installed.
TESSERACT = {"fr": "fra", "en": "eng", "de": "deu", "it": "ita", "es": "spa", "nl": "nld"}
MISSING = ("PDF sans texte (document scanné) : sa lecture par reconnaissance des caractères demande "
           "ocrmypdf et Tesseract, absents de cette machine (paquets Debian « ocrmypdf » et « tesseract-ocr-fra »)")


def languages(wanted: list[str], installed: set[str]) -> list[str]:
    """Tesseract's names of the languages wanted (ISO 639-1) that are installed; when none is, all of
    TESSERACT's that are (French first)."""
    names = [TESSERACT.get(code, code) for code in wanted]
    found = [name for name in dict.fromkeys(names) if name in installed]
    return found or [name for name in TESSERACT.values() if name in installed]


def installed_languages(tesseract: str) -> set[str]:
    done = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    return {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}


def recognise(data: bytes, wanted: list[str]) -> bytes:
    """The PDF with a text layer made by OCR in the languages wanted (ISO 639-1 codes, the first one
    foremost); IngestError when the tools are missing or fail."""
    ocrmypdf, tesseract = shutil.which("ocrmypdf"), shutil.which("tesseract")
    if ocrmypdf is None or tesseract is None:
        raise IngestError(MISSING)
    names = languages(wanted, installed_languages(tesseract))
    if not names:
        raise IngestError(MISSING)
    with tempfile.TemporaryDirectory(prefix="feeds-ocr-") as folder:
        source, target = Path(folder) / "scan.pdf", Path(folder) / "ocr.pdf"
        source.write_bytes(data)
        command = [ocrmypdf, "--quiet", "--skip-text", "--output-type", "pdf", "--optimize", "0", "--jobs", "1",
                   "-l", "+".join(names), str(source), str(target)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=OCR_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise IngestError(f"PDF sans texte : la reconnaissance des caractères n'a pas fini en "
                              f"{OCR_TIMEOUT} s") from None
        if done.returncode != 0 or not target.exists():
            lines = [ln.strip() for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
            summary = " ".join(lines[-3:])[:300] or f"code {done.returncode}"
            raise IngestError(f"PDF sans texte : la reconnaissance des caractères a échoué ({summary})")
        return target.read_bytes()
