"""schema.org JSON-LD, built as plain dicts in one place and emitted with |tojson."""

from __future__ import annotations

import re
from datetime import datetime

from feeds import kinds
from feeds.config import Site
from feeds.model import Release

HEADLINE_MAX = 110
DESCRIPTION_MAX = 300
# Shown when neither the release nor its publisher has an image: Google recommends an image for every article.
DEFAULT_IMAGE = "/static/pressroom.png"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".svg")


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut on a word and marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def headline(title: str) -> str:
    """Google's limit for Article headlines: 110 characters, cut on a word."""
    return shorten(title, HEADLINE_MAX)


def description(release: Release) -> str:
    """What the release says in a few lines: its summary, else its standfirst, else the start of its text."""
    for text in (release.summary, release.standfirst, release.body_text):
        if text and text.strip():
            return shorten(text, DESCRIPTION_MAX)
    return release.title


def organization(site: Site, name: str, url: str | None, logo: str | None) -> dict:
    org = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    logo = site.absolute(logo)
    if logo:
        org["logo"] = {"@type": "ImageObject", "url": logo}
    return org


def publisher_of(site: Site, row: dict, page_url: str) -> dict:
    """The release's own publisher from its row; the site's logo only when it is the site's own publisher.

    A publisher without a known website is identified by its page in the press room.
    """
    name = row.get("publisher_name") or site.publisher["name"]
    own = name == site.publisher["name"]
    url = row.get("publisher_url") or (site.publisher.get("url") if own else None) or page_url
    logo = row.get("publisher_logo") or (site.publisher.get("logo") if own else None)
    return organization(site, name, url, logo)


def images(release: Release, site: Site, org: dict) -> list[str]:
    """The release's pictures (image attachments), else its publisher's logo, else the press room's image."""
    found = [a.url for a in release.attachments
             if a.url.startswith(("http://", "https://"))
             and ((a.type or "").startswith("image/") or a.url.lower().endswith(IMAGE_EXTENSIONS))]
    if found:
        return found
    if org.get("logo"):
        return [org["logo"]["url"]]
    return [site.absolute(DEFAULT_IMAGE)]


def raster_image(urls: list[str], site: Site) -> str:
    """The first image social networks can show (they ignore SVG)."""
    for url in urls:
        if not re.search(r"\.svgz?$", url.split("?")[0], re.IGNORECASE):
            return url
    return site.absolute(DEFAULT_IMAGE)


def news_article(release: Release, site: Site, url: str, org: dict, *, people_urls: dict[str, str] | None = None,
                 recorded: tuple[datetime | None, datetime | None] = (None, None)) -> dict:
    """NewsArticle with everything Google recommends for articles, plus the press-release specifics.

    ``recorded`` (first and last time the press room recorded it) dates a release whose source gives none.
    """
    published = release.published or recorded[0]
    modified = release.updated or release.published or recorded[1] or published
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline(release.title),
        "name": release.title,
        "description": description(release),
        "articleBody": release.body_text or release.standfirst or release.title,
        "articleSection": kinds.kind(release.kind).label,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": release.language,
        "datePublished": published.isoformat() if published else None,
        "dateModified": modified.isoformat() if modified else None,
        "author": org,
        "publisher": org,
        "image": images(release, site, org),
        "isAccessibleForFree": True,
        "license": site.licence.get("url"),
    }
    if release.topics:
        data["keywords"] = ", ".join(release.topics)
    if release.place:
        data["contentLocation"] = {"@type": "Place", "name": release.place}
    people: dict[str, dict] = {}
    for q in release.quotes:
        if q.speaker and q.speaker not in people:
            person = {"@type": "Person", "name": q.speaker}
            if q.role:
                person["jobTitle"] = q.role
            if people_urls and q.speaker in people_urls:
                person["url"] = people_urls[q.speaker]
            people[q.speaker] = person
    if people:
        data["mentions"] = list(people.values())
    return {k: v for k, v in data.items() if v is not None}


def breadcrumbs(items: list[tuple[str, str]]) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(items, start=1)
        ],
    }


def collection_page(site: Site, name: str, url: str, home: str) -> dict:
    """A listing page (publisher, topic, place, person): part of the press room's WebSite."""
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": name,
        "url": url,
        "inLanguage": site.language,
        "isPartOf": {"@type": "WebSite", "name": site.title, "url": home},
    }


def website(site: Site, home: str, search_url: str) -> list[dict]:
    """The home page's WebSite (with a SearchAction for the search box) and the site's Organization."""
    org = organization(site, site.publisher["name"], site.publisher.get("url"), site.publisher.get("logo"))
    site_node = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.title,
        "url": home,
        "inLanguage": site.language,
        "publisher": org,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": search_url + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }
    if site.description:
        site_node["description"] = site.description
    return [site_node, {"@context": "https://schema.org", **org}]
