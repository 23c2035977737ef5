"""Whole HTML pages as a crawler gets them: find the release inside the site's chrome (corpus/mn-ag).

The page is read content first: the release's headline is the ``h1`` of the main content (not the site's
``<title>``), the dateline (``July 15, 2019 (SAINT PAUL) —`` or ``Paris, le 3 mars 2024``) opens the body and gives
the date and the place; the page's metadata (og:url, ``<title>``, article:published_time) only fills gaps and is
compared with the dateline.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import CONTACT_HEADING, EMAIL, parse_contact_lines, region_for
from feeds.ingest.dates import (
    ENGLISH_DATE,
    MONTH_RE,
    WEEKDAY_RE,
    ImpossibleDate,
    check_weekdays,
    parse_english_date,
    parse_french_date,
)
from feeds.ingest.decoding import decode
from feeds.ingest.headers import kind_of
from feeds.ingest.language import detect_language
from feeds.ingest.markup import clean_text, html_to_text
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes, extract_quotes_en, quote_paragraphs
from feeds.ingest.webpage import (
    headline,
    htmldate_guess,
    leading_dateline,
    meta_date,
    page_facts,
    page_language,
    strip_kickers,
    time_element_date,
    updated_date,
)
from feeds.model import Attachment, Quote, Release, Source
from feeds.sanitize import sanitize_html

# Containers of a page's main content, best first.
MAIN_XPATHS = [
    "//main", "//article", "//*[@role='main']", "//*[@id='content']", "//*[@id='main-content']",
    "//*[@id='main']", "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
]
CHROME = ("//script|//style|//noscript|//nav|//form|//iframe|//button|//input|//select|//aside"
          "|//header[not(ancestor::article or ancestor::main)]|//footer[not(ancestor::article or ancestor::main)]")
LEDE_CLASSES = ("lede", "lead", "subhead", "subtitle", "standfirst", "chapo", "chapeau", "intro", "summary")
DASH = r"[—–-]"
EN_DATELINE = re.compile(
    rf"^\s*(?P<date>{ENGLISH_DATE.pattern})\s*(?:\((?P<place>[^)]{{2,60}})\))?\s*(?:{DASH}+|:)\s*",
    re.IGNORECASE,
)
# "SAINT PAUL, Minn., July 15, 2019 —" / "WASHINGTON — "
EN_DATELINE_PLACE_FIRST = re.compile(
    rf"^\s*(?P<place>[A-Z][A-Z .,'’-]{{1,50}}?)\s*,\s*(?P<date>{ENGLISH_DATE.pattern})\s*(?:{DASH}+|:)\s*",
)
FR_DATELINE = re.compile(
    rf"^\s*(?:(?P<place>[A-ZÀ-Ý][\w'’ -]{{1,40}}?)\s*,\s*)?(?:le\s+)?(?P<date>(?:(?:{WEEKDAY_RE})\s+)?"
    rf"\d{{1,2}}(?:er)?\s+(?:{MONTH_RE})\s+\d{{4}})\s*(?:{DASH}+|:|\.|$)\s*",
    re.IGNORECASE,
)
DOC_EXTENSIONS = (".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".zip", ".csv")
MEDIA_CONTACT = re.compile(r"^\s*(?:media|press)\s+(?:contacts?|inquiries|enquiries)\b|^\s*contacts?\s*(?:presse)?\s*:",
                           re.IGNORECASE)


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    ctx = ctx or Context()
    text = decode(data)
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise IngestError("page HTML illisible") from None
    facts = page_facts(root, ctx.publisher)
    base = facts.url or ctx.publisher_url
    for bad in root.xpath(CHROME):
        bad.drop_tree()
    h1, container = _headline(root, facts)
    article = container
    if h1 is None:
        h1 = _first_heading(container, facts)
        container = h1.getparent() if h1 is not None else container
    main_text = _main_text(text)
    declared = page_language(root, facts)
    languages = [declared] if declared else None
    found = _after_headline(container, h1, main_text, languages)
    if _text_length(found.body) < 0.5 * len(main_text):
        # No headline in a content container, or the container misses the release: trafilatura's reading.
        extracted = _extracted(text)
        for h in extracted.xpath(".//h1|.//h2") if extracted is not None else []:
            if facts.is_site_name(_text(h)):
                h.drop_tree()
        if extracted is not None:
            h1 = next((h for h in extracted.iter("h1") if _text(h)), None)
            h1 = h1 if h1 is not None else _first_heading(extracted, facts)
            candidate = _after_headline(h1.getparent() if h1 is not None else extracted, h1, main_text, languages)
            if _text_length(candidate.body) > _text_length(found.body):
                found = candidate
    title = headline(facts, _text(h1) if h1 is not None else "")
    if not title:
        raise IngestError("aucun titre trouvé dans la page HTML")
    body_nodes, contact_lines = _split_contacts(found.body)
    body_html = _body_html(body_nodes, base)
    key = facts.url or _key(name)
    release = Release(
        id=make_id(ctx.publisher, key, _key(name)),
        title=title,
        published=found.published,
        source=Source(name=name, sha256=sha256(data), format="html"),
        publisher=facts.meta.get("og:site_name") or ctx.publisher,
        standfirst=" ".join(found.standfirst) or None,
        place=found.place,
        body_html=body_html,
    )
    release.language = declared or detect_language(title + " " + html_to_text(body_html),
                                                                      ctx.language)
    release.topics = [k for k in re.split(r"\s*,\s*", facts.meta.get("keywords", "")) if k and ":" not in k]
    release.kind = next((k for k in map(kind_of, found.labels) if k), "communique")
    _dates(release, facts, article if article is not None else root, text)
    release.quotes = _quotes(body_html, release.language)
    release.contacts = parse_contact_lines(contact_lines, _region(release.language, facts.url or ctx.publisher_url))
    release.attachments = _attachments(body_nodes)
    finish(release, ctx)
    check_weekdays(release, found.opening + "\n\n" + release.body_text, release.language)
    return release


def _body_html(nodes: list, base: str | None) -> str:
    for node in nodes:
        _absolute_links(node, base)
    return "".join(lxml_html.tostring(node, encoding="unicode", with_tail=False) for node in nodes)


def _dates(release: Release, facts, article, text: str) -> None:
    """The published date: the dateline, else the article's <time>, the meta tags, JSON-LD, a dated URL, a date in
    <title>, htmldate; a dateline disagreeing with the page's machine date is kept, and the conflict warned."""
    machine, where = time_element_date(article), "de l'élément <time>"
    if machine is None:
        machine, where = meta_date(facts)
    if machine is None:
        machine, where = _title_date(facts.title), "du titre de la page"
    release.updated = updated_date(facts)
    if release.published is None:
        release.published = machine or htmldate_guess(text, facts.url)
    elif machine is not None and machine.date() == release.published.date():
        release.published = machine  # the same day, to the minute
    elif machine is not None:
        release.warn("date_conflict", f"date de la ligne de date {release.published.date().isoformat()}, date "
                                      f"{where} {machine.date().isoformat()} ; la première est retenue")
    if release.updated is not None and release.published is not None and \
            release.updated.date() <= release.published.date():
        release.updated = None  # a modification date the same day (or before) says nothing more


