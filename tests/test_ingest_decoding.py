"""Bytes to clean text (feeds.ingest.decoding): encodings guessed, mojibake repaired, controls removed."""

import pytest

from feeds.ingest.decoding import clean_block, decode

TEXT = "L'été \x00arrive\x07 en Région\r\nTexte « cité »."
CLEAN = "L'été arrive en Région\nTexte « cité »."


@pytest.mark.parametrize("data", [
    TEXT.encode("cp1252"), TEXT.encode("utf-16"), TEXT.encode("utf-16-le"), TEXT.encode("utf-16-be"),
    b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
    TEXT.encode("utf-8").decode("latin-1").encode("utf-8"),  # mojibake: UTF-8 read as latin-1, saved as UTF-8
], ids=["cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-8-bom", "mojibake"])
def test_encodings_and_controls_are_repaired(data):
    assert decode(data) == CLEAN


def test_utf8_cut_in_a_character_keeps_what_is_valid():
    assert decode(CLEAN.encode()[:-2] + "é".encode()[:1]) == CLEAN[:-2]


def test_clean_block_keeps_typographic_quotes_and_composes():
    assert clean_block("“Cite” l’e\u0301te\u0301\u200b\r\n") == "“Cite” l’été\n"
    assert clean_block("CafÃ© “x”", repair=False) == "CafÃ© “x”"
    assert clean_block("CafÃ© “x”") == "Café “x”"
