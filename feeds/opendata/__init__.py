"""The open data: Datasette's metadata (French descriptions, licence, sorts and facets) and its plugin."""

from __future__ import annotations

import functools
from pathlib import Path

METADATA = Path(__file__).resolve().parent / "metadata.yml"


@functools.cache
def metadata() -> dict:
    """The metadata as read from its file (the caller copies what it changes)."""
    import yaml  # 20 ms, which a rebuild of pages and feeds alone does without

    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def table_metadata(table: str) -> dict:
    return metadata().get("databases", {}).get("pressroom", {}).get("tables", {}).get(table, {})
