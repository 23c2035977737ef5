"""Bytes to clean Unicode text: the encoding guessed, mojibake repaired with ftfy, controls removed."""

from __future__ import annotations

import codecs
import re
import unicodedata

import ftfy

from feeds.ingest.base import looks_utf16
from feeds.sanitize import CONTROL_CHARACTERS


def decode(data: bytes) -> str:
    """Bytes in any likely encoding to clean Unicode text (mojibake repaired, controls gone)."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif len(data) >= 4 and looks_utf16(data):
        text = data.decode("utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be",
                           errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_8bit(data)
    return clean_block(text)


def _decode_8bit(data: bytes) -> str:
    # Truncated UTF-8 at the very end is common (cut downloads); keep what is valid.
    try:
        head = data.decode("utf-8", errors="strict" if len(data) < 4 else "ignore")
        if data[:-3].decode("utf-8", errors="strict") is not None:
            return head
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors="replace").replace("\ufffd", "")


# Characters that UTF-8 read as cp1252/latin-1 leaves behind. ftfy's own check is a far costlier pattern (the
# largest part of parsing a release): it runs only on a text holding one of them.
_MOJIBAKE_HINT = re.compile("[ÃÂ\x80-\x9f]|â€|Å[“”’‘ ¡¸½¾]|Ä[\x80-\xbf]")


def clean_block(text: str, repair: bool = True) -> str:
    """Multi-line text: mojibake fixed (once per document), NFC, Unix line ends, controls removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if repair and _MOJIBAKE_HINT.search(text) and ftfy.is_bad(text):
        # Typographic quotes are the publisher's choice: repair mojibake, do not restyle the text.
        text = ftfy.fix_text(text, normalization="NFC", unescape_html=False, uncurl_quotes=False)
    else:
        text = unicodedata.normalize("NFC", text)
    return CONTROL_CHARACTERS.sub("", text)