@dataclass
class _Found:
    """What follows the headline in its container: the standfirst's paragraphs, the body's elements, the date and
    place of the dateline opening the body, and the labels above the headline (a kicker such as « Press Release »)."""

    standfirst: list[str] = field(default_factory=list)
    body: list = field(default_factory=list)
    published: datetime | None = None
    place: str | None = None
    labels: list[str] = field(default_factory=list)
    opening: str = ""


def _after_headline(container, h1, main_text: str = "", languages: list[str] | None = None) -> _Found:
    """The standfirst, body, dateline and heading from the elements after the headline.

    Short elements before the body that the main-content reading (``main_text``) left out are the page's labels
    (« Press Releases », « Plenary session », a time stamp): they are dropped."""
    found = _Found()
    if container is None:
        return found
    started = h1 is None
    folded_main = " ".join(main_text.split())
    for el in list(container):
        if not isinstance(el.tag, str):
            continue
        if el is h1:
            started = True
            continue
        if not started:
            if _text(el) and len(_text(el)) < 80:
                found.labels.append(_text(el))  # a kicker such as "Press Release" above the headline
            continue
        classes = (el.get("class") or "").lower().split()
        if not found.body and any(c in LEDE_CLASSES for c in classes):
            if _text(el):
                found.standfirst.append(_text(el))
            continue
        if not found.body and not _text(el) and not el.xpath(".//img|.//table"):
            continue
        if found.published is None and not found.body:
            found.opening = _text(el)[:200]  # the dateline as written, weekday and all
            dated = _dateline(el, languages)
            if dated:
                found.published, found.place = dated
                if not _text(el):
                    continue
        if not found.body and folded_main and len(_text(el)) < 120 and _text(el) not in folded_main:
            found.labels.append(_text(el))
            continue
        found.body.append(el)
    while found.body and not _text(found.body[-1]) and not found.body[-1].xpath(".//img|.//table"):
        found.body.pop()
    return found


