"""The W3C Feed Validation Service's error rules that matter to us, and JSON Feed 1.1's required fields.

The validator itself (rubys/feedvalidator) is not on PyPI and cannot be reached from the tests, so its
checks are written here: each function returns a list of problems, empty for a valid feed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree

A = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d:\d\d ([+-]\d{4}|GMT)$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+( \(.*\))?$")
URL_ATTRIBUTE = re.compile(r'\s(?:href|src)="([^"]*)"')


def _absolute(url: str | None) -> bool:
    return bool(url) and re.match(r"^(https?|mailto|tel|urn):", url) is not None


def _relative_refs(html: str) -> list[str]:
    return [u for u in URL_ATTRIBUTE.findall(html) if not _absolute(u)]


def check_atom(body: bytes, url: str) -> list[str]:
    problems = []
    feed = etree.fromstring(body)
    if feed.tag != A + "feed":
        return [f"root is {feed.tag}"]

    def one(parent, tag, where):
        found = parent.findall(A + tag)
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} atom:{tag}")
        return found[0] if found else None

    one(feed, "id", "feed")
    one(feed, "title", "feed")
    updated = one(feed, "updated", "feed")
    if updated is not None and not RFC3339.match(updated.text or ""):
        problems.append(f"feed: updated {updated.text!r}")
    selfs = [link.get("href") for link in feed.findall(A + "link") if link.get("rel") == "self"]
    if selfs != [url]:
        problems.append(f"feed: self {selfs} is not {url}")
    for link in feed.iter(A + "link"):
        if not _absolute(link.get("href")):
            problems.append(f"link {link.get('rel')}: {link.get('href')!r} is not absolute")
        if link.get("length") is not None and not (link.get("length").isdigit() and int(link.get("length")) > 0):
            problems.append(f"link length {link.get('length')!r}")
    feed_author = feed.find(A + "author") is not None
    ids = []
    for entry in feed.findall(A + "entry"):
        eid = one(entry, "id", "entry")
        ids.append(eid.text if eid is not None else None)
        one(entry, "title", f"entry {ids[-1]}")
        for tag in ("updated", "published"):
            for date in entry.findall(A + tag):
                if not RFC3339.match(date.text or ""):
                    problems.append(f"entry {ids[-1]}: {tag} {date.text!r}")
        one(entry, "updated", f"entry {ids[-1]}")
        if not feed_author and entry.find(A + "author") is None:
            problems.append(f"entry {ids[-1]}: no author")
        alternates = [(link.get("type"), link.get("hreflang")) for link in entry.findall(A + "link")
                      if link.get("rel", "alternate") == "alternate"]
        if len(alternates) != len(set(alternates)) or not alternates:
            problems.append(f"entry {ids[-1]}: alternate links {alternates}")
        for content in entry.findall(A + "content") + entry.findall(A + "summary"):
            if content.get("type") == "html":
                problems += [f"entry {ids[-1]}: relative URL {u!r}" for u in _relative_refs(content.text or "")]
        lang = entry.get("{http://www.w3.org/XML/1998/namespace}lang")
        if lang is not None and not LANGUAGE.match(lang):
            problems.append(f"entry {ids[-1]}: xml:lang {lang!r}")
    if len(ids) != len(set(ids)):
        problems.append("duplicate entry ids")
    return problems


def check_rss(body: bytes, url: str) -> list[str]:
    problems = []
    rss = etree.fromstring(body)
    if rss.tag != "rss" or rss.get("version") != "2.0":
        return [f"root is {rss.tag} {rss.get('version')}"]
    channels = rss.findall("channel")
    if len(channels) != 1:
        return [f"{len(channels)} channels"]
    channel = channels[0]
    for tag in ("title", "link", "description"):
        if len(channel.findall(tag)) != 1 or not (channel.findtext(tag) or "").strip():
            problems.append(f"channel: {tag}")
    if not _absolute(channel.findtext("link")):
        problems.append("channel: link not absolute")
    selfs = [link.get("href") for link in channel.findall(A + "link") if link.get("rel") == "self"]
    if selfs != [url]:
        problems.append(f"channel: self {selfs} is not {url}")
    if channel.find("language") is not None and not LANGUAGE.match(channel.findtext("language")):
        problems.append("channel: language")
    for tag in ("lastBuildDate", "pubDate"):
        if channel.find(tag) is not None and not RFC822.match(channel.findtext(tag)):
            problems.append(f"channel: {tag} {channel.findtext(tag)!r}")
    guids = []
    for item in channel.findall("item"):
        guid = item.findtext("guid")
        guids.append(guid)
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"item {guid}: neither title nor description")
        pub = item.findtext("pubDate")
        if pub is not None:
            if not RFC822.match(pub):
                problems.append(f"item {guid}: pubDate {pub!r}")
            else:
                parsedate_to_datetime(pub)
        if item.find("link") is not None and not _absolute(item.findtext("link")):
            problems.append(f"item {guid}: link not absolute")
        if item.find("guid") is not None and item.find("guid").get("isPermaLink", "true") == "true" \
                and not _absolute(guid):
            problems.append(f"item {guid}: permalink guid not a URL")
        for author in item.findall("author"):
            if not EMAIL.match(author.text or ""):
                problems.append(f"item {guid}: author {author.text!r} is not an e-mail")
        enclosures = item.findall("enclosure")
        if len(enclosures) > 1:
            problems.append(f"item {guid}: {len(enclosures)} enclosures")
        for enc in enclosures:
            length = enc.get("length") or ""
            if not (_absolute(enc.get("url")) and enc.get("type") and length.isdigit() and int(length) > 0):
                problems.append(f"item {guid}: enclosure {dict(enc.attrib)}")
        for html in (item.findtext("description") or "", item.findtext(CONTENT + "encoded") or ""):
            problems += [f"item {guid}: relative URL {u!r}" for u in _relative_refs(html)]
        for category in item.findall("category"):
            if not (category.text or "").strip():
                problems.append(f"item {guid}: blank category")
    if len(guids) != len(set(guids)):
        problems.append("duplicate guids")
    return problems


def check_json_feed(body: bytes, url: str) -> list[str]:
    """JSON Feed 1.1: the fields the spec requires, and the types of those we use."""
    problems = []
    feed = json.loads(body)
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version {feed.get('version')!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.append("no title")
    if feed.get("feed_url") != url:
        problems.append(f"feed_url {feed.get('feed_url')} is not {url}")
    for key in ("home_page_url", "next_url"):
        if key in feed and not _absolute(feed[key]):
            problems.append(f"{key} {feed[key]!r}")
    if not isinstance(feed.get("items"), list):
        return problems + ["no items"]
    ids = []
    for item in feed["items"]:
        ids.append(item.get("id"))
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"item without id: {item}")
        if not (item.get("content_html") or item.get("content_text")):
            problems.append(f"item {item.get('id')}: neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if key in item:
                if not RFC3339.match(item[key]):
                    problems.append(f"item {item.get('id')}: {key} {item[key]!r}")
                datetime.fromisoformat(item[key])
        for author in item.get("authors", []):
            if not isinstance(author, dict) or not (author.get("name") or author.get("url")):
                problems.append(f"item {item.get('id')}: author {author!r}")
        for attachment in item.get("attachments", []):
            if not (_absolute(attachment.get("url")) and attachment.get("mime_type")):
                problems.append(f"item {item.get('id')}: attachment {attachment!r}")
        if "tags" in item and not all(isinstance(t, str) for t in item["tags"]):
            problems.append(f"item {item.get('id')}: tags")
    if len(ids) != len(set(ids)):
        problems.append("duplicate ids")
    return problems


CHECKS = {"atom": check_atom, "rss": check_rss, "json": check_json_feed}
