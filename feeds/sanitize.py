"""The one HTML allowlist (nh3): what ingest stores and what pages and feeds show pass through it."""

from __future__ import annotations

import re

import nh3

CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0/C1 controls (keep \t \n \r)
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # zero-width, bidi controls
    "\ud800-\udfff\ufffe\uffff]"  # lone surrogates, non-characters
)

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
    cleaned = _CLEANER.clean(CONTROL_CHARACTERS.sub("", fragment))
    # h1 is the page's own title: it is not in the allowlist, so an h1 of the source keeps its text only.
    return cleaned.strip()
