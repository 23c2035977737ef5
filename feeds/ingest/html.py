"""Whole HTML pages as a crawler gets them: find the release inside the site's chrome (corpus/mn-ag).

The page is read content first: the release's headline is the ``h1`` of the main content (not the site's
``<title>``), the dateline (``July 15, 2019 (SAINT PAUL) —`` or ``Paris, le 3 mars 2024``) opens the body and gives
the date and the place; the page's metadata (og:url, ``<title>``, article:published_time) only fills gaps and is
compared with the dateline.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import date, datetime
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import EMAIL, parse_contact_lines
from feeds.ingest.dates import (
    ENGLISH_DATE,
    MONTH_RE,
    WEEKDAY_RE,
    ImpossibleDate,
    parse_english_date,
    parse_french_date,
)
from feeds.ingest.decoding import decode
from feeds.ingest.language import detect_language
from feeds.ingest.markup import clean_text, html_to_text
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.quotes import extract_quotes, extract_quotes_en, quote_paragraphs
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
    meta = _meta(root)
    page_url = meta.get("og:url") or _canonical(root) or None
    base = page_url or ctx.publisher_url
    for bad in root.xpath(CHROME):
        bad.drop_tree()
    h1, container = _headline(root)
    title = _text(h1) if h1 is not None else ""
    if not title:
        title = meta.get("og:title") or meta.get("twitter:title") or _site_title(root)
    if not title:
        raise IngestError("aucun titre trouvé dans la page HTML")

    standfirst_parts, body_nodes, published, place = _after_headline(container, h1)
    body_nodes, contact_lines = _split_contacts(body_nodes)
    for node in body_nodes:
        _absolute_links(node, base)
    body_html = "".join(lxml_html.tostring(node, encoding="unicode", with_tail=False) for node in body_nodes)
    key = page_url or _key(name)
    language = (root.get("lang") or meta.get("content-language") or "").split("-")[0].lower()
    release = Release(
        id=make_id(ctx.publisher, key, _key(name)),
        title=title,
        published=published,
        source=Source(name=name, sha256=sha256(data), format="html"),
        publisher=meta.get("og:site_name") or ctx.publisher,
        standfirst=" ".join(standfirst_parts) or None,
        place=place,
        body_html=body_html,
    )
    release.language = language or detect_language(title + " " + html_to_text(body_html), ctx.language)
    release.topics = [k for k in re.split(r"\s*,\s*", meta.get("keywords", "")) if k]
    meta_date = _meta_date(meta, page_url, root)
    if published is None:
        release.published = meta_date
    elif meta_date is not None and meta_date.date() != published.date():
        release.warn("date_conflict", f"la ligne de date indique le {published.date().isoformat()}, les métadonnées "
                                      f"de la page le {meta_date.date().isoformat()} ; la ligne de date est retenue")
    release.quotes = _quotes(body_html, release.language)
    release.contacts = parse_contact_lines(contact_lines, "US" if release.language == "en" else "FR")
    release.attachments = _attachments(body_nodes)
    return finish(release, ctx)


def _after_headline(container, h1) -> tuple[list[str], list, datetime | None, str | None]:
    """The standfirst's paragraphs, the body's elements, and the date and place of the dateline opening the body,
    from the elements after the headline."""
    standfirst_parts: list[str] = []
    body_nodes: list = []
    place = published = None
    if container is not None:
        started = h1 is None
        for el in list(container):
            if not isinstance(el.tag, str):
                continue
            if el is h1:
                started = True
                continue
            if not started:
                continue  # a kicker such as "Press Release" above the headline
            classes = (el.get("class") or "").lower().split()
            if not body_nodes and any(c in LEDE_CLASSES for c in classes):
                if _text(el):
                    standfirst_parts.append(_text(el))
                continue
            if not body_nodes and not _text(el) and not el.xpath(".//img|.//table"):
                continue
            if published is None and not body_nodes:
                found = _dateline(el)
                if found:
                    published, place = found
            body_nodes.append(el)
    while body_nodes and not _text(body_nodes[-1]) and not body_nodes[-1].xpath(".//img|.//table"):
        body_nodes.pop()
    return standfirst_parts, body_nodes, published, place


def _quotes(body_html: str, language: str) -> list[Quote]:
    paragraphs = quote_paragraphs(sanitize_html(body_html))
    if language == "en":
        return extract_quotes_en(paragraphs)
    return extract_quotes("\n\n".join(paragraphs))


def _text(el) -> str:
    return clean_text(el.text_content()) if el is not None else ""


def _meta(root) -> dict[str, str]:
    found: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("http-equiv") or "").strip().lower()
        value = clean_text(m.get("content"))
        if key and value and key not in found:
            found[key] = value
    return found


def _canonical(root) -> str | None:
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return link.get("href").strip()
    return None


def _site_title(root) -> str:
    titles = root.xpath("//title")
    return _text(titles[0]) if titles else ""


def _headline(root):
    """The release's h1 and the element holding the release (the h1's container in the main content)."""
    for xpath in MAIN_XPATHS:
        for main in root.xpath(xpath):
            h1s = [h for h in main.iter("h1") if _text(h)]
            if h1s:
                return h1s[0], h1s[0].getparent()
    h1s = [h for h in root.iter("h1") if _text(h)]
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


def _dateline(el) -> tuple[datetime, str | None] | None:
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
        if MEDIA_CONTACT.match(text):
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


def _meta_date(meta: dict[str, str], page_url: str | None, root) -> datetime | None:
    """The date the page's metadata gives: article:published_time, a dated URL, or a date in <title>."""
    for key in ("article:published_time", "date", "dc.date", "dcterms.created", "pubdate"):
        if meta.get(key):
            try:
                return datetime.fromisoformat(meta[key])
            except ValueError:
                pass
    if page_url:
        m = re.search(r"/(?P<y>(?:19|20)\d\d)/(?P<m>\d\d)/(?P<d>\d\d)(?:[_/-]|$)", page_url)
        if m:
            try:
                return datetime.combine(date(int(m["y"]), int(m["m"]), int(m["d"])), datetime.min.time())
            except ValueError:
                pass
    try:
        found = parse_english_date(_site_title(root))
    except ImpossibleDate:
        found = None
    return datetime(found.year, found.month, found.day) if found else None


def _key(name: str) -> str:
    stem = re.split(r"[\\/]", name)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem
