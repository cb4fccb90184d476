"""The API's sessions and bearer tokens, and the failed logins that slow the next ones.

A token is 256 random bits handed to the client once; the database keeps only its SHA-256,
so a copy of the database opens no session.  Sessions (``kind`` ``cookie``) end after a
fixed time or when logged out; bearer tokens (``bearer``) for machine clients end when
revoked or at their optional expiry.  Either ends when its operator is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, delete, insert, select, update

from ridgeline.model import Role
from ridgeline.store.schema import login_failures, operators, sessions

Kind = Literal["cookie", "bearer"]


@dataclass(frozen=True)
class SessionHolder:
    """Who a valid token belongs to."""

    operator: str
    role: Role
    kind: Kind
    expires: datetime | None


def digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, operator: str, kind: Kind, now: datetime, lifetime: timedelta | None,
          label: str | None = None) -> str:
    """A new token for ``operator`` (returned once, never stored)."""
    token = secrets.token_urlsafe(32)
    conn.execute(insert(sessions).values(
        token_hash=digest(token), operator=operator, kind=kind, label=label, created=now,
        expires=now + lifetime if lifetime is not None else None, last_used=now))
    return token


def holder(conn: Connection, token: str, now: datetime) -> SessionHolder | None:
    """Whose the token is, if it is known, unexpired, not revoked and its operator enabled."""
    row = conn.execute(
        select(sessions.c.operator, sessions.c.kind, sessions.c.expires, sessions.c.revoked, operators.c.role,
               operators.c.disabled)
        .join(operators, operators.c.name == sessions.c.operator)
        .where(sessions.c.token_hash == digest(token))
    ).first()
    if row is None or row.revoked is not None or row.disabled:
        return None
    if row.expires is not None and row.expires <= now:
        return None
    return SessionHolder(row.operator, Role(row.role), row.kind, row.expires)


def revoke(conn: Connection, token: str, now: datetime) -> bool:
    """End one token; whether it was live."""
    done = conn.execute(update(sessions).where(sessions.c.token_hash == digest(token), sessions.c.revoked.is_(None))
                        .values(revoked=now))
    return done.rowcount > 0


def revoke_all(conn: Connection, operator: str, now: datetime) -> int:
    """End every token of ``operator`` (a disabled account, a changed password)."""
    done = conn.execute(update(sessions).where(sessions.c.operator == operator, sessions.c.revoked.is_(None))
                        .values(revoked=now))
    return done.rowcount


def prune(conn: Connection, now: datetime) -> int:
    """Forget tokens that ended more than a day ago."""
    gone = now - timedelta(days=1)
    done = conn.execute(delete(sessions).where(
        (sessions.c.revoked < gone) | (sessions.c.expires < gone)))
    return done.rowcount


@dataclass(frozen=True)
class Throttle:
    """How many failed logins a key may have before it must wait, and for how long."""

    allowed: int = 5
    window: timedelta = timedelta(minutes=15)
    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(minutes=15)


def locked_until(conn: Connection, key: str, now: datetime) -> datetime | None:
    """When ``key`` may try again, if it must wait now."""
    until = conn.scalar(select(login_failures.c.locked_until).where(login_failures.c.key == key))
    return until if until is not None and until > now else None


def record_failure(conn: Connection, key: str, now: datetime, throttle: Throttle) -> datetime | None:
    """Count a failed login for ``key``; when it must wait from now on, if it must.

    Past ``allowed`` failures in the window, each further one doubles the wait (to
    ``longest_wait``): a person who mistypes waits a little, a guesser very long."""
    row = conn.execute(select(login_failures).where(login_failures.c.key == key)).first()
    if row is None or (now - row.first > throttle.window and (row.locked_until is None or row.locked_until <= now)):
        failures, first = 1, now
    else:
        failures, first = row.failures + 1, row.first
    until = None
    if failures >= throttle.allowed:
        wait = min(throttle.first_wait * 2 ** (failures - throttle.allowed), throttle.longest_wait)
        until = now + wait
    values = {"failures": failures, "first": first, "locked_until": until}
    if row is None:
        conn.execute(insert(login_failures).values(key=key, **values))
    else:
        conn.execute(update(login_failures).where(login_failures.c.key == key).values(**values))
    return until


def clear_failures(conn: Connection, key: str) -> None:
    """Forget the failures of ``key`` (after a good login)."""
    conn.execute(delete(login_failures).where(login_failures.c.key == key))
