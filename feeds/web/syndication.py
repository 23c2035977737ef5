"""Feeds: one builder per format (releases in, bytes out), served with validators from the data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, request

from feeds import store
from feeds.config import Site
from feeds.model import Release
from feeds.web import external

bp = Blueprint("syndication", __name__)

# Entry ids never depend on the host, the title or the format: only on the release's permanent id.
ENTRY_NAMESPACE = uuid.UUID("6f1d8c3e-2b7a-4c59-9e0a-3d5b7c1a2f40")

CONTENT_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}


def entry_id(release_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, release_id)}"


@dataclass
class FeedInfo:
    title: str
    self_url: str
    page_url: str
    subtitle: str


def build(fmt: str, info: FeedInfo, releases: list[Release], site: Site, page_url_of) -> bytes:
    """Atom or RSS 2.0 bytes for ``releases`` (newest first)."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(info.self_url)
    fg.title(info.title)
    fg.subtitle(info.subtitle or info.title)
    fg.link(href=info.page_url, rel="alternate", type="text/html")
    fg.link(href=info.self_url, rel="self", type=CONTENT_TYPES[fmt].split(";")[0])
    fg.language(site.language)
    fg.author({"name": site.publisher["name"], "uri": site.publisher.get("url")} if site.publisher.get("url")
              else {"name": site.publisher["name"]})
    fg.rights(f"{site.licence['name']} — {site.licence.get('url') or ''}".strip(" —"))
    fg.generator("feeds (salle de presse ouverte)")
    logo = site.absolute(site.publisher.get("logo"))
    if logo:
        fg.logo(logo)
    dates = [r.updated or r.published for r in releases if r.published]
    if dates:
        fg.updated(max(dates))
    elif fmt == "atom":
        fg.updated("1970-01-01T00:00:00+00:00")
    for release in releases:
        url = page_url_of(release.id)
        fe = fg.add_entry(order="append")
        fe.id(entry_id(release.id))
        fe.guid(entry_id(release.id), permalink=False)
        fe.title(release.title)
        fe.link(href=url, rel="alternate", type="text/html")
        if release.published:
            fe.published(release.published)
            fe.updated(release.updated or release.published)
        elif fmt == "atom":
            fe.updated("1970-01-01T00:00:00+00:00")
        fe.author({"name": release.publisher or site.publisher["name"]})
        if fmt == "rss":
            fe.dc.dc_creator(release.publisher or site.publisher["name"])
        for topic in release.topics:
            fe.category(term=topic, label=topic)
        if release.summary:
            fe.summary(release.summary)
        fe.content(full_html(release), type="CDATA" if fmt == "rss" else "html")
        for a in release.attachments:
            if a.url.startswith(("http://", "https://")):
                fe.link(href=a.url, rel="enclosure", type=a.type or "application/octet-stream",
                        length=str(a.length or 0))
    if fmt == "atom":
        return fg.atom_str(pretty=False)
    return fg.rss_str(pretty=False)


def full_html(release: Release) -> str:
    """The whole text of a release as one sanitised HTML fragment (standfirst, then body)."""
    from markupsafe import escape

    parts = []
    if release.standfirst:
        parts.append(f"<p><strong>{escape(release.standfirst)}</strong></p>")
    if release.body_html:
        parts.append(release.body_html)
    return "\n".join(parts) or f"<p>{escape(release.title)}</p>"


def _respond(fmt: str, title: str, subtitle: str, where: str = "", params: tuple = ()) -> Response:
    site: Site = current_app.config["SITE"]
    db = current_app.extensions["pressroom_db"]()
    version = store.data_version(db)
    etag = f'"{fmt}-{version}"'
    if request.if_none_match and etag.strip('"') in request.if_none_match:
        return Response(status=304, headers={"ETag": etag})
    releases = store.latest(db, site.feed_size, where=where, params=params)
    info = FeedInfo(title=title, subtitle=subtitle, self_url=request.base_url,
                    page_url=external("pages.index"))
    body = build(fmt, info, releases, site, lambda rid: external("pages.release", release_id=rid))
    response = Response(body, headers={"Content-Type": CONTENT_TYPES[fmt], "ETag": etag,
                                       "Cache-Control": "public, max-age=300"})
    return response


@bp.route("/feed.atom")
def atom():
    site: Site = current_app.config["SITE"]
    return _respond("atom", site.title, site.description)


@bp.route("/feed.rss")
def rss():
    site: Site = current_app.config["SITE"]
    return _respond("rss", site.title, site.description)
