"""Use cases of managing the centre's operators: add, list, disable, change a role or password.

Every change is appended to the audit trail in the same transaction, naming who made it;
no password or hash ever reaches the trail or a log.  Disabling an account, or changing
its role or password, ends its sessions and tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ridgeline.model import utc_now
from ridgeline.store import audit, sessions
from ridgeline.store import operators as repo

if TYPE_CHECKING:
    from ridgeline.model import Role
    from ridgeline.store.db import Store
    from ridgeline.store.operators import Operator


def add_operator(store: Store, name: str, role: Role, password: str, by: str) -> Operator:
    """A new account with ``role``; ``by`` is who added it (for the audit trail)."""
    hashed = repo.hash_password(password)
    with store.engine.begin() as conn:
        now = utc_now()
        added = repo.add(conn, name, role, hashed, now)
        audit.append(conn, by, "user.added", name, {"role": role.value}, now)
    return added


def list_operators(store: Store) -> list[Operator]:
    """Every account, by name."""
    with store.engine.connect() as conn:
        return repo.all_operators(conn)


def get_operator(store: Store, name: str) -> Operator | None:
    """One account, if it exists."""
    with store.engine.connect() as conn:
        return repo.get(conn, name)


def disable_operator(store: Store, name: str, by: str) -> Operator:
    """Disable an account (it is kept: the audit trail names it)."""
    return _change(store, name, by, "user.disabled", {}, disabled=True)


def change_role(store: Store, name: str, role: Role, by: str) -> Operator:
    """Give ``name`` another role."""
    return _change(store, name, by, "user.role_changed", {"role": role.value}, role=role.value)


def change_password(store: Store, name: str, password: str, by: str) -> Operator:
    """Set a new password for ``name``."""
    return _change(store, name, by, "user.password_changed", {}, password_hash=repo.hash_password(password))


def _change(store: Store, name: str, by: str, action: str, detail: dict[str, object], **values: object) -> Operator:
    """Change an account and audit it as ``action`` (a password or hash never in ``detail``)."""
    with store.engine.begin() as conn:
        now = utc_now()
        changed = repo.change(conn, name, now, **values)
        ended = sessions.revoke_all(conn, name, now)
        audit.append(conn, by, action, name, {**detail, "sessions_ended": ended} if ended else detail, now)
    return changed
