"""What a web page says about itself, apart from the release's text: the site's names, the headline among the
page's candidates (``og:title``, the article's ``h1``, ``<title>``) with the site's name removed, the page's
machine dates (``<time datetime>``, meta tags, JSON-LD, a dated URL) and its language.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlparse

from feeds.ingest.markup import clean_text

# Separators between a page's headline and its site's name in <title> and og:title. A bar, a double colon, a
# middle dot or a guillemet is a separator wherever it stands; a dash only when a site name stands next to it.
STRONG_SEPARATORS = re.compile(r"\s+(?:\||::|·|»|«|/{2})\s+")
DASH_SEPARATORS = re.compile(r"\s+[-–—]\s+")
# Parts of a headline that are not the headline: a kicker, a category or text only screen readers hear.
KICKER_CLASSES = ("category", "kicker", "topline", "overline", "dachzeile", "eyebrow", "rubrique", "occhiello",
                  "aural", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "element-invisible")
SITE_NAME_META = ("og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site", "dc.publisher",
                  "publisher", "author")
PUBLISHED_META = ("article:published_time", "og:published_time", "published_time", "dc.date.issued",
                  "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "date",
                  "pubdate", "publishdate", "publish-date", "publication_date", "datepublished", "sailthru.date")
UPDATED_META = ("article:modified_time", "og:updated_time", "dcterms.modified", "dc.date.modified", "last-modified",
                "lastmod", "datemodified")


def fold(text: str) -> str:
    """A name as compared: NFKC, case and accents folded, punctuation to spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass
class PageFacts:
    """What the page's head and chrome say: meta tags, its URL, the site's names, JSON-LD, languages."""

    meta: dict[str, str]
    url: str | None
    title: str  # <title>
    site_names: list[str] = field(default_factory=list)
    chrome_text: str = ""  # folded text of header, navigation, footer and logos
    jsonld: list[dict] = field(default_factory=list)

    def is_site_name(self, text: str) -> bool:
        """Whether ``text`` names the site (or the body behind it) rather than a release."""
        folded = fold(text)
        if not folded:
            return True
        for name in self.site_names:
            site = fold(name)
            if not site:
                continue
            if folded == site or len(folded) >= 3 and _contains_words(site, folded):
                return True
            rest = _contains_words(folded, site) and f" {folded} ".replace(f" {site} ", " ").split()
            if rest and len(rest) <= 2 and "(" in text:
                return True  # "Bundeskriminalamt (BKA)" for the site "BKA"
        return False

    def strip_site_name(self, text: str) -> str:
        """A <title> or og:title without the site's name before or after its separator."""
        parts = [p.strip() for p in STRONG_SEPARATORS.split(clean_text(text)) if p.strip()]
        if len(parts) == 1 and self.is_site_name(parts[0]):
            return ""
        text = " | ".join(self._drop(parts, convention=True)) if len(parts) > 1 else "".join(parts)
        dashed = [p.strip() for p in DASH_SEPARATORS.split(text) if p.strip()]
        return " - ".join(self._drop(dashed, convention=False)) if len(dashed) > 1 else text

    def _drop(self, parts: list[str], convention: bool) -> list[str]:
        """The parts of a title that are not the site's name: named by the page's head first, by its chrome
        second; with neither, the last part of a title split by a bar (``Headline | Site``)."""
        kept = [p for p in parts if not self.is_site_name(p)]
        if len(kept) < len(parts):
            return kept
        unchromed = [p for p in parts if not self._in_chrome(p)]
        if unchromed and len(unchromed) < len(parts):
            return unchromed
        return parts[:-1] if convention else parts

    def _in_chrome(self, part: str) -> bool:
        folded = fold(part)
        return bool(folded) and len(folded.split()) <= 6 and f" {folded} " in self.chrome_text


def _contains_words(haystack: str, needle: str) -> bool:
    return f" {needle} " in f" {haystack} "


def page_facts(root, ctx_publisher: str | None) -> PageFacts:
    """The facts of a parsed page, read before its chrome is dropped."""
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("http-equiv") or m.get("itemprop") or "").strip().lower()
        value = clean_text(m.get("content"))
        if key and value and key not in meta:
            meta[key] = value
    titles = root.xpath("//head/title") or root.xpath("//title")
    title = clean_text(titles[0].text_content()) if titles else ""
    url = meta.get("og:url") or _canonical(root) or None
    names = [meta[k] for k in SITE_NAME_META if meta.get(k) and not meta[k].startswith(("@", "http"))]
    names += [ctx_publisher] if ctx_publisher else []
    names += _logo_names(root)
    if url:
        host = urlparse(url).hostname or ""
        names += [host.removeprefix("www.")] if host else []
    chrome = root.xpath("//header[not(ancestor::article or ancestor::main)]|//nav|//footer|//*[@role='banner']"
                        "|//*[@role='contentinfo']")
    chrome_text = " ".join(el.text_content() for el in chrome)
    return PageFacts(meta=meta, url=url, title=title, site_names=list(dict.fromkeys(n for n in names if n)),
                     chrome_text=f" {fold(chrome_text)} ", jsonld=_jsonld(root))


def _canonical(root) -> str | None:
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and (link.get("href") or "").startswith("http"):
            return link.get("href").strip()
    return None