def _first_heading(container, facts):
    """The article's heading on a page without h1: the first h2 or h3 opening the container, not the site's name."""
    if container is None:
        return None
    before = 0  # characters of text above the heading: a heading below the text is a section's
    for el in container.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("h2", "h3") and _text(el) and not facts.is_site_name(_text(el)):
            strip_kickers(el)
            return el
        if el.tag in ("p", "li", "td"):
            before += len(_text(el))
            if before > 200:
                return None
    return None


def _text_length(nodes: list) -> int:
    return sum(len(_text(n)) for n in nodes)


def _main_text(text: str) -> str:
    """The page's main content as plain text, by trafilatura (imported here: only HTML pages pay for it)."""
    import trafilatura

    return clean_text(trafilatura.extract(text, include_comments=False, include_tables=True) or "")


def _extracted(text: str):
    """The page's main content as an HTML element, by trafilatura; None when it finds none."""
    import trafilatura

    extracted = trafilatura.extract(text, output_format="html", include_comments=False, include_tables=True,
                                    include_links=True, include_formatting=True)
    if not extracted:
        return None
    bodies = lxml_html.document_fromstring(extracted).xpath("//body")
    return bodies[0] if bodies else None


def _title_date(title: str) -> datetime | None:
    try:
        found = parse_english_date(title)
    except ImpossibleDate:
        return None
    return datetime(found.year, found.month, found.day) if found else None


def _quotes(body_html: str, language: str) -> list[Quote]:
    paragraphs = quote_paragraphs(sanitize_html(body_html))
    if language == "en":
        return extract_quotes_en(paragraphs)
    return extract_quotes("\n\n".join(paragraphs), language=language)


def _region(language: str, url: str | None) -> str:
    """The country of the release's phone numbers; English pages without a country domain are American (corpus
    mn-ag), as they were before phone regions followed the language."""
    region = region_for(language, url)
    return "US" if language == "en" and region == "FR" else region


def _text(el) -> str:
    return clean_text(el.text_content()) if el is not None else ""


def _headline(root, facts):
    """The release's h1 and the element holding the release (the h1's container in the main content).

    An h1 naming the site or its body (a logo, « Bundesministerium … » on every page) is never the headline; a
    kicker inside the h1 (``<span class="category">``) is dropped from it."""
    def headlines(scope) -> list:
        found, names = [], []
        for h in scope.iter("h1"):
            strip_kickers(h)
            if h.xpath(".//a[@href='/' or @rel='home']") or facts.is_site_name(_text(h)):
                names.append(h)  # the site's name is no part of any release
            else:
                found.append(h)
        for h in names:
            h.drop_tree()
        return found

    for xpath in MAIN_XPATHS:
        for main in root.xpath(xpath):
            h1s = headlines(main)
            if h1s:
                return h1s[0], h1s[0].getparent()
    h1s = headlines(root)
    if h1s:
        # With several h1 (site name, then headline), the headline is the one followed by most text.
        best = max(h1s, key=lambda h: len(_text(h.getparent())))
        return best, best.getparent()
    for xpath in MAIN_XPATHS:
        mains = root.xpath(xpath)
        if mains:
            return None, mains[0]
    bodies = root.xpath("//body")
    return None, bodies[0] if bodies else None


