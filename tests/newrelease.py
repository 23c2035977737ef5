"""A new release arriving in a press room, for the tests of the static export."""

from datetime import datetime
from pathlib import Path

from feeds import store
from feeds.ingest.files import ingest_files


def new_release(folder: Path, when: datetime, slug: str = "nouvelle-annonce") -> Path:
    """A release of the DINUM press room as its Markdown arrives, dated ``when``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fr-dinum-{when:%Y-%m-%d}-{slug}.md"
    path.write_text(
        "---\n"
        f"title: 'Une nouvelle annonce ({slug})'\n"
        f"date: {when:%Y-%m-%d %H:%M:%S} +01:00\n"
        "categories:\n- Communiqué de presse\n"
        "tags:\n- Numérique\n"
        "chapeau-text: 'La direction interministérielle du numérique annonce une nouveauté.'\n"
        "---\n"
        "La DINUM présente aujourd'hui un nouveau service pour les agents publics.\n\n"
        "Contact presse : presse@numerique.gouv.fr\n",
        encoding="utf-8",
    )
    (folder / "_publisher.toml").write_text(
        'name = "Direction interministérielle du numérique (DINUM)"\nurl = "https://www.numerique.gouv.fr"\n',
        encoding="utf-8")
    return path


def add_release(db: Path, folder: Path, site, when: datetime, slug: str = "nouvelle-annonce") -> str:
    new_release(folder, when, slug)
    report = ingest_files(store.connect(db), [folder], site)
    assert report.rejected == [] and report.new == 1, report.summary()
    return store.connect(db).conn.execute("SELECT id FROM releases WHERE source_name LIKE ?",
                                          (f"%{slug}%",)).fetchone()[0]
