"""Upload tokens: printed once, stored only as a sha256 hash, revocable."""

import hashlib
from datetime import UTC, datetime

import pytest
from serving import feeds

from feeds import store, tokens

NOW = datetime(2025, 3, 12, 10, 30, tzinfo=UTC)


def test_create_stores_only_the_hash_and_verify_names_the_token(tmp_path):
    db = store.connect(tmp_path / "p.db")
    secret = tokens.create(db, "redaction", NOW)
    assert list(db["_tokens"].rows) == [{"name": "redaction", "hash": hashlib.sha256(secret.encode()).hexdigest(),
                                         "created_at": "2025-03-12T10:30:00+00:00"}]
    db.conn.close()
    assert secret.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    db = store.connect(tmp_path / "p.db")
    assert [tokens.verify(db, t) for t in (secret, secret + "x", secret[:-1], "", None)] == \
        ["redaction", None, None, None, None]


def test_revoke_and_the_errors_a_person_can_act_on(tmp_path):
    db = store.connect(tmp_path / "p.db")
    assert tokens.verify(db, "quelconque") is None  # no token table yet: nobody may write
    secret = tokens.create(db, "redaction", NOW)
    with pytest.raises(tokens.TokenError, match="un jeton nommé redaction existe déjà"):
        tokens.create(db, "redaction", NOW)
    with pytest.raises(tokens.TokenError, match="nom de jeton invalide"):
        tokens.create(db, "deux mots", NOW)
    tokens.revoke(db, "redaction")
    assert (tokens.verify(db, secret), tokens.names(db)) == (None, [])
    with pytest.raises(tokens.TokenError, match="aucun jeton nommé redaction"):
        tokens.revoke(db, "redaction")


def test_cli_prints_the_token_once_as_the_last_line(tmp_path):
    db = tmp_path / "p.db"
    created = feeds("token", "create", "agence", "--db", str(db))
    secret = created.stdout.splitlines()[-1]
    assert created.stdout == secret + "\n"
    assert created.stderr == "Jeton « agence » créé. Conservez-le : il ne sera plus affiché.\n"
    assert tokens.verify(store.connect(db), secret) == "agence"
    listed = feeds("token", "list", "--db", str(db)).stdout
    assert listed.startswith("agence\t") and secret not in listed
    assert feeds("token", "revoke", "agence", "--db", str(db)).stdout == "Jeton « agence » révoqué.\n"
    again = feeds("token", "revoke", "agence", "--db", str(db), check=False)
    assert (again.returncode, again.stderr) == (1, "Error: aucun jeton nommé agence\n")
    assert tokens.verify(store.connect(db), secret) is None
