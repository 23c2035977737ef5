"""Quotes and their speakers (feeds.ingest.quotes)."""

from feeds.ingest.quotes import extract_quotes, extract_quotes_en, quote_paragraphs, split_speaker
from feeds.model import Quote


def test_french_quotes_with_the_speaker_after_or_before():
    assert extract_quotes(
        "« Ce lycée est une fierté pour tout notre territoire », a souligné Jean Dupont, vice-président. "
        "Pour Marie Curie, présidente : « La science avance pas à pas avec nous tous. » "
        "L'événement « MOOC of the year » est un nom, pas une citation."
    ) == [
        Quote(text="Ce lycée est une fierté pour tout notre territoire", speaker="Jean Dupont", role="vice-président"),
        Quote(text="La science avance pas à pas avec nous tous.", speaker="Marie Curie", role="présidente"),
    ]


def test_english_quotes_after_an_attribution_or_an_introduction():
    assert extract_quotes_en([
        "“This is a long quote about the budget,” said Attorney General Keith Ellison. “It resumes here, "
        "with the same speaker.”",
        "Governor Tim Walz said:",
        "“We are proud of every one of our teachers.”",
        "The report, titled “A Very Long Title of a Report Here”, was published.",
        "“A quote that runs over",
        "“two paragraphs is one quote,” she said.",
    ]) == [
        Quote(text="This is a long quote about the budget. It resumes here, with the same speaker.",
              speaker="Keith Ellison", role="Attorney General"),
        Quote(text="We are proud of every one of our teachers.", speaker="Tim Walz", role="Governor"),
        Quote(text="A quote that runs over two paragraphs is one quote.", speaker="Tim Walz", role="Governor"),
    ]


def test_speakers_and_their_offices():
    assert split_speaker("Attorney General Keith Ellison") == ("Keith Ellison", "Attorney General")
    assert split_speaker("Jane Doe, Director of Health") == ("Jane Doe", "Director of Health")
    assert split_speaker("Attorney General") == ("General", "Attorney")


def test_blockquote_paragraphs_come_back_quoted():
    assert quote_paragraphs("<p>Intro</p><blockquote><p>Une</p><p>Deux</p></blockquote>") == [
        "Intro", "“Une", "“Deux”"]
    assert quote_paragraphs(" ") == []
