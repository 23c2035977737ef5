"""Markdown with front matter: Jekyll (YAML) and Hugo (YAML, TOML, JSON) press rooms, and broken front matter."""

from pathlib import Path

import pytest

from feeds.ingest import Context, IngestError, detect, parse_bytes
from feeds.model import Contact, Warning

CORPUS = Path(__file__).resolve().parent / "corpus"
WEB_DEV = CORPUS / "web-dev"
PAGOPA = Context(publisher="PagoPA", publisher_url="https://io.italia.it")


def release(data: bytes, name: str, ctx: Context | None = None):
    assert detect(data, name) == "markdown"
    [r] = parse_bytes(data, name, ctx or Context(publisher="Ente"))
    return r


@pytest.mark.parametrize(("name", "title", "published", "place", "body_start"), [
    # title: « Comunicato stampa Palermo » names only the kind: the body's opening heading is the headline
    ("2019-10-15-Comunicato-stampa-Palermo-IO.md", "Palermo invita i cittadini a testare IO, l’app dei servizi "
     "pubblici", "2019-10-15T00:00:00+02:00", "Palermo", "Il Dirigente del Servizio Innovazione comunica che"),
    # « Roma, 1° luglio 2020 - » after a heading repeating the title (dropped) and two paragraphs in italics
    ("2020-07-01-Comunicato-stampa-bonus-vacanze.md",
     "Bonus Vacanze: da oggi è possibile richiederlo tramite l’app IO in pochi semplici passaggi",
     "2020-07-01T00:00:00+02:00", "Roma", "Al via la misura introdotta dal Decreto Rilancio"),
    ("2024-04-10-Comunicato-stampa-AdE.md",
     "Rimborsi in arrivo, scadenze e altri avvisi personalizzati. L'Agenzia comunica con i cittadini anche sull'App IO",
     "2024-04-10T00:00:00+02:00", "Roma", "Roma, 10 aprile 2024 - Se hai un rimborso in arrivo"),
])
def test_italian_jekyll_press_room(name, title, published, place, body_start):
    r = release((WEB_DEV / name).read_bytes(), name, PAGOPA)
    assert (r.title, r.published.isoformat(), r.place, r.language, r.kind, r.status, r.warnings) == (
        title, published, place, "it", "communique", "published", [])
    assert r.body_text.startswith(body_start)
    assert "{%" not in r.body_text


def test_contacts_written_as_markdown_links():
    name = "2020-07-01-Comunicato-stampa-bonus-vacanze.md"
    r = release((WEB_DEV / name).read_bytes(), name, PAGOPA)
    assert r.standfirst.startswith("È attiva su IO, l’applicazione dei servizi pubblici, la funzione per richiedere")
    assert r.contacts == [
        Contact(role="Ministero per i Beni e le Attività Culturali e per il Turismo",
                email="mattia.morandi@beniculturali.it"),
        Contact(role="Agenzia delle Entrate", email="ae.ufficiostampa@agenziaentrate.it"),
        Contact(role="Ministro per l’Innovazione Tecnologica e la Digitalizzazione",
                email="laura.sala@teamdigitale.governo.it"),
        Contact(name="PagoPA S.p.A", role="per informazioni sull’app IO", email="media@io.italia.it"),
    ]


HUGO_TOML = """+++
title = "Neue Radwege für die Innenstadt"
date = 2022-01-26T10:00:00+01:00
lastmod = 2022-01-28
summary = "Die Stadt baut zwölf Kilometer neue Radwege."
tags = ["Verkehr", "Radverkehr"]
categories = ["Pressemitteilung"]
language = "de-AT"
draft = false
aliases = ["/presse/alt-radwege"]
+++

Graz, 26. Jänner 2022 – Der Gemeinderat hat heute den Bau von zwölf Kilometern neuer Radwege beschlossen.
"""


