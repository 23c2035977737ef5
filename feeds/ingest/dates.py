"""Dates of press releases in the EU languages, and the check of the weekdays written next to them.

Month and weekday names (wide and abbreviated, format and stand-alone contexts, so genitive forms such as
« marca » or « Μαρτίου » too), the order of a written date and the order of a numeric one all come from
babel's CLDR data, for the language itself and its EU regional variants (en_IE, de_AT, fr_BE…). Regular
expressions are compiled once per set of languages; the release's language is tried first.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache, cache
from zoneinfo import ZoneInfo

from feeds.ingest.base import IngestError
from feeds.model import Release

# The 24 official languages of the EU, French first (the default of the press room), then by number of
# speakers: a name two languages share (« 26. Januar 2022 » is German and Danish) goes to the larger one.
EU_LANGUAGES: tuple[str, ...] = (
    "fr", "de", "en", "it", "es", "pl", "ro", "nl", "el", "hu", "pt", "cs",
    "sv", "bg", "da", "fi", "sk", "hr", "lt", "sl", "lv", "et", "ga", "mt",
)
# The member states: the regional variants of a language whose CLDR data count (en_IE, not en_US, for "en").
EU_COUNTRIES = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")

ORDINAL = r"(?:\s?\^?\{?(?:er|re|ère|e|ème|º|ª|°|st|nd|rd|th)\}?(?!\w))?"
DAY_RE = r"(?P<day>\d{1,2})(?:\s*\^?\{?(?:er|e|ème)\}?)?"
NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})")
TIME_RE = re.compile(r"(?P<h>\d{1,2})\s*[hH:]\s*(?P<m>\d{2})?")
_YEAR = re.compile(r"\d{4}")


class ImpossibleDate(IngestError):
    """A well-formed date that does not exist (30 février)."""


@dataclass(frozen=True)
class FoundDate:
    date: date
    weekday: int | None  # 0 = Monday: the weekday written next to the date, if any
    written: str  # the date as the text writes it
    start: int
    end: int
    language: str | None  # None for a numeric date, which is in no language


@dataclass(frozen=True)
class Dateline:
    place: str | None
    date: date
    weekday: int | None
    written: str
    language: str | None


def make_date(year: int, month: int, day: int, written: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ImpossibleDate(f"date impossible : « {written} »") from None


def _plain(word: str) -> str:
    """A lower-case word without its accents (« Février » → « fevrier »)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _tag(language: str) -> tuple[str, str | None]:
    """("en", "US") from "en-US", "en_us" or ("fr", None) from "fr"."""
    lang, _, region = language.replace("_", "-").partition("-")
    return lang.lower(), (region.upper() or None)


@dataclass(frozen=True)
class _Names:
    """What CLDR says of one language: its names, the shapes of its written dates, its numeric order."""

    months: dict[str, int]  # lower-case and accent-less names → 1..12
    weekdays: dict[str, int]  # lower-case and accent-less names → 0 (Monday)..6
    patterns: tuple[tuple, ...]  # babel's tokens of the full and long date patterns, distinct
    numeric: str  # "dmy" or "mdy": the order of a numeric date whose year comes last


@cache
def _locales(lang: str, region: str | None) -> tuple:
    from babel import Locale, localedata

    names = [lang] + [f"{lang}_{c}" for c in EU_COUNTRIES]
    if region:
        names.append(f"{lang}_{region}")
    return tuple(Locale.parse(n) for n in dict.fromkeys(names) if localedata.exists(n))


def _add(table: dict[str, int], name: str, value: int) -> None:
    name = name.lower().rstrip(".")
    if not name or any(c.isdigit() for c in name):
        return
    for key in (name, _plain(name)):
        table.setdefault(key, value)


def _order(pattern: str) -> str:
    """"dmy", "mdy" or "ymd": the order of the day, month and year fields of a CLDR pattern."""
    positions = {f: pattern.find(f) for f in "dMy"}
    return "".join(sorted(positions, key=positions.get)).lower()


