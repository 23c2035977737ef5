"""French and English dates of press releases, and the check of the weekdays written next to them."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from feeds.ingest.base import IngestError
from feeds.model import Release

MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAY_RE = "|".join(WEEKDAYS)
DAY_RE = r"(?P<day>\d{1,2})(?:\s*\^?\{?(?:er|e|ème)\}?)?"

FRENCH_DATE = re.compile(
    rf"(?:(?P<weekday>{WEEKDAY_RE})\s+)?{DAY_RE}\s+(?P<month>{MONTH_RE})\s+(?P<year>\d{{4}})",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})")
TIME_RE = re.compile(r"(?P<h>\d{1,2})\s*[hH:]\s*(?P<m>\d{2})?")


class ImpossibleDate(IngestError):
    """A well-formed date that does not exist (30 février)."""


def make_date(year: int, month: int, day: int, written: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ImpossibleDate(f"date impossible : « {written} »") from None


def parse_french_date(text: str) -> tuple[date, str | None] | None:
    """First French date in ``text`` and the weekday written with it, if any.

    Raises ImpossibleDate for a well-formed but impossible date (30 février).
    """
    m = FRENCH_DATE.search(text)
    if m:
        month = MONTHS[m["month"].lower()]
        return make_date(int(m["year"]), month, int(m["day"]), m.group(0)), (m["weekday"] or "").lower() or None
    m = NUMERIC_DATE.search(text)
    if m:
        return make_date(int(m["year"]), int(m["month"]), int(m["day"]), m.group(0)), None
    return None


def parse_time(text: str) -> time | None:
    m = TIME_RE.search(text)
    if not m:
        return None
    h, mi = int(m["h"]), int(m["m"] or 0)
    return time(h, mi) if h < 24 and mi < 60 else None


def aware(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A timezone-aware datetime; naive values are local time of ``tz``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


_WEEKDAY_DATE = re.compile(
    rf"\b(?P<weekday>{WEEKDAY_RE})\s+{DAY_RE}(?:\s+(?P<month>{MONTH_RE}))?(?:\s+(?P<year>\d{{4}}))?", re.IGNORECASE)


def check_weekdays(release: Release, text: str) -> None:
    """Warn where the text names a weekday that does not match the date it writes next to it."""
    if not release.published:
        return
    pub = release.published.date()
    for m in _WEEKDAY_DATE.finditer(text):
        month = MONTHS[m["month"].lower()] if m["month"] else pub.month
        year = int(m["year"]) if m["year"] else pub.year
        if not m["year"] and month - pub.month > 6:
            year -= 1  # "mardi 28 décembre" in a January release
        elif not m["year"] and pub.month - month > 6:
            year += 1
        try:
            day = date(year, month, int(m["day"]))
        except ValueError:
            release.warn("impossible_date", f"« {m.group(0)} » n'existe pas")
            continue
        written = m["weekday"].lower()
        actual = WEEKDAYS[day.weekday()]
        if written != actual:
            release.warn(
                "weekday_mismatch",
                f"« {m.group(0).strip()} » : le {day.isoformat()} était un {actual}, pas un {written}",
            )


EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
EN_MONTH_RE = "|".join(sorted(EN_MONTHS, key=len, reverse=True))
ENGLISH_DATE = re.compile(
    rf"\b(?:(?P<month>{EN_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{EN_MONTH_RE})\.?,?\s+(?P<year2>\d{{4}}))\b",
    re.IGNORECASE,
)


def parse_english_date(text: str) -> date | None:
    """First English date in ``text`` (July 15, 2019 / Oct. 4, 2019 / 15 July 2019).

    Raises ImpossibleDate for a well-formed but impossible date (February 30, 2020).
    """
    m = ENGLISH_DATE.search(text)
    if not m:
        return None
    month = EN_MONTHS[(m["month"] or m["month2"]).lower()]
    return make_date(int(m["year"] or m["year2"]), month, int(m["day"] or m["day2"]), m.group(0))
