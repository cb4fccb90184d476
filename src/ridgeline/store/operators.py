"""The people who work the centre: accounts with a role and an Argon2id password hash.

Passwords are hashed with argon2-cffi's defaults (Argon2id, RFC 9106's low-memory profile)
and never stored, logged or audited; a hash made under older parameters is reported by
:func:`verify_password` so the caller can store a fresh one.  Accounts are disabled, never
deleted: the audit trail names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from ridgeline.errors import OperatorError
from ridgeline.model import Role
from ridgeline.store.schema import operators

#: What an operator's name may be: it appears in the audit trail and in URLs.
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: The shortest password accepted (NIST SP 800-63B asks for at least 8; a control room gets more).
MIN_PASSWORD = 12

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Operator:
    """An account, without its hash."""

    name: str
    role: Role
    disabled: bool
    created: datetime
    updated: datetime


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``, refused if it is too short."""
    if len(password) < MIN_PASSWORD:
        raise OperatorError(f"a password needs at least {MIN_PASSWORD} characters, got {len(password)}")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> tuple[bool, bool]:
    """Whether ``password`` matches, and whether the hash should be made again (older parameters)."""
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored_hash)


def _operator(row: Any) -> Operator:
    return Operator(row.name, Role(row.role), bool(row.disabled), row.created, row.updated)


def add(conn: Connection, name: str, role: Role, password_hash: str, at: datetime) -> Operator:
    """A new account; an error if the name is malformed or taken."""
    if not NAME.match(name):
        raise OperatorError(f"operator name {name!r}: lower-case letters, digits, '.', '_' and '-', at most 64")
    if get(conn, name) is not None:
        raise OperatorError(f"operator {name!r} exists already")
    conn.execute(insert(operators).values(name=name, role=role.value, password_hash=password_hash, disabled=False,
                                          created=at, updated=at))
    found = get(conn, name)
    assert found is not None
    return found


def get(conn: Connection, name: str) -> Operator | None:
    """The account ``name``, if there is one."""
    row = conn.execute(select(operators).where(operators.c.name == name)).first()
    return _operator(row) if row is not None else None


def password_hash(conn: Connection, name: str) -> str | None:
    """The stored hash of ``name``'s password (for logging in), if the account exists."""
    return conn.execute(select(operators.c.password_hash).where(operators.c.name == name)).scalar_one_or_none()


def all_operators(conn: Connection) -> list[Operator]:
    """Every account, by name."""
    return [_operator(r) for r in conn.execute(select(operators).order_by(operators.c.name))]


def change(conn: Connection, name: str, at: datetime, **values: object) -> Operator:
    """Set ``disabled``, ``role`` or ``password_hash`` of an existing account."""
    if get(conn, name) is None:
        raise OperatorError(f"no operator {name!r}")
    conn.execute(update(operators).where(operators.c.name == name).values(updated=at, **values))
    found = get(conn, name)
    assert found is not None
    return found