@cache
def _names(language: str) -> _Names:
    from babel.dates import tokenize_pattern

    lang, region = _tag(language)
    locales = _locales(lang, region)
    if not locales:
        raise LookupError(f"no CLDR data for {language!r}")
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    patterns: dict[tuple, None] = {}
    for width in ("wide", "abbreviated"):
        for loc in locales:
            for context in ("format", "stand-alone"):
                for number, name in loc.months[context][width].items():
                    if width == "wide" or len(name.rstrip(".")) >= 3:
                        _add(months, name, number)
                if width == "wide":
                    for number, name in loc.days[context][width].items():
                        _add(weekdays, name, number)
    for loc in locales:
        for fmt in ("full", "long"):
            tokens = tuple(tokenize_pattern(loc.date_formats[fmt].pattern))
            if any(t == "field" and v[0] in "ML" and v[1] >= 3 for t, v in tokens):
                patterns[tokens] = None
    chosen = [loc for loc in locales if loc.territory == region] if region else locales[1:] or locales
    orders = Counter(_order(loc.date_formats["short"].pattern) for loc in chosen)
    numeric = "mdy" if orders.most_common(1)[0][0] == "mdy" else "dmy"
    return _Names(months, weekdays, tuple(patterns), numeric)


def _alternation(names: dict[str, int]) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))


def _lenient(chars: str) -> str:
    """A CLDR pattern's literal text as a forgiving regex: spaces, punctuation and words all optional."""
    out = []
    for piece in re.findall(r"\s+|[^\W\d_]+|.", chars):
        rx = r"\s*" if piece.isspace() else (
            rf"(?:{re.escape(piece)}(?!\w))?" if piece[0].isalpha() else re.escape(piece) + "?")
        if not (out and out[-1] == rx == r"\s*"):
            out.append(rx)
    return "".join(out)


def _written_regex(tokens: tuple, tag: str, names: _Names, check: bool = False) -> str:
    """The regex of one CLDR pattern: weekday optional (required when ``check``), year (and month when
    ``check``) required except when ``check``. Group names start with ``tag``."""
    fields: list[tuple[str, str]] = []  # (field letter, literal text before it)
    chars = ""
    for kind, value in tokens:
        if kind == "chars":
            chars += value
        elif value[0] in "dMLyEc":
            fields.append(("E" if value[0] in "Ec" else "M" if value[0] in "ML" else value[0], chars))
            chars = ""
    field_rx = {
        "d": rf"(?<!\d)(?P<{tag}d>[0-3]?\d){ORDINAL}",
        "M": rf"(?<!\w)(?P<{tag}m>{_alternation(names.months)})(?!\w)\.?",
        "y": rf"(?<!\d)(?P<{tag}y>\d{{4}})(?!\d)",
        "E": rf"(?<!\w)(?P<{tag}w>{_alternation(names.weekdays)})(?!\w)\.?",
    }
    optional = {"E"} if not check else {"M", "y"}
    parts, absorbed = [], False
    for i, (letter, before) in enumerate(fields):
        sep = "" if i == 0 or absorbed else _lenient(before)
        absorbed = False
        if letter == "E" and i == 0 and len(fields) > 1:
            # « Montag, den 26. Januar », « lundi le 5 mars »: a short article may follow the weekday
            after = _lenient(fields[1][1]) + r"(?:[^\W\d_]{2,3}\s+)?"
            parts.append(f"(?:{field_rx['E']}{after})" + ("?" if "E" in optional else ""))
            absorbed = True
        elif letter == "E" and "E" in optional:
            parts.append(f"{sep}(?:{field_rx['E']})?")  # « 12 d., » without its weekday: trimmed by _found
        elif letter in optional:
            parts.append(f"(?:{sep}{field_rx[letter]})?")
        else:
            parts.append(sep + field_rx[letter])
    if chars.strip():
        parts.append(f"(?:{_lenient(chars)})?")
    return "".join(parts)


def _numeric_regex(order: str, tag: str) -> str:
    rx = {"d": rf"(?P<{tag}d>[0-3]?\d)", "m": rf"(?P<{tag}m>[01]?\d)", "y": rf"(?P<{tag}y>\d{{4}})"}
    sep = rf"(?P<{tag}s>[/.\-])\s?"
    first, second, third = (rx[c] for c in order)
    return rf"(?<![\d.]){first}{sep}{second}(?P={tag}s)\s?{third}(?![\d])"


@dataclass(frozen=True)
class _Search:
    regex: re.Pattern
    specs: dict[str, tuple[str | None, _Names | None]]  # alternative's group → (language, its names)


def _compile(alternatives: list[tuple[str, str | None, _Names | None]]) -> _Search:
    specs = {f"a{i}": (lang, names) for i, (_, lang, names) in enumerate(alternatives)}
    regex = "|".join(f"(?P<a{i}>{rx})" for i, (rx, _, _) in enumerate(alternatives))
    return _Search(re.compile(regex, re.IGNORECASE), specs)


