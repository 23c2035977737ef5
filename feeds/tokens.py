"""Upload tokens: shown once when created, stored only as a sha256 hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import sqlite_utils

from feeds import store

NAME = re.compile(r"^[\w.@-]{1,64}$")


class TokenError(Exception):
    """A token cannot be created or revoked as asked."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(db: sqlite_utils.Database, name: str, now: datetime) -> str:
    """A new token named ``name``; returns it (the only time it exists in clear)."""
    if not NAME.match(name):
        raise TokenError(f"nom de jeton invalide : {name!r} (lettres, chiffres, « . _ @ - », 64 au plus)")
    store.ensure_tokens(db)
    token = secrets.token_urlsafe(32)
    with store.transaction(db) as conn:
        if conn.execute("SELECT 1 FROM _tokens WHERE name = ?", (name,)).fetchone():
            raise TokenError(f"un jeton nommé {name} existe déjà ; révoquez-le d'abord (feeds token revoke {name})")
        conn.execute("INSERT INTO _tokens (name, hash, created_at) VALUES (?, ?, ?)",
                     (name, _digest(token), now.isoformat()))
    return token


def revoke(db: sqlite_utils.Database, name: str) -> None:
    """Forget the token named ``name``: it stops working at once."""
    store.ensure_tokens(db)
    with store.transaction(db) as conn:
        if conn.execute("DELETE FROM _tokens WHERE name = ?", (name,)).rowcount == 0:
            raise TokenError(f"aucun jeton nommé {name}")


def names(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(name, created_at) of every token, never the tokens themselves."""
    if "_tokens" not in db.table_names():
        return []
    return db.conn.execute("SELECT name, created_at FROM _tokens ORDER BY name").fetchall()


def verify(db: sqlite_utils.Database, token: str | None) -> str | None:
    """The name of the token, or None when it is missing, unknown or revoked."""
    if not token or "_tokens" not in db.table_names():
        return None
    digest = _digest(token)
    found = None
    # Every stored hash is compared, in constant time, so the answer's timing says nothing.
    for name, stored in db.conn.execute("SELECT name, hash FROM _tokens"):
        if hmac.compare_digest(stored, digest):
            found = name
    return found
