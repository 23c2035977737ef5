"""Markdown and HTML to text and links (feeds.ingest.markup)."""

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds.ingest.markup import clean_text, html_to_text, markdown_to_html, strip_inline_markdown, text_and_links
from feeds.model import Link
from feeds.sanitize import sanitize_html

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
    cleaned = clean_text(value)
    assert not XML_ILLEGAL.search(cleaned)
    assert "\n" not in cleaned and cleaned == cleaned.strip()
    assert not re.search(r"<[a-zA-Z!/][^<>]*>", cleaned)  # no whole tag survives
    assert clean_text(cleaned) == cleaned


def test_clean_text_strips_markup_and_folds_spaces():
    assert clean_text("  <b>Titre</b> &amp; **gras** et *ita*\u00a0fin\n  x ") == "Titre & gras et ita fin x"
    assert clean_text(None) == ""
    assert clean_text(2019) == "2019"


def test_inline_markdown_is_stripped():
    assert strip_inline_markdown("x^{er} **a** __b__ *c* 2^e^ {: .c}") == "xer a b c 2e "
    assert strip_inline_markdown("5 * 3 * 2 et un_nom_de_fichier") == "5 * 3 * 2 et un_nom_de_fichier"


def test_markdown_with_pandoc_and_kramdown_marks():
    text = "Le 1^{er} **janvier**, voir [le site](https://x.fr/a).\n{: .classe}\n\n- un\n- deux\n\n\\\n\nFin[^1].\n\n[^1]: Note."
    assert markdown_to_html(text) == (
        '<p>Le 1<sup>er</sup> <strong>janvier</strong>, voir <a href="https://x.fr/a">le site</a>.</p>\n'
        "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n"
        '<p>Fin<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>.</p>\n'
        '<hr class="footnotes-sep" />\n<section class="footnotes">\n<ol class="footnotes-list">\n'
        '<li id="fn1" class="footnote-item"><p>Note. <a href="#fnref1" class="footnote-backref">↩︎</a></p>\n'
        "</li>\n</ol>\n</section>\n"
    )


def test_text_and_links_of_a_body():
    body = sanitize_html('<p>Voir <a href="https://x.fr/a">le <em>site</em></a> et <a href="/rel">ici</a>.</p>'
                         '<ul><li>un</li><li>deux <a href="https://x.fr/a">encore</a></li></ul>'
                         '<p>a&nbsp;&nbsp;b<br>c</p>')
    assert text_and_links(body) == ("Voir le site et ici.\n\n- un\n\n- deux encore\n\na b\n\nc",
                                    [Link(url="https://x.fr/a", text="le site")])
    assert text_and_links("  ") == ("", [])
    assert html_to_text("<p>a  b</p><script>x</script><ul><li>un</li></ul>c") == "a b\n\n- un\n\nc"


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_LINES), max_size=16), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_bodies_give_text_without_tags_and_distinct_web_links(lines, end):
    body = sanitize_html(markdown_to_html(end.join(lines)))
    text, links = text_and_links(body)
    assert not XML_ILLEGAL.search(text) and text == text.strip()
    assert all(link.url.startswith(("http://", "https://")) for link in links)
    assert len({link.url for link in links}) == len(links)
    assert text == html_to_text(body)
