import json
from pathlib import Path

import pytest

from feeds.ingest import Context, IngestError, detect, parse_bytes
from feeds.model import Attachment, Contact

SIG = Path(__file__).resolve().parent / "corpus" / "sig"
CTX = Context(publisher="Gouvernement")
UUID = "b8c9d0e1-f2a3-4b4c-5d6e-7f8a9b0c1d2e"


def parse(name: str):
    data = (SIG / name).read_bytes()
    assert detect(data, name) == "sig"
    return parse_bytes(data, name, CTX)


def test_valid_example_whole_record():
    [r] = parse("GouvernementFR-exemple-valide.json")
    assert r.to_dict() | {"source": None} == {
        "id": r.id,
        "title": "Le Gouvernement renforce la lutte contre le narcotrafic",
        "published": "2026-03-27T00:00:00+01:00",
        "source": None,
        "kind": "communique",
        "publisher": "Ministère de l'Intérieur ; Ministère de la Justice",
        "standfirst": None,
        "updated": None,
        "place": "Paris",
        "language": "fr",
        "body_html": "<p>Le ministre de l'Intérieur, M. Laurent NUÑEZ, et le ministre de la Justice annoncent la mise "
                     "en place d'un plan national de lutte contre le narcotrafic.</p>\n<h3>Trois axes prioritaires</h3>"
                     "\n<ul>\n<li>Renforcement des effectifs de police et de gendarmerie sur les points de passage "
                     "stratégiques</li>\n<li>Coopération internationale accrue avec les pays d'origine et de transit"
                     "</li>\n<li>Création d'une cellule interministérielle de coordination</li>\n</ul>",
        "body_text": r.body_text,
        "summary": r.summary,
        "topics": ["narcotrafic", "sécurité intérieure", "police nationale"],
        "quotes": [],
        "contacts": [
            {"name": "Sophie Martin", "role": "Cheffe du bureau de presse", "email": "sophie.martin@interieur.gouv.fr",
             "phones": ["+33149274927"]},
            {"name": "Service presse du Ministère de l'Intérieur", "role": None,
             "email": "service-presse@interieur.gouv.fr", "phones": ["+33142758000"]},
            {"name": "Service de presse", "role": None, "email": "presse@justice.gouv.fr", "phones": ["+33144776000"]},
        ],
        "links": [],
        "attachments": [
            {"url": "https://www.info.gouv.fr/upload/media/2026/03/communique-narcotrafic-2026-03-27.pdf",
             "type": "application/pdf", "length": 512000, "title": "Version PDF du communiqué"},
            {"url": "https://www.info.gouv.fr/upload/media/2026/03/plan-narcotrafic-2026.pdf",
             "type": "application/pdf", "length": 2048000,
             "title": "Plan national de lutte contre le narcotrafic - Mars 2026"},
        ],
        "status": "published",
        "embargo_until": None,
        "event_start": None,
        "warnings": [],
    }
    assert r.source.format == "sig"


def test_older_field_names():
    [r] = parse("GouvernementFR-tests-valid-minimal_piecesJointes.jsonl")
    assert (r.place, r.published.isoformat(), r.publisher) == (
        "Hôtel de Matignon", "2026-03-27T00:00:00+01:00", "Ministère de l'Intérieur")
    assert r.body_html.endswith("<p>Ce plan s'inscrit dans la continuité des engagements pris par le Gouvernement en "
                                "matière de sécurité intérieure.</p>")
    assert r.attachments[1] == Attachment(
        url="https://www.info.gouv.fr/upload/media/2026/03/plan-narcotrafic-2026.pdf", type="application/pdf",
        length=2048000, title="Plan national de lutte contre le narcotrafic - Mars 2026")


def test_json_lines_one_release_per_line():
    releases = parse("GouvernementFR-tests-valid-multilines.jsonl")
    assert [(r.title, r.kind, r.published.date().isoformat(), r.source.name) for r in releases] == [
        ("Le Gouvernement renforce la lutte contre le narcotrafic", "communique", "2026-03-27",
         "GouvernementFR-tests-valid-multilines.jsonl:1"),
        ("Dossier de presse - Réforme de la fonction publique", "dossier", "2026-04-15",
         "GouvernementFR-tests-valid-multilines.jsonl:2"),
    ]
    assert len({r.id for r in releases}) == 2


def test_id_is_the_document_id_whatever_the_title():
    document = json.loads((SIG / "GouvernementFR-exemple-valide.json").read_text(encoding="utf-8"))
    first = parse_bytes(json.dumps(document).encode(), "a.json", CTX)[0]
    document["document"]["titre"] = "Titre corrigé"
    document["document"]["date_publication"] = "2026-03-28"
    assert parse_bytes(json.dumps(document).encode(), "b.json", CTX)[0].id == first.id == \
        f"{UUID}-" + first.id.rsplit("-", 1)[1]


def test_version_0_1_fields():
    line = {"document": {"id": UUID, "titre": "Ancien format", "type_document": "dossier_de_presse",
                         "date_diffusion": "2024-05-02", "lieu_diffusion": "Lyon", "contenu": "Texte **gras**.",
                         "contact_privilegie": {"nom": "Jean Dupont", "telephone": "01 42 75 80 00",
                                                "email": "jean.dupont@example.gouv.fr"},
                         "pieces_jointes": [{"libelle": "Annexe", "lien": "https://example.gouv.fr/annexe.pdf"}]}}
    data = json.dumps(line).encode()
    assert detect(data, "x.json") == "sig"
    [r] = parse_bytes(data, "x.json", CTX)
    assert (r.kind, r.place, r.published.isoformat(), r.body_html) == (
        "dossier", "Lyon", "2024-05-02T00:00:00+02:00", "<p>Texte <strong>gras</strong>.</p>")
    assert r.contacts == [Contact(name="Jean Dupont", email="jean.dupont@example.gouv.fr", phones=["+33142758000"])]
    assert r.attachments == [Attachment(url="https://example.gouv.fr/annexe.pdf", type="application/pdf",
                                        title="Annexe")]


@pytest.mark.parametrize(("data", "message"), [
    (b'{"document": {"titre": "Sans identifiant"}}', "document.id absent"),
    (b'{"document": {"id": "x"}}', "document.titre absent"),
    (b'{"document": {"id": "x", "titre": "Un"}}\n{not json}\n', "ligne 2 : JSON invalide"),
])
def test_invalid_documents_are_refused_with_a_reason(data, message):
    with pytest.raises(IngestError, match=message):
        parse_bytes(data, "bad.jsonl", CTX)