def _dateline(el, languages: list[str] | None = None) -> tuple[datetime, str | None] | None:
    """(date, place) of a paragraph opening with a dateline; the dateline is removed from the paragraph."""
    text = " ".join(el.text_content().split())
    for pattern, english in ((EN_DATELINE, True), (EN_DATELINE_PLACE_FIRST, True), (FR_DATELINE, False)):
        m = pattern.match(text)
        if not m:
            continue
        try:
            day = parse_english_date(m["date"]) if english else (parse_french_date(m["date"]) or (None,))[0]
        except ImpossibleDate:
            return None
        if not day:
            continue
        _strip_prefix(el, len(m.group(0)))
        return datetime(day.year, day.month, day.day), _place(m["place"])
    found = leading_dateline(text, languages)  # « Roma, 20 gennaio 2020 - », « Berlin, 26. Januar 2022 – »
    if found:
        dateline, length = found
        _strip_prefix(el, length)
        return datetime(dateline.date.year, dateline.date.month, dateline.date.day), _place(dateline.place)
    return None


def _place(raw: str | None) -> str | None:
    place = clean_text(raw).strip(" ,") if raw else ""
    if not place:
        return None
    return place.title() if place.isupper() else place


def _strip_prefix(el, length: int) -> None:
    """Remove the first ``length`` characters, counted on whitespace-folded text, from an element's text."""
    segments = [(el, "text")]
    for child in el.iterdescendants():
        segments += [(child, "text"), (child, "tail")]
    raw = "".join(getattr(node, attr) or "" for node, attr in segments)
    folded, cut, in_space = 0, 0, True
    while cut < len(raw) and folded < length:
        if raw[cut].isspace():
            folded += 0 if in_space else 1
            in_space = True
        else:
            folded += 1
            in_space = False
        cut += 1
    for node, attr in segments:
        value = getattr(node, attr) or ""
        take = min(cut, len(value))
        if take:
            setattr(node, attr, value[take:])
        cut -= take
        if cut <= 0:
            break
    # Drop inline wrappers left empty (<strong>July 15, 2019 (SAINT PAUL)</strong>).
    for child in list(el):
        if child.tag in ("strong", "b", "em", "span", "i") and not child.text_content().strip():
            child.drop_tag()
    el.text = (el.text or "").lstrip(" \xa0\u202f\t\n—–-") or None


def _absolute_links(node, base: str | None) -> None:
    for el in node.iter("a", "img"):
        attr = "href" if el.tag == "a" else "src"
        value = (el.get(attr) or "").strip()
        if value and base and not re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE) and not value.startswith("#"):
            el.set(attr, urljoin(base, value))


def _split_contacts(nodes: list) -> tuple[list, list[str]]:
    """Body nodes, and the lines of a trailing 'Media contact' block."""
    for idx, node in enumerate(nodes):
        text = node.text_content().strip()
        if MEDIA_CONTACT.match(text) or len(text) < 300 and CONTACT_HEADING.match(text):
            lines: list[str] = []
            for block in nodes[idx:]:
                for br in block.iter("br"):
                    br.tail = "\n" + (br.tail or "")
                lines.extend(ln for ln in block.text_content().splitlines() if ln.strip())
            lines = [re.sub(r"^\s*(?:media|press)\s+(?:contacts?|inquiries|enquiries)\s*:?", "", ln, flags=re.IGNORECASE)
                     for ln in lines]
            return nodes[:idx], _join_names(lines)
    return nodes, []


def _join_names(lines: list[str]) -> list[str]:
    """'Name' on one line and its e-mail/phone on the next become one contact line."""
    joined: list[str] = []
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if joined and (EMAIL.search(line) or re.match(r"^[\d(+]", line)) and not EMAIL.search(joined[-1]):
            joined[-1] = f"{joined[-1]} - {line}"
        else:
            joined.append(line)
    return joined


def _attachments(nodes: list) -> list[Attachment]:
    found: dict[str, Attachment] = {}
    for node in nodes:
        for a in node.iter("a"):
            href = (a.get("href") or "").strip()
            path = href.split("?", 1)[0].lower()
            if href.startswith(("http://", "https://")) and path.endswith(DOC_EXTENSIONS) and href not in found:
                found[href] = Attachment(url=href, type=mimetypes.guess_type(path)[0], title=_text(a) or None)
    return list(found.values())


def _key(name: str) -> str:
    stem = re.split(r"[\\/]", name)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem
