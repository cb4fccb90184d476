"""Use cases of managing the centre's operators: add, list, disable, change a password.

Every change is appended to the audit trail in the same transaction, naming who made it;
no password or hash ever reaches the trail or a log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ridgeline.app.database import open_existing

if TYPE_CHECKING:
    from ridgeline.model import Role
    from ridgeline.store.operators import Operator


def add_operator(db: str, name: str, role: Role, password: str, by: str) -> Operator:
    """A new account with ``role``; ``by`` is who added it (for the audit trail)."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store import operators as repo

    hashed = repo.hash_password(password)
    store = open_existing(db)
    try:
        with store.engine.begin() as conn:
            now = utc_now()
            added = repo.add(conn, name, role, hashed, now)
            audit.append(conn, by, "user.added", name, {"role": role.value}, now)
        return added
    finally:
        store.close()


def list_operators(db: str) -> list[Operator]:
    """Every account, by name."""
    from ridgeline.store import operators as repo

    store = open_existing(db)
    try:
        with store.engine.connect() as conn:
            return repo.all_operators(conn)
    finally:
        store.close()


def disable_operator(db: str, name: str, by: str) -> Operator:
    """Disable an account (it is kept: the audit trail names it)."""
    return _change(db, name, by, "user.disabled", disabled=True)


def change_password(db: str, name: str, password: str, by: str) -> Operator:
    """Set a new password for ``name``."""
    from ridgeline.store import operators as repo

    return _change(db, name, by, "user.password_changed", password_hash=repo.hash_password(password))


def _change(db: str, name: str, by: str, action: str, **values: object) -> Operator:
    """Change an account and audit it as ``action`` (the values themselves stay out of the trail)."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store import operators as repo

    store = open_existing(db)
    try:
        with store.engine.begin() as conn:
            now = utc_now()
            changed = repo.change(conn, name, now, **values)
            audit.append(conn, by, action, name, {}, now)
        return changed
    finally:
        store.close()