def test_hugo_toml_front_matter_whole_record():
    r = release(HUGO_TOML.encode(), "content/presse/radwege.md")
    assert r.id == "radwege-778bf3fe"
    assert (r.title, r.published.isoformat(), r.updated.isoformat(), r.standfirst, r.topics, r.language,
            r.status, r.place, r.warnings) == (
        "Neue Radwege für die Innenstadt", "2022-01-26T10:00:00+01:00", "2022-01-28T00:00:00+01:00",
        "Die Stadt baut zwölf Kilometer neue Radwege.", ["Verkehr", "Radverkehr"], "de", "published", "Graz", [])
    assert r.body_text.startswith("Graz, 26. Jänner 2022 – Der Gemeinderat hat heute")


def test_hugo_json_front_matter_and_draft():
    data = (b'{\n  "title": "Nieuwe fietsbrug over de Vecht",\n  "publishDate": "2024-03-12",\n  "draft": true,\n'
            b'  "lang": "nl"\n}\n\nUtrecht, 12 maart 2024 - Het college opent de brug.\n')
    r = release(data, "fietsbrug.md")
    assert (r.title, r.published.isoformat(), r.status, r.language, r.place) == (
        "Nieuwe fietsbrug over de Vecht", "2024-03-12T00:00:00+01:00", "draft", "nl", "Utrecht")


def test_date_of_a_jekyll_file_name_when_the_front_matter_has_none():
    data = "---\nlayout: post\ntitle: Neue Öffnungszeiten des Bürgerbüros\n---\n\nAb Montag gilt Neues.\n".encode()
    r = release(data, "_posts/2022-01-26-oeffnungszeiten.md")
    assert (r.published.isoformat(), r.warnings) == ("2022-01-26T00:00:00+01:00", [])


def test_front_matter_date_wins_over_the_file_name_and_the_conflict_is_warned():
    data = "---\ntitle: Neue Öffnungszeiten\ndate: 2022-01-27\n---\n\nAb Montag gilt Neues.\n".encode()
    r = release(data, "_posts/2022-01-26-oeffnungszeiten.md")
    assert r.published.isoformat() == "2022-01-27T00:00:00+01:00"
    assert r.warnings == [Warning("date_conflict", "date de l'en-tête 2022-01-27, date du nom de fichier 2022-01-26 ; "
                                                   "la première est retenue")]


@pytest.mark.parametrize(("data", "reason"), [
    (b"--\nlayout: internal\ntitle: Comunicato\n--\n\nTesto.\n",
     "en-tête YAML ouvert par « -- » au lieu de « --- »"),
    (b"----\ntitle: Comunicato\n----\n\nTesto.\n", "en-tête YAML ouvert par « ---- » au lieu de « --- »"),
    (b"++\ntitle = 'Comunicato'\n++\n\nTesto.\n", "en-tête TOML ouvert par « ++ » au lieu de « +++ »"),
    (b"---\ntitle: Comunicato\ndate: 2020-01-20\n\nTesto.\n", "en-tête YAML (front matter) non fermé"),
    (b"+++\ntitle = 'Comunicato'\n\nTesto.\n", "en-tête TOML (front matter) non fermé"),
    (b"---\ntitle: Comunicato\ndate: 2020-01-20\ntags: [uno, due\n---\n\nTesto.\n",
     "en-tête YAML invalide (ligne 4 : « expected ',' or ']', but got '<stream end>' »)"),
    (b"+++\ntitle = 'Comunicato'\ndate 2020-01-20\n+++\n\nTesto.\n",
     "en-tête TOML invalide (ligne 3 : « Expected '=' after a key in a key/value pair »)"),
    (b'{"title": "Comunicato", "date": }\n\nTesto.\n', "en-tête JSON invalide (ligne 1 : Expecting value)"),
])
def test_broken_front_matter_says_what_is_wrong(data, reason):
    name = "comunicato.md"
    assert detect(data, name) == "markdown"
    with pytest.raises(IngestError) as caught:
        parse_bytes(data, name)
    assert str(caught.value) == reason
