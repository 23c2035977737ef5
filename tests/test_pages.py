"""HTML pages: what a reader sees, in French, accessible, escaped, with security headers."""

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import Markup

from feeds import store
from feeds.model import Contact, Link, Quote, Release, Source
from feeds.web import pages

SEED_ID = "occitanie-2018-01-25-prix-mooc-72047a4d"
CSP = ("default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'none'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'self'; form-action 'self'")
STYLE = Path(pages.__file__).parent / "static" / "style.css"


class Outline(HTMLParser):
    """Headings (level, text), every lang attribute, links and the text of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.headings, self.langs, self.links, self.text = [], [], [], []
        self._heading = None
        self.html_lang = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if "lang" in attrs:
            self.langs.append(attrs["lang"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._heading:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading:
            self._heading[1] += data

    def heading_problems(self) -> list[str]:
        levels = [level for level, _ in self.headings]
        found = [] if levels[:1] == [1] and levels.count(1) == 1 else [f"h1s: {levels}"]
        found += [f"h{b} after h{a}" for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        return found


def get(client, path):
    response = client.get(path)
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8"), path
    return response, Outline(response.get_data(as_text=True))


def public_ids(db_path) -> list[str]:
    db = store.connect(db_path, create=False)
    return [r[0] for r in db.conn.execute("SELECT id FROM releases WHERE status = 'published' ORDER BY id")]


def test_seed_page_shows_everything_a_journalist_needs(client):
    response, page = get(client, f"/releases/{SEED_ID}")
    html = response.get_data(as_text=True)
    assert {k: response.headers[k] for k in ("Content-Security-Policy", "X-Content-Type-Options",
                                             "Referrer-Policy")} == {
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin"}
    assert page.html_lang == "fr"
    assert page.headings == [
        (1, "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante"),
        (2, "Citations"), (2, "Liens"), (2, "Contacts presse"), (2, "Données")]
    assert '<time datetime="2018-01-25T00:00:00+01:00">jeudi 25 janvier 2018</time>' in html
    assert '<a class="place" href="/places/Toulouse">Toulouse</a>' in html
    assert ('<section aria-labelledby="liens"><h2 id="liens">Liens</h2><ul>\n'
            '  <li><a href="https://www.laregion.fr/Participez-a-Occitanie-2040">'
            'https://www.laregion.fr/Participez-a-Occitanie-2040</a></li>\n'
            '  <li><a href="https://www.laregion.fr/-occitanie-2040-">https://www.laregion.fr/-occitanie-2040-</a></li>\n'
            '  </ul></section>') in html
    assert [link for link in page.links if link.startswith(("mailto:", "tel:"))] == [
        "mailto:frederic.neuman@laregion.fr", "tel:+33561335339", "tel:+33619458818",
        "mailto:presse-region@laregion.fr", "mailto:service.presse@laregion.fr"]
    assert '<a href="tel:+33561335339">05 61 33 53 39</a>' in html
    assert '<figcaption><a href="/people/Carole%20Delga">Carole Delga</a></figcaption>' in html
    assert '<link rel="canonical" href="http://press.test/releases/' + SEED_ID + '">' in html
    assert re.findall(r'<meta (?:property|name)="((?:og|twitter|article):[a-z_:]+)" content="([^"]*)"', html) == [
        ("og:site_name", "Salle de presse de la Région Occitanie"), ("og:locale", "fr_FR"),
        ("og:type", "article"),
        ("og:title", "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante"),
        ("og:description", "Ce mercredi 23 janvier, lors de l&#39;événement « MOOC of the year » organisé par My "
                           "Mooc, plateforme de référencement de MOOC (massive open online course) évalués par les "
                           "internautes, la Région Occitanie / Pyrénées-Méditerranée s&#39;est vue attribuer le prix "
                           "coup de cœur du jury, décerné par des…"),
        ("og:url", f"http://press.test/releases/{SEED_ID}"),
        ("og:image", "http://press.test/static/pressroom.png"),  # social networks ignore the SVG logo
        ("article:published_time", "2018-01-25T00:00:00+01:00"),
        ("article:publisher", "https://www.laregion.fr"),
        ("twitter:card", "summary_large_image"),
        ("twitter:title", "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche "
                          "innovante"),
        ("twitter:description", "Ce mercredi 23 janvier, lors de l&#39;événement « MOOC of the year » organisé "
                                "par My Mooc, plateforme de référencement de MOOC (massive open online course) "
                                "évalués par les internautes, la Région Occitanie / Pyrénées-Méditerranée "
                                "s&#39;est vue attribuer le prix coup de cœur du jury, décerné par des…"),
        ("twitter:image", "http://press.test/static/pressroom.png"),
    ]


def test_every_page_has_ordered_headings_and_declares_its_language(client, built_db):
    db = store.connect(built_db, create=False)
    paths = ["/", "/search", "/search?q=numerique", "/places/Toulouse", "/people/Carole Delga"]
    paths += [f"/releases/{i}" for i in public_ids(built_db)]
    paths += [f"/publishers/{n}" for (n,) in db.conn.execute("SELECT name FROM publishers")]
    english = 0
    for path in paths:
        _, page = get(client, path)
        assert page.heading_problems() == [], path
        assert page.html_lang in ("fr", "en"), path
        if page.html_lang == "en":  # an English release: the French interface says so
            english += 1
            assert set(page.langs) == {"en", "fr"}, path
    assert english >= 1


def test_english_release_page_marks_the_french_interface(client, built_db):
    db = store.connect(built_db, create=False)
    release_id = db.conn.execute("SELECT id FROM releases WHERE language = 'en' AND status = 'published' "
                                 "ORDER BY id LIMIT 1").fetchone()[0]
    html = client.get(f"/releases/{release_id}").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<header class="site" lang="fr">' in html and '<footer class="site" lang="fr">' in html
    assert '<meta property="og:locale" content="en_GB">' in html


def test_home_shows_the_newest_and_archive_pages_that_never_move(client, built_db, monkeypatch):
    """The newest 4 on the home page; archive pages of 4 counted from the oldest, each newest first."""
    monkeypatch.setattr(pages, "PAGE_SIZE", 4)
    db = store.connect(built_db, create=False)
    newest = [r[0] for r in db.conn.execute(
        "SELECT id FROM releases WHERE status = 'published' ORDER BY published DESC, id DESC")]
    oldest = newest[::-1]
    archives = (len(newest) - 1) // 4
    assert archives >= 2

    def shown(path):
        _, page = get(client, path)
        listed = [link.removeprefix("/releases/") for link in page.links if link.startswith("/releases/")]
        nav = [link for link in page.links if "/page/" in link or link == "http://press.test/"]
        return listed, nav

    assert shown("/") == (newest[:4], [f"http://press.test/page/{archives}"])
    seen = set(newest[:4])
    for n in range(1, archives + 1):
        listed, nav = shown(f"/page/{n}")
        assert listed == oldest[(n - 1) * 4:n * 4][::-1], n
        newer = f"http://press.test/page/{n + 1}" if n < archives else "http://press.test/"
        assert nav == [newer] + ([f"http://press.test/page/{n - 1}"] if n > 1 else []), n
        seen.update(listed)
    assert seen == set(newest)
    for bad in (0, archives + 1, "x"):
        assert client.get(f"/page/{bad}").status_code == 404
    # The old form of archive addresses moves to the new one.
    response = client.get("/?page=2")
    assert (response.status_code, response.headers["Location"]) == (301, "http://press.test/page/2")
    assert client.get("/?page=x").status_code == 404


def test_facet_pages_list_their_releases(client, built_db):
    db = store.connect(built_db, create=False)
    for kind, prefix, sql in (
        ("publisher", "publishers", "SELECT r.id FROM releases r JOIN publishers p ON p.id = r.publisher_id "
                                    "WHERE p.name = ? AND r.status = 'published'"),
        ("topic", "topics", "SELECT rt.release_id FROM release_topics rt JOIN topics t ON t.id = rt.topic_id "
                            "WHERE t.name = ?"),
        ("place", "places", "SELECT id FROM releases WHERE place = ?"),
        ("person", "people", "SELECT q.release_id FROM quotes q JOIN people p ON p.id = q.person_id "
                             "WHERE p.name = ?"),
    ):
        value = {"publisher": "Direction interministérielle du numérique (DINUM)", "topic": "Cloud",
                 "place": "Toulouse", "person": "Carole Delga"}[kind]
        _, page = get(client, f"/{prefix}/{value}")
        listed = {link.removeprefix("/releases/") for link in page.links if link.startswith("/releases/")}
        assert listed == {r[0] for r in db.conn.execute(sql, (value,))}, kind
        assert page.headings[0][1].endswith(value)
    assert client.get("/places/Nulle part").status_code == 404


@pytest.mark.parametrize("text, expected", [
    ("numérique", '"numérique"'),
    ("cloud  souverain", '"cloud" "souverain"'),
    ('"suite numérique" agents', '"suite numérique" "agents"'),
    ("l'État", '"l État"'),
    ('NEAR(a b) OR title:x* -y "', '"NEAR a" "b" "OR" "title x" "y"'),
    ("^*():\"", None),
    ("", None),
])
def test_search_terms_are_quoted_fts5(text, expected):
    assert store.fts_expression(text) == expected


def test_search_folds_diacritics_and_ranks_titles_first(client, built_db):
    db = store.connect(built_db, create=False)
    accented, total = store.search(db, "numérique", limit=100)
    plain, total_plain = store.search(db, "NUMERIQUE", limit=100)
    assert [r.id for r, _ in accented] == [r.id for r, _ in plain] and total == total_plain > 1
    by_title = [r for r, _ in accented if "numérique" in r.title.lower()]
    assert [r for r, _ in accented][: len(by_title)] == by_title


def test_search_filters(client, built_db):
    db = store.connect(built_db, create=False)
    expected = {r[0] for r in db.conn.execute(
        "SELECT r.id FROM releases r JOIN publishers p ON p.id = r.publisher_id WHERE p.name = ? AND r.year = ? "
        "AND r.kind = ? AND r.status = 'published'",
        ("Direction interministérielle du numérique (DINUM)", 2024, "communique"))}
    assert expected
    response, page = get(client, "/search?publisher=Direction interministérielle du numérique (DINUM)"
                                 "&year=2024&kind=communique")
    assert {link.removeprefix("/releases/") for link in page.links if link.startswith("/releases/")} == expected
    assert f"{len(expected)} résultat" in response.get_data(as_text=True)
    _, page = get(client, "/search?q=mooc&place=Toulouse")
    assert [link for link in page.links if link.startswith("/releases/")] == [f"/releases/{SEED_ID}"]


@pytest.mark.parametrize("query", ['"', "AND", "a OR", "NEAR(", "*", "x" * 500, "'; DROP TABLE releases; --",
                                   "<script>alert(1)</script>"])
def test_hostile_queries_answer_a_page(client, query):
    response, page = get(client, "/search?" + "q=" + query.replace("&", "%26").replace("#", "%23"))
    assert "<script>alert" not in response.get_data(as_text=True)
    assert page.headings[0] == (1, "Rechercher un communiqué")


def test_snippet_is_escaped_before_marking():
    assert pages._snippet("a <b>&\x02mot\x03") == Markup("a &lt;b&gt;&amp;<mark>mot</mark>")


@pytest.mark.parametrize("html, expected", [
    # The one allowlist has no h1 (the page's title): an h1 keeps its text only, as it does at ingest.
    ("<h1>A</h1><p>x</p><h2>B</h2>", "A<p>x</p><h2>B</h2>"),
    ("<h2>A</h2><p>x</p><h4>B</h4>", "<h2>A</h2><p>x</p><h3>B</h3>"),
    ("<h3>A</h3><h5>B</h5><h3>C</h3>", "<h2>A</h2><h3>B</h3><h2>C</h2>"),
    ("<h4>A</h4><h2>B</h2>", "<h2>A</h2><h2>B</h2>"),
    ('<p><img src="https://example.org/a.png"></p>', '<p><img alt="" src="https://example.org/a.png"></p>'),
    ('<p onclick="x()">y<script>z()</script></p>', "<p>y</p>"),
])
def test_body_headings_follow_the_page_title(html, expected):
    assert pages.body_html(html) == Markup(expected)


@pytest.mark.parametrize("number, shown", [("+33561335339", "05 61 33 53 39"), ("+442079460000", "+44 20 7946 0000"),
                                           ("pas un numéro", "pas un numéro")])
def test_phones_are_written_as_people_read_them(number, shown):
    assert pages.phone(number) == shown


def test_text_from_sources_is_escaped_or_sanitised(db_path, site):
    from feeds.web import create_app

    now = datetime.now(site.tz)
    hostile = Release(
        id="hostile-1", title='Titre <script>alert("t")</script> & co', published=now - timedelta(hours=1),
        source=Source("hostile.md", "f" * 64, "frontmatter"), publisher=site.publisher["name"],
        standfirst="<b>gras</b>", summary='"><script>alert(2)</script>',
        body_html='<p>ok</p><script>alert(3)</script><img src="x" onerror="alert(4)"><a href="javascript:alert(5)">l</a>',
        body_text="ok", place="<i>Lieu</i>",
        quotes=[Quote("<em>dit</em>", "Eve </figcaption><script>")],
        contacts=[Contact(name="<u>Nom</u>", email='a@b.fr"><script>', phones=["+33561335339"])],
        links=[Link("javascript:alert(6)", "piège"), Link("https://example.org/?a=1&b=<2>", "bon")],
    )
    db = store.connect(db_path)
    store.upsert(db, hostile, now, {site.publisher["name"]: site.publisher})
    client = create_app({"DATABASE": str(db_path), "SITE": site, "TESTING": True}).test_client()
    html = client.get("/releases/hostile-1").get_data(as_text=True)
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html
    assert "<h1>Titre &lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; co</h1>" in html
    assert '<li>piège</li>' in html  # a link that could run code is shown as text
    assert '<a href="https://example.org/?a=1&amp;b=&lt;2&gt;">bon</a>' in html
    assert "\\u003cscript\\u003e" in html  # inside JSON-LD, < is escaped too
    assert html.count("<script") == 2  # the two JSON-LD blocks, nothing else
    assert Outline(html).heading_problems() == []


def test_unknown_page_is_a_french_404(client):
    response = client.get("/pas/de/page")
    assert (response.status_code, response.content_type) == (404, "text/html; charset=utf-8")
    page = Outline(response.get_data(as_text=True))
    assert page.headings == [(1, "Page introuvable")] and page.html_lang == "fr"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/releases/inconnu").status_code == 404


def test_pages_revalidate_with_etags(client):
    first = client.get(f"/releases/{SEED_ID}")
    again = client.get(f"/releases/{SEED_ID}", headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_contrast_at_least_4_5_to_1():
    css = STYLE.read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    assert {"fg", "muted", "accent", "bg", "mark"} <= set(colours)
    ratios = {name: round(contrast(colours[name], colours["bg"]), 1) for name in ("fg", "muted", "accent")}
    ratios["mark"] = round(contrast(colours["fg"], colours["mark"]), 1)
    assert all(r >= 4.5 for r in ratios.values()), ratios
    assert "@media print" in css


def _newest_first(db, text: str) -> list[str]:
    """Every public release matching ``text``, newest first (publication date, then rowid), by plain SQL."""
    return [r[0] for r in db.conn.execute(
        "SELECT r.id FROM releases r WHERE r.status = 'published' AND r.rowid IN "
        "(SELECT rowid FROM releases_fts WHERE releases_fts MATCH ?) ORDER BY r.published DESC, r.rowid DESC",
        (store.fts_expression(text),))]


def test_search_past_the_ranked_bound_is_newest_first_and_counted_up_to_a_limit(built_db, monkeypatch):
    db = store.connect(built_db, create=False)
    expected = _newest_first(db, "les")
    assert len(expected) > 6
    monkeypatch.setattr(store.fulltext, "RANKED_MATCHES", 2)
    monkeypatch.setattr(store.fulltext, "SEARCH_COUNT_LIMIT", len(expected) - 1)
    pages_of_three = [store.search_page(db, "LES", limit=3, offset=o) for o in range(0, len(expected), 3)]
    assert [r.id for p in pages_of_three for r, _ in p.results] == expected[:len(expected) - 1]
    assert {(p.total, p.exact, p.ranked) for p in pages_of_three} == {(len(expected) - 1, False, False)}
    assert all(snippet and "\x02" in snippet for p in pages_of_three for _, snippet in p.results)
    monkeypatch.setattr(store.fulltext, "SEARCH_COUNT_LIMIT", len(expected))
    exact = store.search_page(db, "les", limit=100)
    assert (exact.total, exact.exact, exact.ranked) == (len(expected), True, False)
    assert [r.id for r, _ in exact.results] == expected


def set_search_limits(monkeypatch, ranked: int, counted: int) -> None:
    """The search's limits where the search reads them (store.fulltext) and where the page reads the bound it
    names (store.RANKED_MATCHES)."""
    for module in (store, store.fulltext):
        monkeypatch.setattr(module, "RANKED_MATCHES", ranked)
        monkeypatch.setattr(module, "SEARCH_COUNT_LIMIT", counted)


def test_search_page_says_when_results_are_newest_first_and_not_all_counted(client, built_db, monkeypatch):
    total = len(_newest_first(store.connect(built_db, create=False), "les"))
    set_search_limits(monkeypatch, ranked=2, counted=total - 1)
    response, page = get(client, "/search?q=les")
    html = response.get_data(as_text=True)
    assert (2, f"Plus de {total - 1} résultats") in page.headings
    assert "Classés du plus récent au plus ancien : au-delà de 2 communiqués trouvés" in html
    set_search_limits(monkeypatch, ranked=5000, counted=10_000)
    response, page = get(client, "/search?q=les")
    assert (2, f"{total} résultats") in page.headings
    assert "Classés par pertinence." in response.get_data(as_text=True)


@pytest.mark.parametrize("ranked_max", [5000, 0])
def test_search_leaves_withdrawn_releases_out(db_path, ranked_max, monkeypatch):
    db = store.connect(db_path)
    before = _newest_first(db, "mooc")
    assert SEED_ID in before
    store.withdraw(db, SEED_ID, "erreur", datetime.now().astimezone())
    monkeypatch.setattr(store.fulltext, "RANKED_MATCHES", ranked_max)
    results, total = store.search(db, "mooc", limit=100)
    assert SEED_ID not in {r.id for r, _ in results}
    assert total == len(before) - 1 == len(results)