def _logo_names(root) -> list[str]:
    """Names the page gives its logo: the alt text of a logo image, a link to the home page around a name."""
    names = []
    for img in root.xpath("//img[@alt][contains(translate(concat(@class, ' ', @id, ' ', @src), 'LOGO', 'logo'), "
                          "'logo')]|//a[@href='/' or @rel='home']//img[@alt]"):
        alt = clean_text(img.get("alt"))
        if alt and len(alt) < 120:
            names.append(re.sub(r"(?i)^(?:logo|link zur startseite|home)\s*[:\-–]?\s*|\s*[:\-–]?\s*logo$", "", alt))
    for a in root.xpath("//a[@href='/' or @rel='home'][not(ancestor::article or ancestor::main)]"):
        text = clean_text(a.text_content())
        if 3 <= len(text) < 120:
            names.append(text)
    return [n for n in names if n]


def _jsonld(root) -> list[dict]:
    found: list[dict] = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


def strip_kickers(h1) -> None:
    """Drop a kicker or a category inside a headline element (``<span class="category">Thema …</span>``)."""
    for child in h1.iter():
        if child is h1 or not isinstance(child.tag, str):
            continue
        classes = (child.get("class") or "").lower()
        if any(k in classes for k in KICKER_CLASSES):
            child.drop_tree()


def headline(facts: PageFacts, heading: str) -> str:
    """The release's headline: the article's h1 (or its first heading), then og:title, then <title>; never the
    site's or a ministry's name."""
    candidates = [heading, facts.strip_site_name(facts.meta.get("og:title", "")),
                  facts.strip_site_name(facts.meta.get("twitter:title", "")), facts.strip_site_name(facts.title)]
    for candidate in candidates:
        candidate = clean_text(candidate)
        if candidate and not facts.is_site_name(candidate):
            return candidate
    return ""


def parse_machine_date(value: str | None) -> datetime | None:
    """An ISO 8601 date or date and time written by a machine (meta tags, <time datetime>, JSON-LD)."""
    value = (value or "").strip()
    if not value:
        return None
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?)?", value)
    if m:
        try:
            return datetime.fromisoformat(m.group(0).replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            try:
                return datetime(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    m = re.match(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b", value)  # 18-12-2020, 18.12.2020
    if m:
        try:
            return datetime(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return None
    return None


def time_element_date(container) -> datetime | None:
    """The date of the first ``<time datetime>`` of the article (a published one first)."""
    if container is None:
        return None
    times = container.xpath(".//time[@datetime]")
    published = [t for t in times if re.search(r"publish|created|date", " ".join(
        (t.get("itemprop") or "", t.get("class") or "", t.get("pubdate") or "")), re.I)]
    for t in published + times:
        found = parse_machine_date(t.get("datetime"))
        if found:
            return found
    return None


def meta_date(facts: PageFacts) -> tuple[datetime | None, str]:
    """(date, where) from the page's meta tags, JSON-LD, or a dated URL."""
    for key in PUBLISHED_META:
        found = parse_machine_date(facts.meta.get(key))
        if found:
            return found, "des métadonnées"
    for item in facts.jsonld:
        found = parse_machine_date(str(item.get("datePublished") or item.get("dateCreated") or ""))
        if found:
            return found, "des données JSON-LD"
    if facts.url:
        m = re.search(r"/(?P<y>(?:19|20)\d\d)/(?P<m>\d\d)/(?P<d>\d\d)(?:[_/-]|$)", facts.url)
        if m:
            try:
                return datetime.combine(date(int(m["y"]), int(m["m"]), int(m["d"])), datetime.min.time()), \
                    "de l'adresse de la page"
            except ValueError:
                pass
    return None, ""


def updated_date(facts: PageFacts) -> datetime | None:
    for key in UPDATED_META:
        found = parse_machine_date(facts.meta.get(key))
        if found:
            return found
    for item in facts.jsonld:
        found = parse_machine_date(str(item.get("dateModified") or ""))
        if found:
            return found
    return None


def htmldate_guess(text: str, url: str | None) -> datetime | None:
    """htmldate's reading of the page, when the page states no date itself (imported only then)."""
    import htmldate

    try:
        found = htmldate.find_date(text, original_date=True, extensive_search=False, url=url)
    except (ValueError, TypeError):
        return None
    return parse_machine_date(found)


def page_language(root, facts: PageFacts) -> str:
    """The language the page declares: <html lang>, og:locale, content-language; '' when it declares none."""
    for value in (root.get("lang"), root.get("xml:lang"), facts.meta.get("og:locale"),
                  facts.meta.get("content-language"), facts.meta.get("language"), facts.meta.get("dc.language")):
        code = re.split(r"[-_,;\s]", (value or "").strip())[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return ""


_DATELINE_END = re.compile(r"^\s*(?:\([^)]{2,60}\)\s*)?(?:[—–-]+|:|\.(?!\d)|$)\s*")


def leading_dateline(text: str, languages: list[str] | None = None):
    """(Dateline, length) of a dateline opening a paragraph (« Roma, 20 gennaio 2020 - La Ministra … »), the
    length being that of the dateline and its dash; None when the paragraph opens otherwise."""
    from feeds.ingest.dates import ImpossibleDate, find_date, parse_dateline

    text = " ".join(text.split())
    try:
        found = find_date(text[:160], languages)
        if found is None or found.start > 60:
            return None
        end = _DATELINE_END.match(text[found.end:])
        dateline = parse_dateline(text[:found.end], languages) if end else None
    except ImpossibleDate:
        return None
    return (dateline, found.end + len(end.group(0))) if dateline else None
