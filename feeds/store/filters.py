"""The SQL filters that pages, feeds and search share: facets and the user's words as a safe FTS5 expression."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Trusted SQL fragments on releases ``r``, each with one ? for the value: the facets pages and search filter on.
FACET_FILTERS = {
    "publisher": "r.publisher_id IN (SELECT id FROM publishers WHERE name = ?)",
    "topic": "r.id IN (SELECT rt.release_id FROM release_topics rt JOIN topics t ON t.id = rt.topic_id "
             "WHERE t.name = ?)",
    "person": "r.id IN (SELECT q.release_id FROM quotes q JOIN people p ON p.id = q.person_id WHERE p.name = ?)",
    "place": "r.place = ?",
    "kind": "r.kind = ?",
    "year": "r.year = ?",
}
SEARCH_MAX_TERMS = 16  # terms of a search kept, the rest ignored: the index is read once per term
_SEARCH_PART = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")


def facet_where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """A WHERE fragment and its parameters for the non-empty ``filters`` (names from FACET_FILTERS)."""
    parts, params = [], []
    for name, value in filters.items():
        if value not in (None, ""):
            parts.append(FACET_FILTERS[name])
            params.append(value)
    return " AND ".join(parts), params


def fts_expression(text: str | None) -> str | None:
    """The user's words as a safe FTS5 expression: every term (or "quoted phrase") becomes a quoted phrase.

    Nothing the user types is read as FTS5 syntax (operators, columns, NEAR, stars), so no query can fail.
    """
    phrases = []
    for phrase, word in _SEARCH_PART.findall(text or ""):
        tokens = _WORD.findall(phrase or word)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"')
    return " ".join(phrases[:SEARCH_MAX_TERMS]) or None


# What a feed can follow: the facets of the pages (FACET_FILTERS) and a full-text search.
FEED_SEARCH = "r.rowid IN (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?)"


def feed_where(filters: Iterable[tuple[str, str]]) -> tuple[str, list[str]]:
    """`` AND …`` clauses and their parameters for a feed's (kind, value) filters, ``q`` a full-text search."""
    clauses, params = [], []
    for kind, value in filters:
        if kind == "q":
            expression = fts_expression(value)
            clauses.append(FEED_SEARCH if expression else "0")  # nothing searchable: nothing found
            params.extend([expression] if expression else [])
        else:
            clauses.append(FACET_FILTERS[kind])
            params.append(value)
    return "".join(f" AND {c}" for c in clauses), params

