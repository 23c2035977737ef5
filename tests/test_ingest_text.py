"""The press-release text format: the seed, field by field, and variants of each rule."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import SEED

from feeds.ingest import Context, IngestError, parse_bytes
from feeds.ingest.text import parse

PARIS = ZoneInfo("Europe/Paris")
CTX = Context(publisher="Région Occitanie / Pyrénées-Méditerranée", now=datetime(2026, 11, 26, tzinfo=PARIS))

SEED_QUOTE = (
    "Cette distinction témoigne de l'effort engagé pour inventer et proposer un nouveau modèle de "
    "fonctionnement, un nouveau cadre de dialogue avec les citoyens et les territoires."
)


def test_seed_whole_record():
    release = parse(SEED.read_bytes(), SEED.name, CTX).to_dict()
    body_html, body_text = release.pop("body_html"), release.pop("body_text")
    quote_text = release["quotes"][0].pop("text")
    assert release == {
        "id": release["id"],
        "title": "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante",
        "published": "2018-01-25T00:00:00+01:00",
        "source": {"name": SEED.name, "sha256": release["source"]["sha256"], "format": "text"},
        "kind": "communique",
        "publisher": "Région Occitanie / Pyrénées-Méditerranée",
        "standfirst": "Ce mercredi 23 janvier, lors de l'événement « MOOC of the year » organisé par My Mooc, "
                      "plateforme de référencement de MOOC (massive open online course) évalués par les "
                      "internautes, la Région Occitanie / Pyrénées-Méditerranée s'est vue attribuer le prix coup "
                      "de cœur du jury, décerné par des professionnels",
        "updated": None,
        "place": "Toulouse",
        "language": "fr",
        "summary": release["summary"],
        "topics": [],
        "quotes": [{"speaker": "Carole Delga", "role": None}],
        "contacts": [
            {"name": "Frédéric Neuman", "role": None, "email": "frederic.neuman@laregion.fr",
             "phones": ["+33561335339", "+33619458818"]},
            {"name": None, "role": "Montpellier", "email": "presse-region@laregion.fr", "phones": []},
            {"name": None, "role": "Toulouse", "email": "service.presse@laregion.fr", "phones": []},
        ],
        "links": [
            {"url": "https://www.laregion.fr/Participez-a-Occitanie-2040",
             "text": "https://www.laregion.fr/Participez-a-Occitanie-2040"},
            {"url": "https://www.laregion.fr/-occitanie-2040-", "text": "https://www.laregion.fr/-occitanie-2040-"},
        ],
        "attachments": [],
        "status": "published",
        "embargo_until": None,
        "event_start": None,
        "warnings": [{"code": "weekday_mismatch",
                      "message": "« mercredi 23 janvier » : le 2018-01-23 était un mardi, pas un mercredi"}],
    }
    assert release["id"].startswith("occitanie-2018-01-25-prix-mooc-")
    assert len(release["source"]["sha256"]) == 64
    assert release["summary"].startswith("Ce mercredi 23 janvier") and release["summary"].endswith("…")
    assert quote_text.startswith(SEED_QUOTE)
    assert quote_text.endswith("dépend directement de sa compréhension et de son appropriation par les citoyens")
    # The body is clean HTML: emphasis kept as tags, autolinks as links, no Markdown or contact block left.
    assert body_html.startswith("<p>Dans le cadre de la démarche « Occitanie 2040 »")
    assert "<strong>Première collectivité française à concevoir un MOOC</strong>" in body_html
    assert '<a href="https://www.laregion.fr/Participez-a-Occitanie-2040" rel="noopener noreferrer">' in body_html
    assert "**" not in body_html and "Contact presse" not in body_html and "05 61" not in body_html
    assert body_text.startswith("Dans le cadre de la démarche")
    assert body_text.endswith("https://www.laregion.fr/-occitanie-2040-")
    assert "<" not in body_text


def test_same_bytes_same_id_and_record():
    a = parse(SEED.read_bytes(), SEED.name, CTX)
    b = parse(SEED.read_bytes(), "elsewhere/" + SEED.name, CTX)
    assert a.id == b.id


def _doc(*paragraphs: str) -> bytes:
    return "\n\n".join(paragraphs).encode("utf-8")


@pytest.mark.parametrize(
    "header, dateline, kind, place, published",
    [
        ("COMMUNIQUÉ DE PRESSE", "Montpellier, le 1^{er} février 2019", "communique", "Montpellier",
         "2019-02-01T00:00:00+01:00"),
        ("Dossier de presse", "Toulouse, lundi 5 mars 2018", "dossier", "Toulouse", "2018-03-05T00:00:00+01:00"),
        ("**Invitation presse**", "Le 14/03/2019", "invitation", None, "2019-03-14T00:00:00+01:00"),
        ("Déclaration", "Perpignan, le 1er juillet 2020", "declaration", "Perpignan", "2020-07-01T00:00:00+02:00"),
    ],
)
def test_headers_and_datelines(header, dateline, kind, place, published):
    release = parse(_doc(header, dateline, "**Un titre en gras pour ce communiqué**",
                         "Un chapeau assez long pour être un vrai paragraphe de présentation du sujet traité.",
                         "Le corps du texte."), "x.txt", CTX)
    assert (release.kind, release.place, release.published.isoformat(), release.title) == (
        kind, place, published, "Un titre en gras pour ce communiqué")


def test_embargo_event_quotes_and_contacts():
    release = parse(_doc(
        "Invitation presse",
        "SOUS EMBARGO JUSQU'AU 15 MARS 2019, 6H00",
        "Montpellier, le 10 mars 2019",
        "Inauguration du nouveau lycée",
        "La présidente de Région inaugurera le lycée le jeudi 12 avril 2018 à 10h30, au 12 rue des Écoles.",
        "« Ce lycée est une fierté pour tout notre territoire et ses habitants », a souligné Jean Dupont, "
        "vice-président en charge de l'éducation.",
        "Contacts presse :\nMarie Curie, attachée de presse : marie.curie@region.fr - Tél. 05.61.33.50.50\n"
        "Service presse : +33 (0)4 67 22 81 81",
    ), "lycee.txt", CTX)
    assert release.embargo_until.isoformat() == "2019-03-15T06:00:00+01:00"
    assert release.event_start.isoformat() == "2018-04-12T10:30:00+02:00"
    assert [(q.speaker, q.role) for q in release.quotes] == [("Jean Dupont", "vice-président en charge de l'éducation")]
    assert [c.__dict__ for c in release.contacts] == [
        {"name": "Marie Curie", "role": "attachée de presse", "email": "marie.curie@region.fr",
         "phones": ["+33561335050"]},
        {"name": None, "role": "Service presse", "email": None, "phones": ["+33467228181"]},
    ]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "fichier vide"),
        (b"   \n\t\n", "fichier vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "fichier binaire"),
    ],
)
def test_rejected_with_reason(data, reason):
    with pytest.raises(IngestError, match=reason):
        parse_bytes(data, "bad.txt", CTX)


def test_impossible_date_is_rejected():
    with pytest.raises(IngestError, match="date impossible"):
        parse(_doc("Communiqué de presse", "Toulouse, le 30 février 2019", "Titre"), "x.txt", CTX)


def test_encodings_and_controls_are_repaired():
    text = "Communiqué de presse\n\nToulouse, le 2 mai 2019\n\nL'été \x00arrive\x07 en Région\n\nTexte."
    for data in (text.encode("cp1252"), text.encode("utf-16"), text.encode("utf-16-le"),
                 b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-8").decode("latin-1").encode("utf-8")):
        release = parse_bytes(data, "x.txt", CTX)[0]
        assert (release.title, release.published.isoformat()) == ("L'été arrive en Région",
                                                                  "2019-05-02T00:00:00+02:00")


def test_no_date_and_html_in_title():
    release = parse(_doc("Communiqué de presse", "<script>alert(1)</script>Titre <b>gras</b>",
                         "Texte <img src=x onerror=alert(1)>."), "x.txt", CTX)
    assert release.title == "Titre gras"
    assert release.published is None
    assert [w.code for w in release.warnings] == ["no_date"]
    assert "onerror" not in release.body_html and "<script" not in release.body_html
