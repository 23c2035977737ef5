"""feeds.store.filters: the SQL fragments of facets, feeds and search, and the user's words as FTS5."""

import pytest

from feeds import store
from feeds.store import filters


def test_facet_where_keeps_the_filters_given_in_their_order():
    assert store.facet_where({"place": "Toulouse", "kind": None, "year": 2024, "publisher": ""}) == (
        "r.place = ? AND r.year = ?", ["Toulouse", 2024])
    assert store.facet_where({}) == ("", [])


def test_feed_where_adds_each_filter_and_a_search():
    assert filters.feed_where([("topic", "santé"), ("q", 'l\'État "plan vélo"'), ("q", "*")]) == (
        " AND r.id IN (SELECT rt.release_id FROM release_topics rt JOIN topics t ON t.id = rt.topic_id "
        "WHERE t.name = ?) AND r.rowid IN (SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?) AND 0",
        ["santé", '"l État" "plan vélo"'])
    assert filters.feed_where([]) == ("", [])


@pytest.mark.parametrize("text, expected", [
    (" ".join(f"m{i}" for i in range(20)), " ".join(f'"m{i}"' for i in range(store.SEARCH_MAX_TERMS))),
    ('"" "  " x', '"x"'),
    (None, None),
])
def test_fts_expression_keeps_the_first_terms_and_drops_empty_phrases(text, expected):
    assert store.fts_expression(text) == expected
