"""The kinds of release: one vocabulary, with the French labels and the SIG type every output uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str  # stored in the record and the database, and in URLs (/kinds/<code>/feed.atom)
    label: str  # one release: « Communiqué de presse » (pages, JSON-LD articleSection)
    plural: str  # a list of them: « Communiqués » (feed titles, facets)
    sig_type: str  # the SIG's document type, which knows only communiqués and dossiers


DEFAULT = "communique"
KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("communique", "Communiqué de presse", "Communiqués", "communique_de_presse"),
    Kind("dossier", "Dossier de presse", "Dossiers de presse", "dossier_de_presse"),
    Kind("invitation", "Invitation presse", "Invitations presse", "communique_de_presse"),
    Kind("declaration", "Déclaration", "Déclarations", "communique_de_presse"),
    Kind("article", "Article", "Articles", "communique_de_presse"),
)}


def kind(code: str | None) -> Kind:
    """The kind of that code; an unknown or missing code is a communiqué, as the ingesters read it."""
    return KINDS.get(code or DEFAULT, KINDS[DEFAULT])