@lru_cache(maxsize=64)
def _written_search(languages: tuple[str, ...], check: bool = False) -> _Search | None:
    alternatives = []
    for language in languages:
        names = _names(language)
        for tokens in names.patterns:
            if check and not any(t == "field" and v[0] in "Ec" for t, v in tokens):
                continue  # the check reads weekdays
            tag = f"a{len(alternatives)}"
            alternatives.append((_written_regex(tokens, tag, names, check), _tag(language)[0], names))
    return _compile(alternatives) if alternatives else None


@lru_cache(maxsize=64)
def _numeric_search(language: str) -> _Search:
    order = _names(language).numeric
    return _compile([(_numeric_regex(order, "a0"), None, None), (_numeric_regex("ymd", "a1"), None, None)])


def _normalise(languages: Sequence[str] | None) -> tuple[str, ...]:
    if languages is None:
        return EU_LANGUAGES
    if isinstance(languages, str):
        languages = (languages,)
    return tuple(dict.fromkeys(lang for lang in languages if lang and _tag(lang)[0] in EU_LANGUAGES))


def _others(languages: tuple[str, ...]) -> tuple[str, ...]:
    given = {_tag(lang)[0] for lang in languages}
    return tuple(lang for lang in EU_LANGUAGES if lang not in given)


def _found(m: re.Match, search: _Search) -> FoundDate:
    alt = m.lastgroup
    assert alt
    language, names = search.specs[alt]
    written = m.group(alt).rstrip(" \t\n\xa0,;")
    month_text = m[alt + "m"]
    if names is None:
        month = int(month_text)
    else:
        month = names.months.get(month_text.lower()) or names.months[_plain(month_text)]
    weekday_text = m.groupdict().get(alt + "w")
    weekday = None
    if weekday_text and names is not None:
        weekday = names.weekdays.get(weekday_text.lower(), names.weekdays.get(_plain(weekday_text)))
    day = make_date(int(m[alt + "y"]), month, int(m[alt + "d"]), written)
    return FoundDate(day, weekday, written, m.start(alt), m.start(alt) + len(written), language)



def _match(text: str, languages: tuple[str, ...], others: bool = True,
           numeric: bool = True) -> tuple[re.Match, _Search] | None:
    if not _YEAR.search(text):
        return None  # every form read has a four-digit year: most lines end here
    searches = [_written_search(languages)]
    if numeric and languages:
        searches.append(_numeric_search(languages[0]))
    if others:
        searches.append(_written_search(_others(languages)))
    for search in searches:
        if search and (m := search.regex.search(text)):
            return m, search
    return None


def _find(text: str, languages: tuple[str, ...], others: bool = True, numeric: bool = True) -> FoundDate | None:
    found = _match(text, languages, others, numeric)
    return _found(*found) if found else None


def find_date(text: str, languages: Sequence[str] | None = None) -> FoundDate | None:
    """The first date of ``text``: written out in one of ``languages`` (ISO 639-1, with a region if it matters:
    "en-US" writes the month first), else numeric in the first language's order, else written in another EU
    language. ``None``: every EU language.

    Raises ImpossibleDate for a well-formed but impossible date (30 février, 31.04.2021).
    """
    return _find(text, _normalise(languages))


# What may come before the date of a dateline: a header ending with a dash or colon (« Communiqué de presse – »),
# then a place and its comma, and up to two short words (le, am, den, dnia); or a one-word place right before
# the date (« Praha 12. března 2024 »).
_DATELINE_HEAD = re.compile(
    r"^(?:[^\d–—:|]{2,60}?(?:\s*[–—:|]\s*|\s+-\s+))?"
    r"(?:(?P<place>[^\W\d_][^\d,;:–—|()\[\]]{0,40}?)\s*,\s*(?:[^\W\d_]{1,4}\.?\s+){0,2}"
    r"|(?P<word>[^\W\d_][\w'’.-]{2,40})\s+|(?:[^\W\d_]{1,4}\.?\s+){0,2})$"
)
_DATELINE_TAIL = re.compile(r"^[\s.,;]*$")


