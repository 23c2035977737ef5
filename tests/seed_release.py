"""The seed press release as a Release, as the store tests write it (optionally with its text changed)."""

from conftest import SEED

from feeds.ingest import parse_bytes
from feeds.ingest.normalise import Context

CTX = Context()


def seed_release(text_change: str | None = None):
    """The seed release; ``text_change`` replaces its "1200 participants" (a new revision of the same release)."""
    data = SEED.read_bytes()
    if text_change:
        data = data.replace(b"1200 participants", text_change.encode())
    return parse_bytes(data, SEED.name, CTX)[0]
