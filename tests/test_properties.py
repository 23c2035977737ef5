"""Property-based tests: normalisers never crash and keep their invariants; any text in any field still
gives valid feeds and a well-formed page."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
from conftest import synthetic_corpus
from flask import url_for
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from feeds import store
from feeds.config import Site
from feeds.ingest import IngestError, parse_bytes
from feeds.ingest import normalise as n
from feeds.model import Contact, Quote, Release, Source
from feeds.web import create_app, release_link

PARIS = ZoneInfo("Europe/Paris")
# Any Unicode, surrogates and controls included: what a broken converter may hand us.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(ANY_TEXT | st.lists(st.sampled_from(["<b>", "</b>", "<script>", "x", "&amp;", "<!--", "-->", "<a href='/'>",
                                            " < ", "\x07", "\n"]), max_size=12).map("".join))
@example("<b>gras</b> &amp; <script>alert(1)</script>")
@example("a < b > c")
def test_clean_text_is_one_clean_line_and_idempotent(value):
    cleaned = n.clean_text(value)
    assert not XML_ILLEGAL.search(cleaned)
    assert "\n" not in cleaned and cleaned == cleaned.strip()
    assert not re.search(r"<[a-zA-Z!/][^<>]*>", cleaned)  # no whole tag survives
    assert n.clean_text(cleaned) == cleaned


@SETTINGS
@given(ANY_TEXT)
def test_sanitized_html_has_no_active_content(value):
    html = n.sanitize_html(value + "<script>x</script><img src=x onerror=y><a href='javascript:z'>l</a>")
    lowered = html.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "javascript:" not in lowered
    assert not XML_ILLEGAL.search(html)


def test_fold_spaces_class_is_every_space_but_the_space():
    # Written out because it scans three times faster than [^\S ]: it must be the same set.
    every_character = "".join(map(chr, range(0x110000)))
    assert re.findall(f"[{n._SPACES_BUT_SPACE}]", every_character) == re.findall(r"[^\S ]", every_character)


@SETTINGS
@given(st.text(st.sampled_from("diDIcheCHEıİ  \t\n\xa05x"), max_size=30) | ANY_TEXT)
@example("lundi 5")
@example("DİMANCHE 1")
def test_weekday_prefilter_finds_what_the_pattern_finds(text):
    assert n._names_a_weekday(text) == bool(n._WEEKDAY_BEFORE_NUMBER.search(text))


@SETTINGS
@given(ANY_TEXT | st.text(st.sampled_from("ab \xa0\t\n"), max_size=12))
def test_spaces_are_folded_wherever_folding_changes_something(text):
    # clean_text and summarise skip the folding of a printable text without two spaces in a row.
    if text.isprintable() and "  " not in text:
        assert n._FOLD_SPACES.sub(" ", text) == text == re.sub(r"\s+", " ", text)


# Lines of press releases, of Markdown's corners and of hostile senders.
MARKDOWN_LINES = [
    "Texte simple", "« guillemets » et \"doubles\"", "", "   ", "\t", " ", "- item", "* item", "+ item", "1. un", "2) deux",
    "10. dix", "# Titre", "## Sous-titre", "> citation", ">", "> > double", "    code indenté", "\tcode", "  - sous-item",
    "   suite", "===", "---", "***", "___", "| a | b |", "|---|---|", "a | b", "**gras**", "*ita*", "_x_", "`code`",
    "[lien](https://x.fr)", "<https://x.fr>", "&amp;", "\u00a0insécable", "fin  ", "ligne\\", "<div>", "</div>",
    "<!-- c -->", "<pre>", "```", "~~~", "[^1]", "[^1]: note", "^[inline]", "[ref]: https://x.fr", "[ref]", "[x][]",
    "a\u2028b", "Titre\u00a0", "x\u2003", "\u3000全角", "a\tb", "https://exemple.fr/page", "mail@exemple.fr",
    "Contact : M. Dupont, 05 61 33 53 39", "x^{er} siècle", "{: .classe}", "\\", "\\`", "a\\*b", "\0", "\r",
    "  1. nested", "    - deeper", "-   pandoc", "    -   sous", "> - in quote", "> 1. x", "- ", "-", "1.", "Suite\n===",
    "**gras *et ita***", "***tout***", "*a **b** c*", "x**y**z", "_a_b", "**", "[a *b*](https://y.fr \"t\")",
    "![img](https://x.fr/i.png)", "![a](data:text/html,x)", "[l](javascript:alert(1))", "a <javascript:alert(1)> b",
    "voir [ici](/page) et", "[l](mailto:a@b.fr)", "<mail@x.fr>", "texte <b>gras</b> fin", "<script>x</script>",
    "x <!-- c --> y", "&eacute;", "&#233;", "&#0;", "&#xD800;", "&bogus;", "a\x0cb", "« texte »", "50\u00a0%",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_LINES), max_size=16), st.sampled_from(["\n", "\r\n", "\n\n"]),
       st.sampled_from(["", " ", "  ", "\u00a0", "\t"]))
@example(["- " * 12 + "x"], "\n", "")  # deeper than markdown-it nests
@example(["> > double", "Setext", "    - deeper"], "\n", "")  # a quote's lazy continuation
@example(["- ", "   ", "-"], "\n\n", "")  # empty items apart: one list or two
@example(["Titre\u00a0"], "\n", " ")  # white space that is not a space, at a line end
def test_markdown_renders_as_markdown_it(lines, end, trailing):
    """markdown-it with footnotes and tables defines the document (line ends and NUL read as it reads them),
    whichever engine renders it: the same once sanitised, as every body is."""
    text = end.join(line + trailing for line in lines)
    reference = MarkdownIt("commonmark", {"linkify": False, "typographer": False}).enable("table").use(footnote_plugin)
    expected = text
    for _, pattern, replacement in n._PANDOC_KRAMDOWN:
        expected = pattern.sub(replacement, expected)
    got = n.markdown_to_html(text)
    assert n.sanitize_html(got) == n.sanitize_html(reference.render(expected))
    assert n.clean_text(got) == n.clean_text(reference.render(expected))


@settings(max_examples=300, deadline=None)
@given(st.text("*_ a\n", max_size=40))
@example("**a __b** c__ **d**")
def test_bold_without_underscores_is_stripped_as_the_pattern_strips_it(text):
    """strip_inline_markdown's pattern for bold in stars only removes what the pattern for both marks removes."""
    expected = n._STRONG.sub(r"\2", text)
    if "__" not in text:
        assert n._STRONG_STARS.sub(r"\1", text) == expected


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["0", "+33", "+33 ", "+33.", "+33-", "+330", "0033", "+32 ", ""]),
       st.text("0123456789", min_size=1, max_size=2),
       st.lists(st.tuples(st.sampled_from(["", " ", ".", "-", "  ", "/", "\u00a0"]),
                          st.one_of(st.text("0123456789", min_size=2, max_size=2),  # the shape of the shortcut
                                    st.text("0123456789", min_size=1, max_size=3))), max_size=6),
       st.sampled_from(["FR", "BE"]))
