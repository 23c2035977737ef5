"""What every ingester and the ``feeds`` command share, without the weight of the parsers' libraries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class IngestError(Exception):
    """A document that cannot become a release; the message says why, for a person."""


@dataclass
class Context:
    """What an ingester may know beyond the document itself (configuration from the edges)."""

    publisher: str = "Région Occitanie / Pyrénées-Méditerranée"
    publisher_url: str | None = None  # resolves the relative links of a document
    timezone: ZoneInfo = PARIS
    language: str = "fr"
    now: datetime = field(default_factory=lambda: datetime.now(PARIS))


def looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    zeros = sample.count(0)
    return zeros > len(sample) * 0.3 and max(sample[0::2].count(0), sample[1::2].count(0)) > zeros * 0.9


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
