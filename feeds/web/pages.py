"""HTML pages: the latest releases and one page per release."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from feeds import store
from feeds.web import external, jsonld

bp = Blueprint("pages", __name__)
PAGE_SIZE = 20


def _db():
    return current_app.extensions["pressroom_db"]()


@bp.route("/")
def index():
    site = current_app.config["SITE"]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    db = _db()
    releases = store.latest(db, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = store.count(db)
    return render_template(
        "index.html", releases=releases, page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total, jsonld=jsonld.website(site, external("pages.index") + "search"),
        canonical=external("pages.index", **({"page": page} if page > 1 else {})),
    )


@bp.route("/releases/<release_id>")
def release(release_id: str):
    site = current_app.config["SITE"]
    found = store.get_record(_db(), release_id)
    if found is None:
        abort(404)
    rel, row = found
    url = external("pages.release", release_id=rel.id)
    publisher = {"url": row["publisher_url"], "logo": row["publisher_logo"]}
    data = [
        jsonld.news_article(rel, site, url, publisher),
        jsonld.breadcrumbs([("Accueil", external("pages.index")), (rel.title, url)]),
    ]
    return render_template("release.html", release=rel, row=row, jsonld=data, canonical=url,
                           logo=site.absolute(publisher["logo"] or site.publisher.get("logo")))
