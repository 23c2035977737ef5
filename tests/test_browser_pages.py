"""Pages as headless Chromium renders them from the real `feeds serve`: JSON-LD read back with extruct,
no console error (a CSP violation would show there), keyboard and print; screenshots in test-artifacts/."""

import extruct
import pytest

from feeds import store

SEED_ID = "occitanie-2018-01-25-prix-mooc-72047a4d"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module, phone-sized: the press room is read on phones first."""
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="fr-FR")
    yield ctx
    ctx.close()


@pytest.fixture
def render(context, live_server, artifacts):
    """Open a path, keep a full-page screenshot, return (page, rendered HTML, console errors)."""
    opened = []

    def go(path: str, name: str):
        page = context.new_page()
        opened.append(page)
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        response = page.goto(live_server.url + path, wait_until="load")
        assert response.status == 200, path
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        return page, page.content(), errors

    yield go
    for page in opened:
        page.close()


def jsonld(html: str, url: str) -> list[dict]:
    return extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=False)["json-ld"]


def test_home_renders_with_website_and_search_action(render, live_server):
    base = live_server.url
    page, html, errors = render("/", "home")
    assert errors == []
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("h1").all_inner_texts() == ["Communiqués de presse"]
    occitanie = {"@type": "Organization", "name": "Région Occitanie / Pyrénées-Méditerranée",
                 "url": "https://www.laregion.fr",
                 "logo": {"@type": "ImageObject", "url": f"{base}/static/publishers/occitanie.svg"}}
    assert jsonld(html, base + "/") == [
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": "Salle de presse de la Région Occitanie",
            "description": "Les communiqués et dossiers de presse de la Région Occitanie / Pyrénées-Méditerranée, "
                           "en flux, en données ouvertes et en pages web.",
            "url": f"{base}/",
            "inLanguage": "fr",
            "publisher": occitanie,
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint", "urlTemplate": f"{base}/search?q={{search_term_string}}"},
                "query-input": "required name=search_term_string",
            },
        },
        {"@context": "https://schema.org", **occitanie},
    ]
    # The first Tab reaches the skip link, which leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("[document.activeElement.textContent, document.activeElement.getAttribute('href')]") == [
        "Aller au contenu", "#contenu"]
    # Nothing is wider than a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_seed_release_renders_with_its_news_article(render, live_server):
    base = live_server.url
    url = f"{base}/releases/{SEED_ID}"
    page, html, errors = render(f"/releases/{SEED_ID}", "release-seed")
    assert errors == []
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("article .meta time").first.inner_text() == "jeudi 25 janvier 2018"
    body_text = store.get_record(store.connect(live_server.db, create=False), SEED_ID)[0].body_text
    occitanie = {"@type": "Organization", "name": "Région Occitanie / Pyrénées-Méditerranée",
                 "url": "https://www.laregion.fr",
                 "logo": {"@type": "ImageObject", "url": f"{base}/static/publishers/occitanie.svg"}}
    title = "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante"
    assert jsonld(html, url) == [
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "name": title,
            "description": "Ce mercredi 23 janvier, lors de l'événement « MOOC of the year » organisé par My Mooc, "
                           "plateforme de référencement de MOOC (massive open online course) évalués par les "
                           "internautes, la Région Occitanie / Pyrénées-Méditerranée s'est vue attribuer le prix "
                           "coup de cœur du jury, décerné par des…",
            "articleBody": body_text,
            "articleSection": "Communiqué de presse",
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "inLanguage": "fr",
            "datePublished": "2018-01-25T00:00:00+01:00",
            "dateModified": "2018-01-25T00:00:00+01:00",
            "author": occitanie,
            "publisher": occitanie,
            "image": [f"{base}/static/publishers/occitanie.svg"],
            "isAccessibleForFree": True,
            "license": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "contentLocation": {"@type": "Place", "name": "Toulouse"},
            "mentions": [{"@type": "Person", "name": "Carole Delga", "url": f"{base}/people/Carole%20Delga"}],
        },
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Accueil", "item": f"{base}/"},
                {"@type": "ListItem", "position": 2, "name": "Région Occitanie / Pyrénées-Méditerranée",
                 "item": f"{base}/publishers/R%C3%A9gion%20Occitanie%20/%20Pyr%C3%A9n%C3%A9es-M%C3%A9diterran%C3%A9e"},
                {"@type": "ListItem", "position": 3, "name": title, "item": url},
            ],
        },
    ]
    assert page.locator("a[href^='tel:']").all_inner_texts() == ["05 61 33 53 39", "06 19 45 88 18"]
    # Printed, the page keeps the release and drops the navigation and the search form.
    page.emulate_media(media="print")
    assert page.evaluate("[getComputedStyle(document.querySelector('header.site nav')).display, "
                         "getComputedStyle(document.querySelector('.quick-search')).display, "
                         "getComputedStyle(document.querySelector('article h1')).display]") == [
        "none", "none", "block"]


def test_search_renders_its_results(render, live_server):
    page, html, errors = render("/search?q=MOOC+Region", "search-mooc")
    assert errors == []
    assert page.locator("h1").all_inner_texts() == ["Rechercher un communiqué"]
    assert page.locator("#resultats").inner_text() == "1 résultat"
    assert page.locator("ol.releases a").first.get_attribute("href") == f"/releases/{SEED_ID}"
    assert page.locator("ol.releases mark").all_inner_texts()[:2] == ["MOOC", "Région"]
    assert page.input_value("#q") == "MOOC Region"
    assert jsonld(html, live_server.url + "/search") == []
