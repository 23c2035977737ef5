"""What every ingester and the ``feeds`` command share, without the weight of the parsers' libraries."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import nh3

PARIS = ZoneInfo("Europe/Paris")
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0/C1 controls (keep \t \n \r)
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # zero-width, bidi controls
    "\ud800-\udfff\ufffe\uffff]"  # lone surrogates, non-characters
)


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


# ---------------------------------------------------------------- HTML

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "sup", "sub", "a", "ul", "ol", "li", "blockquote",
    "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "abbr", "cite", "q", "small", "span", "dl", "dt", "dd", "figure", "figcaption", "img", "pre", "code",
    "section",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "section": {"class"},
    "li": {"id"},
    "sup": {"class"},
}


# Made once: nh3.clean with these arguments converts the allowlists on every call (three times its cost).
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize_html(fragment: str) -> str:
    """Allowlist sanitising: what survives is safe in a page, a feed and JSON."""
    cleaned = _CLEANER.clean(_CONTROL.sub("", fragment))
    # h1 is the page's own title: it is not in the allowlist, so an h1 of the source keeps its text only.
    return cleaned.strip()
