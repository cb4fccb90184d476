"""Operator accounts: Argon2id hashes, never the password; names checked; every change audited."""

from __future__ import annotations

import pytest

from ridgeline.app.operators import add_operator, change_password, disable_operator, list_operators
from ridgeline.errors import OperatorError
from ridgeline.model import Role, utc_now
from ridgeline.store import audit
from ridgeline.store import operators as repo
from ridgeline.store.db import Store

SECRET = "correct horse battery staple"


def test_accounts_keep_a_hash_and_every_change_is_audited(db_url: str) -> None:
    store = Store(db_url)
    try:
        added = add_operator(store, "maria", Role.SUPERVISOR, SECRET, by="admin")
        assert added.role == Role.SUPERVISOR and not added.disabled
        with store.engine.connect() as conn:
            stored = repo.password_hash(conn, "maria")
        assert stored is not None and stored.startswith("$argon2id$") and SECRET not in stored
        assert repo.verify_password(stored, SECRET) == (True, False)
        assert repo.verify_password(stored, SECRET + "!")[0] is False
        assert repo.verify_password("not a hash", SECRET) == (False, False)
        change_password(store, "maria", "another long passphrase", by="maria")
        disable_operator(store, "maria", by="admin")
        assert [(o.name, o.disabled) for o in list_operators(store)] == [("maria", True)]
        with store.engine.connect() as conn:
            trail = list(audit.entries(conn))
            assert repo.verify_password(repo.password_hash(conn, "maria") or "", "another long passphrase")[0]
            assert audit.verify(conn).intact
        assert [(e.actor, e.action, e.target) for e in trail] == [
            ("admin", "user.added", "maria"), ("maria", "user.password_changed", "maria"),
            ("admin", "user.disabled", "maria")]
        assert not any("passphrase" in str(e.detail) or "horse" in str(e.detail) for e in trail)
    finally:
        store.close()


@pytest.mark.parametrize(("name", "password", "message"), [
    ("Maria", SECRET, "lower-case letters"),
    ("ma ria", SECRET, "lower-case letters"),
    ("", SECRET, "lower-case letters"),
    ("maria", "short", "at least 12 characters, got 5"),
])
def test_bad_names_and_weak_passwords_are_refused(tmp_path, name: str, password: str, message: str) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(OperatorError, match=message):
        add_operator(store, name, Role.VIEWER, password, by="admin")
    assert list_operators(store) == []
    store.close()


def test_a_name_is_taken_once_and_a_missing_one_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    add_operator(store, "ola", Role.OPERATOR, SECRET, by="admin")
    with pytest.raises(OperatorError, match="operator 'ola' exists already"):
        add_operator(store, "ola", Role.ADMIN, SECRET, by="admin")
    with pytest.raises(OperatorError, match="no operator 'nobody'"):
        disable_operator(store, "nobody", by="admin")
    with store.engine.begin() as conn:
        assert repo.change(conn, "ola", utc_now(), role=Role.VIEWER.value).role == Role.VIEWER
    store.close()
