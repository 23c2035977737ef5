"""schema.org JSON-LD, built as plain dicts in one place and emitted with |tojson."""

from __future__ import annotations

from feeds.config import Site
from feeds.model import Release

HEADLINE_MAX = 110


def headline(title: str) -> str:
    """Google's limit for Article headlines: 110 characters, cut on a word."""
    if len(title) <= HEADLINE_MAX:
        return title
    return title[: HEADLINE_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def organization(site: Site, name: str, url: str | None, logo: str | None) -> dict:
    org = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    logo = site.absolute(logo)
    if logo:
        org["logo"] = {"@type": "ImageObject", "url": logo}
    return org


def news_article(release: Release, site: Site, url: str, publisher: dict) -> dict:
    """NewsArticle with what Google recommends for articles, plus the press-release specifics."""
    org = organization(site, release.publisher or site.publisher["name"], publisher.get("url"),
                       publisher.get("logo") or site.publisher.get("logo"))
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline(release.title),
        "name": release.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": release.language,
        "author": org,
        "publisher": org,
        "isAccessibleForFree": True,
        "license": site.licence.get("url"),
        "articleBody": release.body_text or release.standfirst or release.title,
    }
    if release.summary:
        data["description"] = release.summary
    if release.published:
        data["datePublished"] = release.published.isoformat()
        data["dateModified"] = (release.updated or release.published).isoformat()
    if org.get("logo"):
        data["image"] = [org["logo"]["url"]]
    if release.topics:
        data["keywords"] = ", ".join(release.topics)
    if release.place:
        data["contentLocation"] = {"@type": "Place", "name": release.place}
    people = []
    for q in release.quotes:
        if q.speaker and q.speaker not in [p["name"] for p in people]:
            person = {"@type": "Person", "name": q.speaker}
            if q.role:
                person["jobTitle"] = q.role
            people.append(person)
    if people:
        data["mentions"] = people
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


def website(site: Site, search_url: str) -> list[dict]:
    return [
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": site.title,
            "url": site.base_url + "/",
            "inLanguage": site.language,
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint", "urlTemplate": search_url + "?q={search_term_string}"},
                "query-input": "required name=search_term_string",
            },
        },
        {"@context": "https://schema.org", **organization(site, site.publisher["name"], site.publisher.get("url"),
                                                          site.publisher.get("logo"))},
    ]
