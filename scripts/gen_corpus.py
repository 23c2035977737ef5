#!/usr/bin/env python3
"""Write N realistic synthetic press releases, modelled on tests/corpus, deterministically.

Half are press-release text (the seed's format: header, dateline, title, standfirst, body with
emphasis, a quote with its speaker, a contact block), half Markdown with YAML front matter (the
DINUM press room's format: tags, chapeau, contact-presse, files, some drafts).

    python scripts/gen_corpus.py OUT_DIR -n 10000 --seed 1 [--text-only]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

PLACES = ["Toulouse", "Montpellier", "Perpignan", "Nîmes", "Albi", "Rodez", "Tarbes", "Carcassonne", "Auch",
          "Cahors", "Foix", "Mende", "Montauban", "Béziers", "Sète"]
PEOPLE = [("Carole Delga", "présidente de la Région"), ("Jean-Luc Gibelin", "vice-président en charge des mobilités"),
          ("Kamel Chibli", "vice-président en charge de l'éducation"), ("Nadia Pellefigue",
          "vice-présidente en charge du développement économique"), ("Agnès Langevine",
          "vice-présidente en charge de la transition écologique"), ("Didier Codorniou", "premier vice-président")]
TOPICS = ["Transports", "Lycées", "Économie", "Culture", "Agriculture", "Tourisme", "Santé", "Numérique",
          "Environnement", "Sport", "Emploi", "Formation", "Mer", "Montagne", "Europe"]
SUBJECTS = ["le nouveau lycée de {p}", "la ligne ferroviaire {p}–Toulouse", "le plan régional pour l'emploi",
            "le festival des cultures d'Occitanie", "le soutien aux agriculteurs de {p}", "le MOOC Occitanie 2040",
            "la rénovation énergétique des bâtiments publics", "le fonds d'aide aux entreprises innovantes",
            "le schéma régional de santé", "le Pass Rentrée pour les lycéens", "le port de {p}",
            "la gratuité des transports pour les jeunes", "la candidature au label Capitale européenne"]
VERBS = ["inaugure", "lance", "soutient", "renforce", "présente", "accompagne", "célèbre", "finance"]
SENTENCES = [
    "La Région Occitanie / Pyrénées-Méditerranée mobilise {n} millions d'euros pour ce projet structurant.",
    "Plus de {n} habitants sont concernés par cette mesure, qui entrera en vigueur dès le mois prochain.",
    "Cette **démarche innovante** associe les collectivités, les entreprises et les citoyens du territoire.",
    "Les travaux, engagés en {y}, se poursuivront jusqu'à la fin de l'année *selon le calendrier prévu*.",
    "Le dispositif a déjà bénéficié à {n} structures réparties sur les treize départements de la région.",
    "Une réunion publique est organisée pour présenter le projet et recueillir l'avis des habitants.",
    "Ce partenariat s'inscrit dans la stratégie régionale pour un aménagement équilibré du territoire.",
]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def paragraph(rng: random.Random, year: int) -> str:
    return " ".join(rng.choice(SENTENCES).format(n=rng.randint(2, 900), y=year) for _ in range(rng.randint(2, 5)))


def phone(rng: random.Random) -> str:
    style = rng.randrange(3)
    digits = [rng.choice(["05", "04", "06"])] + [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    if style == 0:
        return " ".join(digits)
    if style == 1:
        return ".".join(digits)
    return "+33 (0)" + digits[0][1] + " " + " ".join(digits[1:])


def release(rng: random.Random, i: int, text: bool) -> tuple[str, str]:
    day = date(2016, 1, 1) + timedelta(days=rng.randrange(365 * 9))
    place = rng.choice(PLACES)
    person, role = rng.choice(PEOPLE)
    subject = rng.choice(SUBJECTS).format(p=place)
    title = f"La Région {rng.choice(VERBS)} {subject}"
    standfirst = paragraph(rng, day.year)
    body = [paragraph(rng, day.year) for _ in range(rng.randint(2, 6))]
    quote = (f"« {paragraph(rng, day.year).replace('**', '').replace('*', '')} », a déclaré {person}, {role}.")
    body.insert(rng.randrange(len(body) + 1), quote)
    first, last = rng.choice(["Marie", "Paul", "Inès", "Hugo", "Léa"]), rng.choice(["Martin", "Durand", "Roux"])
    email = f"{first.lower().replace('è', 'e').replace('é', 'e')}.{last.lower()}@laregion.fr"
    if text:
        header = rng.choice(["Communiqué de presse", "COMMUNIQUÉ DE PRESSE", "Dossier de presse"])
        day_text = "1^{er}" if day.day == 1 else str(day.day)
        doc = "\n\n".join([
            header, f"{place}, le {day_text} {MONTHS[day.month - 1]} {day.year}", title, standfirst, *body,
            f"■ Contact presse :\n\n{first} {last} : {email} - Tél. : {phone(rng)}",
        ])
        return f"synth-{i:07d}.txt", doc + "\n"
    tags = "\n".join(f"- {t}" for t in rng.sample(TOPICS, rng.randint(1, 3)))
    draft = "published: false\n" if rng.random() < 0.02 else ""
    doc = (
        f"---\ntitle: \"{title}\"\ndate: {day.isoformat()} {rng.randint(8, 18):02d}:00:00 +01:00\n"
        f"categories:\n- {rng.choice(['Communiqué de presse', 'Dossier de presse'])}\ntags:\n{tags}\n"
        f"chapeau-text: \"{standfirst.replace(chr(34), '')}\"\n{draft}"
        f"contact-presse:\n  name: {first} {last}\n  tel:\n  - {phone(rng)}\n  email: {email}\n---\n\n"
        + "\n\n".join(body) + "\n"
    )
    return f"synth-{i:07d}.md", doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--text-only", action="store_true", help="only the seed's text format")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.n):
        name, doc = release(rng, i, args.text_only or i % 2 == 0)
        # Spread files over folders, as a press room's archive is.
        folder = args.out / f"{i // 1000:04d}"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(doc, encoding="utf-8")
    print(f"{args.n} releases written to {args.out}")


if __name__ == "__main__":
    main()