@example("0", "5", [(" ", "61"), (" ", "33"), (" ", "53"), (" ", "39")], "FR")
@example("+33 ", "4", [(" ", "67"), (" ", "22"), (" ", "81"), (" ", "81")], "FR")
@example("0", "8", [(".", "99"), (".", "00"), (".", "00"), (".", "00")], "FR")  # a premium-rate number, not valid
def test_written_french_numbers_read_as_phonenumbers_reads(prefix, first, groups, region):
    """The shortcut for numbers written the French way gives what phonenumbers gives, valid or not."""
    import phonenumbers

    raw = prefix + first + "".join(sep + digits for sep, digits in groups)
    try:
        number = phonenumbers.parse(raw, region)
        expected = (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                    if phonenumbers.is_valid_number(number) else None)
    except phonenumbers.NumberParseException:
        expected = None
    assert n.phone_e164.__wrapped__(raw, region) == expected


HTML_PIECES = ['<a href="https://x.fr/a>b" title="t>u">lien <em>x</em></a>', '<p title="a">x</p>', "<h1>t</h1>",
               "<table><tr><td>a</td></tr></table>", '<img src="https://x.fr/i.png" alt="a>b">', "a &amp; b &lt;c&gt;",
               "<b>x</b><br>y", '<a href="/rel">r</a>', "<dl><dt>a</dt><dd>b</dd></dl>", "x\u200by", "<li>seul</li>",
               '<a href="https://x.fr/?a=1&amp;b=2">&lt;a&gt;</a>', "<ul><li><p>a</p><ul><li>b</li></ul></li></ul>",
               "<pre>", "</pre>", "<p>", "</p>", "<em>", "</em>", "<ul>", "</ul>", "<blockquote>", "<li>", "<h2>", "<a>"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_LINES + HTML_PIECES), max_size=12), st.booleans())
@example(['Voir <a href="https://x.fr/a>b">le <em>site</em></a> &amp; <https://y.fr>.', "- un", "- deux"], True)
@example(["Texte simple", "<pre>", "<li>seul</li>"], False)  # lxml closes the <pre> that HTML5 keeps open
def test_sanitised_bodies_read_as_lxml_reads_them(lines, as_markdown):
    """The text and links of a body read from nh3's tags are lxml's, or lxml reads them."""
    text = "\n".join(lines)
    body = n.sanitize_html(n.markdown_to_html(text) if as_markdown else text)
    fast = n._sanitised_text_and_links(body)
    assert fast is None or fast == n._lxml_text_and_links(body)


