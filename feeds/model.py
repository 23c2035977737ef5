"""The one normalised record every ingester produces and every output reads."""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

STATUSES = ("published", "draft")


@dataclass
class Quote:
    text: str
    speaker: str | None = None
    role: str | None = None


@dataclass
class Contact:
    name: str | None = None
    role: str | None = None
    email: str | None = None
    phones: list[str] = field(default_factory=list)


@dataclass
class Link:
    url: str
    text: str | None = None


@dataclass
class Attachment:
    url: str
    type: str | None = None
    length: int | None = None
    title: str | None = None


@dataclass
class Source:
    name: str
    sha256: str
    format: str


@dataclass
class Warning:
    code: str
    message: str


@dataclass
class Release:
    """A press release, whatever format it arrived in.

    Text fields are clean (no control characters, no markup); ``body_html`` is sanitised;
    datetimes are timezone-aware.
    """

    id: str
    title: str
    published: datetime | None
    source: Source
    kind: str = "communique"
    publisher: str | None = None
    standfirst: str | None = None
    updated: datetime | None = None
    place: str | None = None
    language: str = "fr"
    body_html: str = ""
    body_text: str = ""
    summary: str | None = None
    topics: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    status: str = "published"
    embargo_until: datetime | None = None
    event_start: datetime | None = None
    warnings: list[Warning] = field(default_factory=list)

    def warn(self, code: str, message: str) -> None:
        if not any(w.code == code and w.message == message for w in self.warnings):
            self.warnings.append(Warning(code, message))

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON types, in the field order of ``feeds parse``."""
        return _plain(self)

    def to_json(self) -> str:
        """The JSON of ``to_dict()``, written by orjson, which walks the dataclasses itself."""
        return dumps(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Release:
        def dt(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            id=data["id"],
            title=data["title"],
            published=dt(data.get("published")),
            source=Source(**data["source"]),
            kind=data.get("kind") or "communique",
            publisher=data.get("publisher"),
            standfirst=data.get("standfirst"),
            updated=dt(data.get("updated")),
            place=data.get("place"),
            language=data.get("language") or "fr",
            body_html=data.get("body_html") or "",
            body_text=data.get("body_text") or "",
            summary=data.get("summary"),
            topics=list(data.get("topics") or []),
            quotes=[Quote(**q) for q in data.get("quotes") or []],
            contacts=[Contact(**c) for c in data.get("contacts") or []],
            links=[Link(**x) for x in data.get("links") or []],
            attachments=[Attachment(**a) for a in data.get("attachments") or []],
            status=data.get("status") or "published",
            embargo_until=dt(data.get("embargo_until")),
            event_start=dt(data.get("event_start")),
            warnings=[Warning(**w) for w in data.get("warnings") or []],
        )


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):  # most values: nothing to do
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


def _jsonable(value: Any) -> Any:
    """What json cannot write by itself in a record: its dataclasses and datetimes, as ``_plain`` does."""
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    raise TypeError(f"{type(value).__name__} n'est pas sérialisable en JSON")


_encode = json.JSONEncoder(ensure_ascii=False, default=_jsonable).encode


def dumps(value: Any) -> str:
    """Compact JSON of a record (a Release or its dict), by orjson; json writes what orjson refuses."""
    try:
        return orjson.dumps(value, default=_jsonable, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
    except orjson.JSONEncodeError:  # lone surrogates, which no decoded document holds
        return _encode(value)


def loads(text: str) -> Any:
    """``json.loads``, by orjson (twice as fast on a record); json's parser for what orjson refuses."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # lone surrogates (see ``Release.to_json``), or not JSON: json says which
        return json.loads(text)
