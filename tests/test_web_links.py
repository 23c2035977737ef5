"""Addresses: canonical URLs on the configured address, release links, the links of every page."""

from flask import url_for

from feeds.web.links import external, release_link, site_links


def test_canonical_urls_never_follow_the_host(app):
    with app.test_request_context("/", base_url="http://elsewhere.test"):
        assert external("pages.release", release_id="a b") == "http://press.test/releases/a%20b"
        assert [release_link()(i) for i in ("x-1", "é/?")] == ["http://press.test/releases/x-1",
                                                              "http://press.test" + url_for("pages.release", release_id="é/?")]


def test_the_links_of_every_page_are_worked_out_once_per_script_root(app):
    with app.test_request_context("/"):
        links = site_links()
        assert site_links() is links
    with app.test_request_context("/", base_url="http://press.test/salle"):
        under = site_links()
    assert links == {"home": "/", "search": "/search", "opendata": "/donnees-ouvertes", "atom": "/feed.atom",
                     "rss": "/feed.rss", "sitemap": "/sitemap.xml", "style": "/static/style.css",
                     "favicon": "/static/favicon.svg", "picture": "http://press.test/static/pressroom.png"}
    assert under == {key: ("/salle" + value if key != "picture" else "http://press.test/salle/static/pressroom.png")
                     for key, value in links.items()}
    assert list(app.kept.site_links) == ["", "/salle"]