def test_generated_releases_take_the_fast_paths(tmp_path, monkeypatch):
    """The faster ways are not dead code: ordinary releases hold nothing that needs markdown-it, and their
    bodies are read without lxml."""
    calls = {"pulldown": 0, "markdown-it": 0}

    def counted(name, render):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return render(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(n.pyromark, "html", counted("pulldown", n.pyromark.html))
    for parser in (n._md, n._md_plain):
        monkeypatch.setattr(parser, "render", counted("markdown-it", parser.render))
    files = sorted(p for p in synthetic_corpus(tmp_path, 40, seed=3).rglob("*") if p.is_file())
    releases = [r for p in files for r in parse_bytes(p.read_bytes(), p.name)]
    assert len(releases) == 40 and calls["pulldown"] >= 40 and calls["markdown-it"] == 0
    assert all(n._sanitised_text_and_links(r.body_html) == (r.body_text, r.links) for r in releases)


@SETTINGS
@given(ANY_TEXT | st.text(st.sampled_from("abeélsÿ÷' -\n’İœÀ?"), max_size=30))
def test_words_are_the_runs_of_word_letters(text):
    assert [w.decode("latin-1") for w in n.words_of(text)] == re.findall(r"[a-zà-ÿ']+", text)


@SETTINGS
@given(st.text(st.sampled_from("aZ09._~-/ é%?#"), min_size=1, max_size=20)
       | st.text(st.characters(codec="utf-8"), min_size=1))  # what SQLite can hold: no lone surrogate
def test_release_links_are_the_routes_urls(release_id):
    app = create_app({"DATABASE": ":memory:", "SITE": Site(base_url="http://press.test")})
    with app.test_request_context():
        assert release_link(absolute=False)(release_id) == url_for("pages.release", release_id=release_id)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.md", "x.html", "x.json", "x.xml", "x.pdf", "x.docx"]))
def test_any_bytes_give_releases_or_a_reason(data, name):
    try:
        releases = parse_bytes(data, name)
    except IngestError as exc:
        assert str(exc).strip()
        return
    for release in releases:
        assert release.title and release.id
        assert release.published is None or release.published.tzinfo is not None
        assert not XML_ILLEGAL.search(release.to_json())
        assert json.loads(release.to_json()) == release.to_dict()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([
    "Communiqué de presse", "DOSSIER DE PRESSE", "Toulouse, le 1^{er} février 2019", "Le 14/03/2019",
    "SOUS EMBARGO JUSQU'AU 15 MARS 2019, 6H00", "**Titre en gras**", "« Une citation longue de plus de six mots "
    "prononcée ici », a déclaré Carole Delga, présidente.", "Contact presse :", "Marie Curie : m@r.fr - Tél. : "
    "05 61 33 53 39", "- point de liste", "## Intertitre", "Texte [^1] avec note.\n\n[^1]: La note.",
    "<https://example.org>", "le jeudi 12 avril 2018 à 10h30", "30 février 2019", "mardi 3 mars"]),
    min_size=1, max_size=12))
def test_press_release_text_in_any_order(paragraphs):
    data = "\n\n".join(paragraphs).encode()
    try:
        (release,) = parse_bytes(data, "x.txt")
    except IngestError as exc:
        assert str(exc).strip()
        return
    for contact in release.contacts:
        assert all(re.fullmatch(r"\+\d{8,15}", p) for p in contact.phones)
    assert "**" not in release.title and "^{" not in release.title


_counter = itertools.count()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(title=ANY_TEXT, standfirst=ANY_TEXT, speaker=ANY_TEXT, place=ANY_TEXT, topic=ANY_TEXT, contact=ANY_TEXT)
def test_any_text_in_any_field_gives_valid_feeds_and_page(tmp_path, title, standfirst, speaker, place, topic, contact):
    """Records straight into the store (bypassing ingestion's cleaning): outputs must hold on their own."""
    db_path = tmp_path / f"p{next(_counter)}.db"
    release = Release(
        id="propriete", title=title or "x", published=datetime(2020, 1, 2, tzinfo=PARIS),
        source=Source("x.txt", "0" * 64, "text"), publisher="Éditeur", standfirst=standfirst, place=place,
        body_html=f"<p>{standfirst}</p>", body_text=standfirst, topics=[topic] if topic.strip() else [],
        quotes=[Quote(text="Citation", speaker=speaker or None)], contacts=[Contact(name=contact, email="a@b.fr")],
    )
    store.upsert(store.connect(db_path), release, datetime.now(PARIS) - timedelta(seconds=1))
    app = create_app({"DATABASE": str(db_path), "SITE": Site(base_url="http://press.test"), "TESTING": True})
    client = app.test_client()
    for path in ("/feed.atom", "/feed.rss"):
        body = client.get(path).get_data()
        etree.fromstring(body)  # well-formed XML
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 1
    page = client.get("/releases/propriete")
    assert page.status_code == 200
    doc = lxml_html.document_fromstring(page.get_data())
    assert len(doc.xpath("//h1")) == 1
    assert not doc.xpath("//script[not(@type='application/ld+json')]")
