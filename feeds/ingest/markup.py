"""Markdown and HTML to text and links: Markdown rendered by markdown-it-py, HTML read by lxml."""

from __future__ import annotations

import html
import operator
import re

from lxml import html as lxml_html
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from feeds.ingest.decoding import clean_block
from feeds.model import Link
from feeds.sanitize import CONTROL_CHARACTERS

_TAG_START = re.compile(r"<[a-zA-Z!/]")


def clean_text(value: object) -> str:
    """One-line plain text for titles, names, places: markup stripped, spaces folded.

    Values come from documents already repaired by ``decode``, so mojibake is not looked for again.
    """
    if value is None:
        return ""
    text = CONTROL_CHARACTERS.sub("", str(value))  # first, so that what looks like markup is what stays
    text = html_to_text(text) if _TAG_START.search(text) else html.unescape(text)
    text = strip_inline_markdown(clean_block(text, repair=False))
    return " ".join(text.split())


_SUPERSCRIPT_BRACES = re.compile(r"\^\{([^}]*)\}")
_SUPERSCRIPT = re.compile(r"\^([^\s^]+)\^")
# Bold and emphasis start with their mark (then what may not precede it), so that the regex engine only tries where
# a mark is: strip_inline_markdown also runs over whole bodies.
_STRONG = re.compile(r"([*_])\1(.+?)\1\1")
_EMPHASIS = re.compile(r"\*(?<![\w*]\*)(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_KRAMDOWN_ATTRIBUTES = re.compile(r"\{:[^}]*\}")
# Each mark and what stays of it: functions rather than templates (r"\1"), which are read again at every call.
_INLINE_MARKS = [
    (_SUPERSCRIPT_BRACES, operator.itemgetter(1)), (_SUPERSCRIPT, operator.itemgetter(1)),
    (_STRONG, operator.itemgetter(2)), (_EMPHASIS, operator.itemgetter(1)), (_KRAMDOWN_ATTRIBUTES, ""),
]


def strip_inline_markdown(text: str) -> str:
    """Remove Markdown emphasis and pandoc superscripts from a one-line text."""
    for pattern, replacement in _INLINE_MARKS:
        text = pattern.sub(replacement, text)
    return text


# ---------------------------------------------------------------- HTML

_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "br",
           "ul", "ol", "table", "pre", "dd", "dt", "figure")
# Runs of spaces, tabs and no-break spaces, but a lone space (most of them), which is left as it is.
_RUNS_OF_SPACES = re.compile(r" [ \t\xa0]+|[\t\xa0][ \t\xa0]*")
_BLANK_LINES = re.compile(r"\n\n\n+")  # three newlines or more, written out: a literal the engine looks for


def _parse(fragment: str):
    return lxml_html.fragment_fromstring(fragment, create_parent="div")


def html_to_text(fragment: str) -> str:
    """Readable plain text of an HTML fragment, paragraphs separated by blank lines."""
    if not fragment.strip():
        return ""
    try:
        root = _parse(fragment)
    except Exception:  # lxml raises several types on garbage; the text is still wanted
        return re.sub(r"<[^>]*>", " ", fragment)
    return _text_of(root)


def _text_of(root) -> str:
    """The text of a parsed fragment (``html_to_text``); the tree is changed on the way."""
    for bad in list(root.iter("script", "style")):
        bad.drop_tree()
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
        if el.tag == "li":
            el.text = "- " + (el.text or "")
    text = CONTROL_CHARACTERS.sub("", root.text_content())
    text = _RUNS_OF_SPACES.sub(" ", text)
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def text_and_links(body_html: str) -> tuple[str, list[Link]]:
    """``html_to_text`` and ``links_of`` of one sanitised body, from one parse of it."""
    if not body_html.strip():
        return "", []
    try:
        root = _parse(body_html)
    except Exception:  # the same fallbacks as each function alone
        return html_to_text(body_html), links_of(body_html)
    links = _links_in(root)  # first: the text is taken by changing the tree
    return _text_of(root), links


def links_of(body_html: str) -> list[Link]:
    """Every distinct http(s) link of a body, with its text."""
    if not body_html:
        return []
    return _links_in(_parse(body_html))


def _links_in(root) -> list[Link]:
    seen: dict[str, Link] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if href.startswith(("http://", "https://")) and href not in seen:
            seen[href] = Link(url=href, text=clean_text(a.text_content()) or None)
    return list(seen.values())


# ---------------------------------------------------------------- Markdown

_md = MarkdownIt("commonmark", {"linkify": False, "typographer": False}).enable("table").use(footnote_plugin)

# What pandoc and kramdown add to Markdown, made into what markdown-it reads: (pattern, replacement)
_PANDOC_KRAMDOWN = [
    (re.compile(r"\^\{([^}\n]*)\}"), r"<sup>\1</sup>"),  # pandoc superscripts
    (re.compile(r"^\{:[^}\n]*\}\s*$", re.MULTILINE), ""),  # kramdown block attributes
    (re.compile(r"\{:[^}\n]*\}"), ""),
    (re.compile(r"^\\$", re.MULTILINE), ""),  # pandoc hard-break lines
]


def markdown_to_html(text: str) -> str:
    """Markdown (pandoc/kramdown flavoured) to HTML, NOT yet sanitised: ``finish`` sanitises body_html
    once for every format; anything else must go through ``sanitize_html`` or ``clean_text``."""
    for pattern, replacement in _PANDOC_KRAMDOWN:
        text = pattern.sub(replacement, text)
    return _md.render(text)