def parse_dateline(line: str, languages: Sequence[str] | None = None) -> Dateline | None:
    """The place and date of a short line that is only a dateline (« Toulouse, le 25 janvier 2018 »,
    « Wien, am 3. März 2021 », « Communiqué de presse – Roma, 20 gennaio 2020 »), else None.

    Raises ImpossibleDate when the line is a dateline whose date does not exist.
    """
    line = " ".join(line.split())
    if len(line) > 120:
        return None
    found = _match(line, _normalise(languages))
    if not found:
        return None
    m, search = found
    head = _DATELINE_HEAD.match(line[:m.start()])
    if not head or not _DATELINE_TAIL.match(line[m.end():]):
        return None
    place = head["place"] or head["word"]
    if place and not place[0].isupper():
        return None
    day = _found(m, search)
    return Dateline(place.strip() if place else None, day.date, day.weekday, day.written, day.language)


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


def weekday_name(weekday: int) -> str:
    """The French name of a weekday (0 = lundi), the one the public's messages use."""
    return _french_weekdays()[weekday]


@cache
def _french_weekdays() -> tuple[str, ...]:
    from babel import Locale

    return tuple(Locale.parse("fr").days["format"]["wide"][i] for i in range(7))


def check_weekdays(release: Release, text: str, language: str | None = None) -> None:
    """Warn where the text names a weekday that does not match the date it writes next to it, in ``language``
    (the release's language, else French); a date without its year or month takes the publication's."""
    if not release.published:
        return
    pub = release.published.date()
    search = _written_search(_normalise((language or release.language or "fr",)) or ("fr",), check=True)
    assert search
    for m in search.regex.finditer(text):
        alt = m.lastgroup
        assert alt
        names = search.specs[alt][1]
        assert names
        month = (names.months.get(m[alt + "m"].lower()) or names.months[_plain(m[alt + "m"])]) \
            if m[alt + "m"] else pub.month
        year = int(m[alt + "y"]) if m[alt + "y"] else pub.year
        if not m[alt + "y"] and month - pub.month > 6:
            year -= 1  # "mardi 28 décembre" in a January release
        elif not m[alt + "y"] and pub.month - month > 6:
            year += 1
        try:
            day = date(year, month, int(m[alt + "d"]))
        except ValueError:
            release.warn("impossible_date", f"« {m.group(0)} » n'existe pas")
            continue
        written_text = m[alt + "w"]
        written = names.weekdays.get(written_text.lower(), names.weekdays.get(_plain(written_text)))
        if written is not None and written != day.weekday():
            release.warn(
                "weekday_mismatch",
                f"« {m.group(0).strip()} » : le {day.isoformat()} était un {weekday_name(day.weekday())}, "
                f"pas un {weekday_name(written)}",
            )


def parse_french_date(text: str) -> tuple[date, str | None] | None:
    """First French date in ``text`` and the weekday written with it, if any (written out first, then numeric).

    Raises ImpossibleDate for a well-formed but impossible date (30 février).
    """
    found = _find(text, ("fr",), others=False)
    if not found:
        return None
    return found.date, (weekday_name(found.weekday) if found.weekday is not None else None)


def parse_english_date(text: str) -> date | None:
    """First English date in ``text`` (July 15, 2019 / Oct. 4, 2019 / 15 July 2019).

    Raises ImpossibleDate for a well-formed but impossible date (February 30, 2020).
    """
    found = _find(text, ("en",), others=False, numeric=False)
    return found.date if found else None


def _legacy(name: str):
    """The French and English tables earlier modules import, now from CLDR."""
    from babel import Locale

    months: dict[str, int] = {}
    for context in ("format", "stand-alone"):
        for number, month in Locale.parse("fr").months[context]["wide"].items():
            _add(months, month, number)
    en = _names("en")
    values = {
        "MONTHS": months,
        "MONTH_RE": "|".join(sorted(months, key=len, reverse=True)),
        "WEEKDAYS": list(_french_weekdays()),
        "WEEKDAY_RE": "|".join(_french_weekdays()),
        "EN_MONTHS": en.months,
        "EN_MONTH_RE": "|".join(sorted(en.months, key=len, reverse=True)),
    }
    if name == "ENGLISH_DATE":
        month = values["EN_MONTH_RE"]
        return re.compile(
            rf"\b(?:(?P<month>{month})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
            rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{month})\.?,?\s+(?P<year2>\d{{4}}))\b",
            re.IGNORECASE,
        )
    return values[name]


def __getattr__(name: str):
    if name in ("MONTHS", "MONTH_RE", "WEEKDAYS", "WEEKDAY_RE", "EN_MONTHS", "EN_MONTH_RE", "ENGLISH_DATE"):
        value = _legacy(name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
