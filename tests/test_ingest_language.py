"""French or English (feeds.ingest.language)."""

import pytest

from feeds.ingest.language import detect_language


@pytest.mark.parametrize("text, default, expected", [
    ("The Region and the State agree on the budget", "fr", "en"),
    ("La Région et l'État sont d'accord sur le budget", "en", "fr"),
    ("Toulouse 2019", "en", "en"),  # no common word: the publisher's language
    ("the le", "fr", "fr"),  # a tie
    ("LES ÉLÈVES ET LES PROFESSEURS", "en", "fr"),
])
def test_language_from_common_words(text, default, expected):
    assert detect_language(text, default) == expected


def test_only_the_opening_counts():
    assert detect_language("le " * 700 + "the " * 1000) == "fr"
