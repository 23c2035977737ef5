import csv
import importlib.util
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.ingest import Context, detect, parse_bytes
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
