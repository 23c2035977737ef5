"""French and English dates, and the weekdays written next to them (feeds.ingest.dates)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from feeds.ingest.dates import (
    ImpossibleDate,
    aware,
    check_weekdays,
    parse_english_date,
    parse_french_date,
    parse_time,
)
from feeds.model import Release, Source

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("text, expected", [
    ("Toulouse, le mardi 1^{er} février 2019", (date(2019, 2, 1), "mardi")),
    ("le 1er juillet 2020", (date(2020, 7, 1), None)),
    ("LUNDI 5 MARS 2018", (date(2018, 3, 5), "lundi")),
    ("le 14/03/2019", (date(2019, 3, 14), None)),
    ("le 14.03.2019", (date(2019, 3, 14), None)),
    ("sans date", None),
])
def test_french_dates(text, expected):
    assert parse_french_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("July 15, 2019 (SAINT PAUL) —", date(2019, 7, 15)),
    ("Oct. 4, 2019", date(2019, 10, 4)),
    ("15th July 2019", date(2019, 7, 15)),
    ("no date here", None),
])
def test_english_dates(text, expected):
    assert parse_english_date(text) == expected


def test_impossible_dates_are_refused():
    with pytest.raises(ImpossibleDate, match="date impossible : « 30 février 2019 »"):
        parse_french_date("le 30 février 2019")
    with pytest.raises(ImpossibleDate, match="date impossible : « February 30, 2020 »"):
        parse_english_date("February 30, 2020")


def test_times_and_time_zones():
    assert [parse_time(t) for t in ("à 10h30", "6H00", "18:45", "9 h", "25h", "midi")] == [
        time(10, 30), time(6, 0), time(18, 45), time(9, 0), None, None]
    assert aware(date(2019, 3, 15), PARIS) == datetime(2019, 3, 15, tzinfo=PARIS)
    assert aware(datetime(2019, 3, 15, 6, tzinfo=ZoneInfo("UTC")), PARIS).tzinfo == ZoneInfo("UTC")


@pytest.mark.parametrize("written, warning", [
    ("lundi 4 mars", None), ("MARDI 5 mars", None), ("Mercredi\xa06 mars 2019", None), ("jeudi 7 mars", None),
    ("vendredi 8 mars", None), ("samedi\n9 mars", None), ("Dimanche 10 mars", None),
    ("dimanche 4 mars", "« dimanche 4 mars » : le 2019-03-04 était un lundi, pas un dimanche"),
    ("Samedi 1er mars", "« Samedi 1er mars » : le 2019-03-01 était un vendredi, pas un samedi"),
    # December before a March release
    ("mardi 28 décembre", "« mardi 28 décembre » : le 2018-12-28 était un vendredi, pas un mardi"),
    ("lundi 30 février", "« lundi 30 février » n'existe pas"),
])
def test_weekdays_in_the_text_are_checked(written, warning):
    release = Release(id="x", title="x", published=datetime(2019, 3, 1, tzinfo=PARIS), source=Source("x", "0", "text"))
    check_weekdays(release, f"Rendez-vous le {written} à la Région, pour une journée portes ouvertes.")
    code = "impossible_date" if warning and "n'existe pas" in warning else "weekday_mismatch"
    assert [(w.code, w.message) for w in release.warnings] == ([(code, warning)] if warning else [])
