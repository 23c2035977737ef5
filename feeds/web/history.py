"""The history of a release on its page: every revision, when, and what changed, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint

from feeds import store
from feeds.web.db import get_db

bp = Blueprint("history", __name__)

# Field of the record -> its name for the public, in the order a reader looks at a release.
LABELS = {
    "title": "Titre", "standfirst": "Chapeau", "body_text": "Texte", "summary": "Résumé",
    "published": "Date de publication", "place": "Lieu", "kind": "Type", "publisher": "Émetteur",
    "topics": "Thèmes", "quotes": "Citations", "contacts": "Contacts presse", "links": "Liens",
    "attachments": "Pièces jointes", "event_start": "Rendez-vous", "embargo_until": "Embargo",
    "language": "Langue", "status": "Statut",
}
TEXT_FIELDS = {"title", "standfirst", "body_text", "summary"}
# Words of unchanged text kept around a change, so that a reader sees where it is.
CONTEXT_WORDS = 8


@dataclass
class Change:
    label: str
    segments: list[tuple[str, str]] = field(default_factory=list)  # ("same" | "del" | "ins" | "gap", text)


@dataclass
class Entry:
    revision: int
    recorded_at: datetime
    first: bool
    withdrawn: bool
    changes: list[Change]


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The differences of two texts, word by word, long unchanged stretches shortened to their ends."""
    a, b = re.findall(r"\S+\s*", old or ""), re.findall(r"\S+\s*", new or "")
    segments: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            words = a[i1:i2]
            if len(words) > 2 * CONTEXT_WORDS:
                head = words[:CONTEXT_WORDS] if segments else []
                tail = words[-CONTEXT_WORDS:] if i2 < len(a) or j2 < len(b) else []
                segments += [("same", "".join(head)), ("gap", "…"), ("same", "".join(tail))]
            else:
                segments.append(("same", "".join(words)))
            continue
        if i2 > i1:
            segments.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("ins", "".join(b[j1:j2])))
    return [(t, s) for t, s in segments if s]


def _short(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(v if isinstance(v, str) else str(len(value)) for v in value[:10])
    return str(value)


def differences(old: dict, new: dict, changed: list[str]) -> list[Change]:
    """What changed between two records, in the order of LABELS."""
    fields = {"body_text" if f == "body_html" else f for f in changed}
    out = []
    for name, label in LABELS.items():
        if name not in fields or name == "status":
            continue
        if name in TEXT_FIELDS:
            out.append(Change(label, word_diff(old.get(name) or "", new.get(name) or "")))
        elif name in ("quotes", "contacts", "links", "attachments"):
            out.append(Change(label))
        else:
            out.append(Change(label, [("del", _short(old.get(name))), ("ins", _short(new.get(name)))]))
    return out


def entries(revisions: list[dict]) -> list[Entry]:
    """The page's history, newest first, from ``store.history`` (oldest first)."""
    out = []
    previous = None
    for rev in revisions:
        withdrawn = rev["changes"] == ["status"] and previous is not None and rev["record"] == previous
        changes = [] if previous is None or withdrawn else differences(previous, rev["record"], rev["changes"])
        out.append(Entry(rev["revision"], datetime.fromisoformat(rev["recorded_at"]), previous is None, withdrawn,
                         changes))
        previous = rev["record"]
    return out[::-1]


@bp.app_template_global()
def release_history(release_id: str) -> list[Entry]:
    return entries(store.history(get_db(), release_id))
