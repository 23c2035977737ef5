import csv
import importlib.util
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.ingest import Context, IngestError, detect, parse_bytes
from feeds.model import Attachment, Contact, Quote, Warning

CORPUS = Path(__file__).resolve().parent / "corpus"
MN_AG = CORPUS / "mn-ag"
CTX = Context(publisher="Minnesota Attorney General", publisher_url="https://www.ag.state.mn.us",
              timezone=ZoneInfo("America/Chicago"), language="en")
with (MN_AG / "labels.csv").open(encoding="utf-8") as fh:
    LABELS = list(csv.DictReader(fh))

_spec = importlib.util.spec_from_file_location("accuracy", Path(__file__).resolve().parents[1] / "scripts" / "accuracy.py")
accuracy = sys.modules.setdefault("accuracy", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(accuracy)


def page(name: str):
    data = (MN_AG / name).read_bytes()
    assert detect(data, name) == "html"
    [release] = parse_bytes(data, name, CTX)
    return release


@pytest.mark.parametrize("row", LABELS, ids=[r["file"] for r in LABELS])
def test_headline_and_date_match_labels(row):
    release = page(row["file"])
    assert accuracy.reader_form(release.title) == accuracy.reader_form(row["Headline"])
    day, month, year = row["Date"].split("-")
    assert release.published.strftime("%-d-%b-%y") == f"{int(day)}-{month}-{year}"
    assert release.language == "en"
    assert release.source.format == "html"
    # Site chrome never reaches the body.
    for chrome in ("Skip to Main Content", "File a Complaint", "siteimprove", "Press Release\n", "equal opportunity"):
        assert chrome not in release.body_text
    assert "<script" not in release.body_html and "<nav" not in release.body_html
    assert "â€" not in release.title + release.body_text and "Â" not in release.body_text


def test_purdue_page_whole_record():
    r = page("_Office_Communications_2019_10_04_PurduePharma.html")
    assert r.id == "office-communications-2019-10-04-purduepharma-4152aa48"
    assert r.title == ("Attorney General Ellison asks court to deny Purdue’s and Sacklers’ move to avoid "
                       "accountability for death and destruction")
    assert r.published.isoformat() == "2019-10-04T00:00:00-05:00"
    assert r.place == "Saint Paul"
    assert r.publisher == "Minnesota Attorney General"
    assert r.standfirst == ("Joins 24 other AGs in bankruptcy-court filing against Purdue’s motion to halt lawsuit; "
                            "Ellison’s office plays leading role in drafting oppositions")
    assert r.body_text.startswith("Minnesota Attorney General Keith Ellison today joined 24 other attorneys general")
    assert r.quotes == [Quote(
        text="Purdue says it would be costly and inconvenient for them and the Sacklers to continue to face litigation "
             "during the bankruptcy proceedings. What’s really costly and far more than inconvenient is the death and "
             "destruction that Purdue and the Sacklers are responsible for in creating the opioid crisis we face. I am "
             "fighting every step of the way to hold them accountable for it. They’re sparing no effort in hiding "
             "themselves and their billions from accountability. Not on my watch.",
        speaker="Ellison", role="Attorney General")]
    # A relative link of the page is resolved against the page's URL.
    assert r.attachments == [Attachment(
        url="https://www.ag.state.mn.us/Office/Communications/2019/10/04_Purdue_PreliminaryInjunction.pdf",
        type="application/pdf",
        title="Minnesota’s and the other states’ opposition to Purdue’s motion for a preliminary injunction of the "
              "states’ law-enforcement actions against Purdue and the Sacklers are attached.")]
    assert r.topics == ["Attorney General", "Minnesota", "Keith Ellison", "Press Release", "Purdue Pharma", "Sackler",
                        "Bankruptcy", "Opioid", "Crisis"]
    assert r.contacts == [] and r.warnings == []


def test_metadata_date_disagreeing_with_dateline_keeps_dateline_and_warns():
    r = page("_Office_Communications_2022_08_04_DontSayGayLaw.html")
    assert r.published.isoformat() == "2022-08-04T00:00:00-05:00"
    assert r.warnings == [Warning("date_conflict", "date de la ligne de date 2022-08-04, date de l'adresse de la page "
                                                   "2022-08-03 ; la première est retenue")]


def test_page_without_dateline_takes_the_date_of_its_metadata():
    r = page("_Office_Communications_2020_12_31_EO_Enforcement_Update.html")
    assert (r.published.isoformat(), r.place, r.warnings) == ("2020-12-31T00:00:00-06:00", None, [])
    assert r.quotes == []  # statutes quoted mid-sentence are citations, not quotes


def test_statement_over_several_paragraphs_is_one_quote_of_the_announced_speaker():
    r = page("_Office_Communications_2019_01_21_MLKStatement.html")
    assert [(q.speaker, q.role, q.text[:40], q.text[-40:]) for q in r.quotes] == [
        ("Keith Ellison", "Attorney General", "On this day of remembrance and recommitm",
         " where everyone is in and no one is out.")]
    assert r.body_text.startswith("Attorney General Keith Ellison issued the following statement")


def test_several_speakers():
    r = page("_Office_Communications_2022_03_08_WESTF.html")
    assert [(q.speaker, q.role) for q in r.quotes] == [
        ("Ellison", "Attorney General"),
        ("Ellison", "Attorney General"),
        ("Peggy Flanagan", "Lieutenant Governor"),
        ("Erin Maye Quade", "Task Force co-chair"),
        ("Ellison", "Attorney General"),
        ("Bethany Winkels", "Task Force Member, Executive Director of the Minnesota AFL-CIO"),
    ]


PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>News | Example State</title>
<meta property="og:url" content="https://example.gov/news/2024/03/05/park.html">
<script>var tracker = 1;</script></head><body>
<header><h1>Example State Parks Department</h1><nav><a href="/">Home</a></nav></header>
<main><article><h1>State opens new park on the river</h1>
<p class="subhead">Forty acres of wetland open to visitors</p>
<p>March 5, 2024 (RIVERTON) — The state opened a new park today. <a href="/docs/map.pdf">Map of the park</a>.</p>
<p>“This park belongs to every family in the state, and we want them to enjoy it,” said Director Jane Roe.</p>
<p>Media contact:<br>Sam Poe<br>sam.poe@example.gov<br>(651) 296-3353</p>
</article></main><footer>© Example State</footer></body></html>"""


def test_generic_page_site_h1_dateline_contact_block():
    [r] = parse_bytes(PAGE.encode(), "park.html", Context(publisher="Example State"))
    assert r.title == "State opens new park on the river"
    assert (r.published.date().isoformat(), r.place, r.standfirst) == (
        "2024-03-05", "Riverton", "Forty acres of wetland open to visitors")
    assert r.body_html == (
        '<p>The state opened a new park today. <a href="https://example.gov/docs/map.pdf" '
        'rel="noopener noreferrer">Map of the park</a>.</p><p>“This park belongs to every family in the state, and we '
        'want them to enjoy it,” said Director Jane Roe.</p>')
    assert r.quotes == [Quote("This park belongs to every family in the state, and we want them to enjoy it.",
                              "Jane Roe", "Director")]
    assert r.contacts == [Contact(name="Sam Poe", email="sam.poe@example.gov", phones=["+16512963353"])]
    assert r.attachments == [Attachment(url="https://example.gov/docs/map.pdf", type="application/pdf",
                                        title="Map of the park")]
    assert r.warnings == []


# ---------------------------------------------------------------- pages of other bodies (corpus/web-dev)

WEB_DEV = CORPUS / "web-dev"


@pytest.mark.parametrize(("name", "title", "published", "language", "warnings", "body_start"), [
    ("en-europarl-2020-12-17-eu-uk-contingency.html",
     "EU-UK relations: parliament adopts temporary contingency measures", "2020-12-18T17:10:00+01:00", "en", [],
     "On Friday, Parliament adopted measures to ensure basic road and air connections"),
    ("en-europarl-2025-02-13-georgia.html", "MEPs: Georgia’s self-proclaimed authorities have no legitimacy",
     "2025-02-13T12:47:00+01:00", "en", [], "- Parliament recognises Salome Zourabichvili as Georgia’s legitimate"),
    # <title>BMJV | …</title>, an h1 « Bundesministerium der Justiz und für Verbraucherschutz » for screen readers,
    # the headline's h1 opening with a category span « Thema Verbraucherschutz »; no date anywhere on the page.
    ("de-bmjv-transparenz-preisanpassungen.html", "Mehr Transparenz bei Preisanpassungen", None, "de", ["no_date"],
     "Ob Energie, Finanzen oder Telekommunikation: überall finden sich Preisanpassungsklauseln."),
    # The navigation's h1s (« Rathaus », « Leben in Stuttgart »…) are not the page's headline.
    ("de-stuttgart-bohnenviertel.html", "Bohnenviertel", "2019-05-08T00:00:00+02:00", "de", [],
     "Das Bohnenviertel entstand als erstes Wohnquartier im 15. Jahrhundert"),
    ("de-blpb-homo-brandenburgensis.html", "Homo Brandenburgensis", None, "de", ["no_date"],
     "Sich kurz zu fassen, ist ein wesentliches Prinzip eines brandenburgischen Gesprächs."),
])
def test_pages_of_other_bodies(name, title, published, language, warnings, body_start):
    [r] = parse_bytes((WEB_DEV / name).read_bytes(), name, Context(publisher="Body"))
    assert (r.title, r.published and r.published.isoformat(), r.language, r.kind, [w.code for w in r.warnings]) == (
        title, published, language, "communique", warnings)
    assert r.body_text.startswith(body_start)
    assert r.place is None and r.source.format == "html"


def test_european_parliament_press_release_whole_record():
    name = "en-europarl-2020-12-17-eu-uk-contingency.html"
    [r] = parse_bytes((WEB_DEV / name).read_bytes(), name, Context(publisher="European Parliament"))
    assert r.id == "en-europarl-2020-12-17-eu-uk-contingency-0d17d26f"
    # <title> and og:title end with « | News | European Parliament »: the h1 is taken, never the site's name.
    assert r.title == "EU-UK relations: parliament adopts temporary contingency measures"
    # The labels between the headline and the text (« Press Releases », « Plenary session », « TRAN », the time
    # stamp) are not the release's text; the date is the article's <time datetime>.
    assert r.published.isoformat() == "2020-12-18T17:10:00+01:00"
    assert (r.updated, r.place, r.standfirst, r.publisher, r.topics) == (
        None, None, None, "European Parliament", [])
    assert r.body_text.startswith("On Friday, Parliament adopted measures to ensure basic road and air connections "
                                  "in case no agreement is reached on EU-UK future relations.")
    assert "Press Releases" not in r.body_text and "18-12-2020" not in r.body_text
    assert (r.quotes, r.contacts, r.warnings) == ([], [], [])


# ---------------------------------------------------------------- made-up pages: site names, dates, languages

BKA_PAGE = """<!DOCTYPE html><html lang="de"><head>
<title>Bundeskriminalamt (BKA) - Pressemitteilung: Festnahme nach Cyberangriff auf Kliniken</title>
<meta name="application-name" content="BKA"></head><body>
<div class="header"><h1><a href="/"><img src="/logo.svg" alt="Bundeskriminalamt (BKA)"></a></h1></div>
<div id="content"><p class="kicker">Pressemitteilung</p><h2>Festnahme nach Cyberangriff auf Kliniken</h2>
<p>Wiesbaden, 26. Januar 2022 – Ermittler des Bundeskriminalamts haben am Dienstag einen Tatverdächtigen \
festgenommen, der für Angriffe auf die Netze mehrerer Kliniken verantwortlich sein soll.</p>
<p>Die Ermittlungen dauern an.</p></div><footer>© Bundeskriminalamt</footer></body></html>"""

MINISTRY_PAGE = """<!DOCTYPE html><html><head>
<title>Firmato il protocollo per la scuola digitale | Ministro per l'innovazione tecnologica e la digitalizzazione</title>
<meta property="og:site_name" content="Ministro per l'innovazione tecnologica e la digitalizzazione">
<meta property="og:locale" content="it_IT">
<meta property="article:published_time" content="2020-01-21T10:00:00+01:00"></head><body>
<div class="site-header"><h1>Ministro per l'innovazione tecnologica e la digitalizzazione</h1></div>
<main><article><h2>Firmato il protocollo per la scuola digitale</h2>
<p>Roma, 20 gennaio 2020 - La Ministra ha firmato oggi un protocollo d'intesa con le regioni per portare la banda
ultralarga in tutte le scuole entro il 2022.</p><p>Il testo del protocollo è disponibile sul sito.</p>
</article></main></body></html>"""

PREFECTURE_PAGE = """<!DOCTYPE html><html><head><title>Accueil - Préfecture du Nord</title>
<meta property="og:title" content="Ouverture du centre de vaccination de Lille - Préfecture du Nord">
<meta property="og:site_name" content="Préfecture du Nord"><meta name="DC.date" content="2021-03-03">
<meta property="article:modified_time" content="2021-03-05T08:00:00+01:00"></head><body><main>
<h1>Préfecture du Nord</h1><p>Lille, le 3 mars 2021 — Le préfet du Nord a ouvert aujourd'hui le centre de
vaccination du Grand Palais, qui accueillera jusqu'à 2 000 personnes par jour.</p></main></body></html>"""


def made_up(tmp_path, name: str, page: str):
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    [r] = parse_bytes(path.read_bytes(), path.name, Context(publisher="Body"))
    return r


def test_site_name_prefix_and_logo_h1_are_not_the_headline(tmp_path):
    r = made_up(tmp_path, "bka.html", BKA_PAGE)
    assert (r.title, r.published.isoformat(), r.place, r.language, r.warnings) == (
        "Festnahme nach Cyberangriff auf Kliniken", "2022-01-26T00:00:00+01:00", "Wiesbaden", "de", [])
    assert r.body_text == ("Ermittler des Bundeskriminalamts haben am Dienstag einen Tatverdächtigen festgenommen, "
                           "der für Angriffe auf die Netze mehrerer Kliniken verantwortlich sein soll.\n\n"
                           "Die Ermittlungen dauern an.")


def test_ministry_name_h1_is_dropped_and_the_visible_dateline_beats_the_meta_date(tmp_path):
    r = made_up(tmp_path, "mit.html", MINISTRY_PAGE)
    assert (r.title, r.published.isoformat(), r.place, r.language) == (
        "Firmato il protocollo per la scuola digitale", "2020-01-20T00:00:00+01:00", "Roma", "it")
    assert r.warnings == [Warning("date_conflict", "date de la ligne de date 2020-01-20, date des métadonnées "
                                                   "2020-01-21 ; la première est retenue")]
    assert r.body_text.startswith("La Ministra ha firmato oggi") and "Ministro per" not in r.body_text


def test_og_title_without_the_site_name_when_the_only_h1_is_the_site(tmp_path):
    r = made_up(tmp_path, "nord.html", PREFECTURE_PAGE)
    assert (r.title, r.published.isoformat(), r.updated.isoformat(), r.place, r.language, r.warnings) == (
        "Ouverture du centre de vaccination de Lille", "2021-03-03T00:00:00+01:00", "2021-03-05T08:00:00+01:00",
        "Lille", "fr", [])
    assert r.publisher == "Préfecture du Nord"
    assert r.body_text.startswith("Le préfet du Nord a ouvert aujourd'hui")


def test_a_page_naming_only_its_site_is_refused(tmp_path):
    page = ("<!DOCTYPE html><html><head><title>Préfecture du Nord</title><meta property='og:site_name' "
            "content='Préfecture du Nord'></head><body><h1>Préfecture du Nord</h1></body></html>")
    with pytest.raises(IngestError, match="^aucun titre trouvé dans la page HTML$"):
        made_up(tmp_path, "vide.html", page)


def test_page_without_dateline_takes_time_element_then_json_ld(tmp_path):
    timed = ("<!DOCTYPE html><html lang='nl'><head><title>Nieuw fietspad geopend | Gemeente Utrecht</title>"
             "<script type='application/ld+json'>{\"@graph\": [{\"@type\": \"NewsArticle\", \"datePublished\": "
             "\"2024-03-11\"}]}</script></head><body><article><h1>Nieuw fietspad geopend</h1>"
             "<time datetime='2024-03-12T09:30:00+01:00'>12 maart 2024</time><p>Het college heeft vandaag het nieuwe "
             "fietspad langs de Vecht geopend, na twee jaar werk aan de oevers.</p></article></body></html>")
    r = made_up(tmp_path, "fiets.html", timed)
    assert (r.title, r.published.isoformat(), r.language, r.warnings) == (
        "Nieuw fietspad geopend", "2024-03-12T09:30:00+01:00", "nl", [])
    r = made_up(tmp_path, "fiets2.html", timed.replace("<time datetime='2024-03-12T09:30:00+01:00'>12 maart 2024"
                                                       "</time>", ""))
    assert (r.published.isoformat(), r.body_text[:23]) == ("2024-03-11T00:00:00+01:00", "Het college heeft vanda")


@pytest.mark.parametrize(("title", "meta", "expected"), [
    ("EP paves way | News | European Parliament", "", "EP paves way | News"),  # a bar: the last part is the site
    ("Festnahme in Berlin - Bundeskriminalamt (BKA)", '<meta name="application-name" content="BKA">',
     "Festnahme in Berlin"),
    ("BMJV | Transparenz bei Preisanpassungen", '<meta name="application-name" content="BMJV">',
     "Transparenz bei Preisanpassungen"),
    ("Stadt Köln :: Neue Brücke eröffnet", '<meta property="og:site_name" content="Stadt Köln">',
     "Neue Brücke eröffnet"),
    # A dash inside a headline stays when nothing names the site.
    ("Covid-19 - nuove misure per le scuole", "", "Covid-19 - nuove misure per le scuole"),
])
def test_site_name_removed_from_title(title, meta, expected):
    from lxml import html as lxml_html

    from feeds.ingest.webpage import page_facts

    root = lxml_html.document_fromstring(f"<html><head><title>{title}</title>{meta}</head><body></body></html>")
    assert page_facts(root, None).strip_site_name(title) == expected


def test_kind_from_the_label_above_the_headline(tmp_path):
    page = BKA_PAGE.replace('<p class="kicker">Pressemitteilung</p>',
                            '<p class="kicker">Einladung zur Pressekonferenz</p>')
    r = made_up(tmp_path, "einladung.html", page)
    assert (r.kind, r.title) == ("invitation", "Festnahme nach Cyberangriff auf Kliniken")
    assert not r.body_text.startswith("Einladung")


def test_contact_block_of_a_german_page(tmp_path):
    page = BKA_PAGE.replace("<p>Die Ermittlungen dauern an.</p>", (
        "<p>„Wir verfolgen Angriffe auf Kliniken mit allen Mitteln des Rechtsstaats“, sagte BKA-Präsident Holger "
        "Münch.</p><p>Pressestelle: pressestelle@bka.bund.de, Tel. 0611 55-13083</p>"))
    r = made_up(tmp_path, "zitat.html", page)
    assert [(c.email, c.phones) for c in r.contacts] == [("pressestelle@bka.bund.de", ["+496115513083"])]
    assert "pressestelle@" not in r.body_text


def test_weekday_of_a_dateline_that_does_not_match_its_date(tmp_path):
    # 26 January 2022 was a Wednesday, not a Tuesday.
    page = BKA_PAGE.replace("Wiesbaden, 26. Januar 2022 –", "Wiesbaden, Dienstag, 26. Januar 2022 –")
    r = made_up(tmp_path, "wochentag.html", page)
    assert (r.published.isoformat(), r.place) == ("2022-01-26T00:00:00+01:00", "Wiesbaden")
    assert r.warnings == [Warning("weekday_mismatch", "« Dienstag, 26. Januar 2022 » : le 2022-01-26 était un "
                                                      "mercredi, pas un mardi")]
