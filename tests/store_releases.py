"""Releases the store tests write: the seed press release (its text changed or not) and a small press room."""

from datetime import datetime, timedelta, timezone

from conftest import SEED

from feeds import store
from feeds.ingest import parse_bytes
from feeds.ingest import Context
from feeds.model import Quote, Release, Source

CTX = Context()


def seed_release(text_change: str | None = None):
    """The seed release; ``text_change`` replaces its "1200 participants" (a new revision of the same release)."""
    data = SEED.read_bytes()
    if text_change:
        data = data.replace(b"1200 participants", text_change.encode())
    return parse_bytes(data, SEED.name, CTX)[0]


PARIS = timezone(timedelta(hours=1))
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=PARIS)


def _release(id: str, title: str, published: str, publisher: str, body: str, **fields) -> Release:
    return Release(id=id, title=title, published=datetime.fromisoformat(published), publisher=publisher,
                   source=Source(f"{id}.md", id * 64, "frontmatter"), body_text=body, body_html=f"<p>{body}</p>",
                   **fields)


def budget_release(body: str = "Le budget est voté.") -> Release:
    """Release "c" of ``small_pressroom``, a communiqué of Ville B without place; another body is a new revision."""
    return _release("c", "Budget de la ville", "2023-11-20T09:00:00+01:00", "Ville B", body)


def small_pressroom(db) -> dict[str, Release]:
    """Four releases of two publishers written at NOW, "a", "b" and "c" public, "d" a draft; returns them by id."""
    releases = [
        _release("a", "Le numérique à l'école", "2024-03-01T10:00:00+01:00", "Région A",
                 "Les lycées reçoivent des ordinateurs.", place="Toulouse", topics=["éducation", "numérique"],
                 quotes=[Quote("Une avancée pour les élèves", "Marie Dupont", "présidente")]),
        _release("b", "Transports régionaux", "2024-05-02T10:00:00+02:00", "Région A",
                 "Les trains passent au numérique.", place="Montpellier", topics=["transports"], kind="dossier"),
        budget_release(),
        _release("d", "Brouillon numérique", "2024-05-30T09:00:00+02:00", "Ville B", "Pas encore.",
                 status="draft"),
    ]
    store.upsert_many(db, releases, NOW, {"Région A": {"url": "https://region-a.example", "logo": None}})
    return {release.id: release for release in releases}
