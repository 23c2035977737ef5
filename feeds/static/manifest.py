"""``OUT/.build-manifest.json``: what the last build wrote, URL by URL (its file, its answer, the hash of its
bytes and the ETag the app gave it), so that the next build asks the app whether each changed and writes only
the files whose bytes did."""

from __future__ import annotations

import json
import operator
from pathlib import Path
from typing import TypedDict

MANIFEST = ".build-manifest.json"


class Page(TypedDict):
    """One rendered URL, as the manifest remembers it."""

    url: str  # path and raw query, e.g. /releases/<id> or /feed.atom?kind=dossier
    file: str  # relative path in OUT
    status: int
    content_type: str
    cache_control: str | None
    sha: str  # SHA-256 of the bytes
    etag: str | None  # the app's, sent back as If-None-Match by the next build


FIELDS = list(Page.__annotations__)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


# The manifest this process wrote last, and its pages: the next build in the same process (``watch``) need
# not read them again, as long as the file is still the one it wrote (``write_file`` replaces it: a new inode).
_last: dict[Path, tuple[tuple[int, int, int] | None, dict[str, Page]]] = {}


def read_manifest(out: Path) -> dict[str, Page]:
    """URL -> page of the last build into ``out``; empty when there is none (or it cannot be read)."""
    try:
        data = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
        if data["fields"] != FIELDS:  # another version's: everything is rendered again
            return {}
        return {row[0]: Page(zip(FIELDS, row, strict=True)) for row in data["pages"]}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return {}


def previous(out: Path) -> dict[str, Page]:
    """The pages of the last build into ``out``: those this process remembers if the file is still its own."""
    stamp, remembered = _last.pop(out.resolve(), (None, {}))
    return remembered if stamp and stamp == _stamp(out / MANIFEST) else read_manifest(out)


def manifest_bytes(base_url: str, pages: list[Page]) -> bytes:
    """The pages as JSON rows, in the order of ``FIELDS``."""
    row = operator.itemgetter(*FIELDS)
    return json.dumps({"base_url": base_url, "fields": FIELDS, "pages": [row(page) for page in pages]},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def remember(out: Path, pages: dict[str, Page]) -> None:
    """The manifest just written into ``out``, for the next build of this process."""
    _last[out.resolve()] = _stamp(out / MANIFEST), pages
