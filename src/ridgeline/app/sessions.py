"""Use cases of signing in to the centre: log in, check a token, log out, issue bearer tokens.

Every login, good or failed, is in the audit trail (never the password or the token); failed
logins are counted per (name, address) and per address in the database, so several API
processes share the count, and past a few each further one waits twice as long as the last.
An unknown name costs the same Argon2 work as a known one, so timing tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ridgeline.errors import AuthenticationError, LoginThrottledError, OperatorError
from ridgeline.model import Role, utc_now
from ridgeline.store import audit, operators, sessions
from ridgeline.store.sessions import SessionHolder, Throttle

if TYPE_CHECKING:
    from ridgeline.store.db import Store

#: How long a console session lasts from its login (one long shift)
SESSION_LIFETIME = timedelta(hours=12)
#: Failed logins allowed per name and address, and per address across names (password spraying)
PER_NAME = Throttle()
PER_ADDRESS = Throttle(allowed=20)
#: a valid hash to verify against when the name is unknown, so that both cost the same
_DECOY = operators.hash_password("decoy password never matched")


@dataclass(frozen=True)
class Login:
    """A session opened: the token to hand to the client once, whose it is, until when."""

    token: str
    operator: str
    role: Role
    expires: datetime


def _keys(name: str, address: str) -> tuple[str, str]:
    return f"name:{name[:64]}|{address[:64]}", f"addr:{address[:64]}"


def log_in(store: Store, name: str, password: str, address: str, now: datetime | None = None) -> Login:
    """A new session for ``name`` if the password is right and the account enabled; an
    ``AuthenticationError`` (the same for every reason) or ``LoginThrottledError`` if not."""
    now = now or utc_now()
    name_key, addr_key = _keys(name, address)
    with store.engine.connect() as conn:  # one read: the throttle, then the account
        waits = [u for k in (name_key, addr_key) if (u := sessions.locked_until(conn, k, now)) is not None]
        if waits:
            wait = (max(waits) - now).total_seconds()
            raise LoginThrottledError(f"too many failed logins: try again in {wait:.0f} s", retry_after_s=wait)
        stored = operators.password_hash(conn, name)
        account = operators.get(conn, name)
    good, _rehash = operators.verify_password(stored or _DECOY, password)
    ok = good and stored is not None and account is not None and not account.disabled
    if not ok:
        with store.engine.begin() as conn:  # committed: the refusal below must not roll the count back
            sessions.record_failure(conn, name_key, now, PER_NAME)
            sessions.record_failure(conn, addr_key, now, PER_ADDRESS)
            audit.append(conn, name[:64] or "-", "login.failed", None, {"address": address[:64]}, now)
        raise AuthenticationError("wrong name or password, or the account is disabled")
    assert account is not None
    with store.engine.begin() as conn:
        sessions.clear_failures(conn, name_key)
        token = sessions.issue(conn, name, "cookie", now, SESSION_LIFETIME)
        audit.append(conn, name, "login", None, {"address": address[:64]}, now)
    return Login(token, name, account.role, now + SESSION_LIFETIME)


def session_holder(store: Store, token: str, now: datetime | None = None) -> SessionHolder | None:
    """Whose a session or bearer token is, if it is live."""
    with store.engine.connect() as conn:
        return sessions.holder(conn, token, now or utc_now())


def log_out(store: Store, token: str, actor: str, now: datetime | None = None) -> None:
    """End a session (audited)."""
    now = now or utc_now()
    with store.engine.begin() as conn:
        if sessions.revoke(conn, token, now):
            audit.append(conn, actor, "logout", None, {}, now)


def issue_bearer_token(store: Store, name: str, label: str, by: str, days: float | None = None,
                       now: datetime | None = None) -> str:
    """A bearer token for a machine client acting as ``name`` (returned once; audited by label)."""
    now = now or utc_now()
    if not label.strip() or len(label) > 64:
        raise OperatorError("a token needs a label of 1 to 64 characters (what uses it)")
    with store.engine.begin() as conn:
        account = operators.get(conn, name)
        if account is None or account.disabled:
            raise OperatorError(f"no enabled operator {name!r}")
        token = sessions.issue(conn, name, "bearer", now, timedelta(days=days) if days else None, label=label)
        audit.append(conn, by, "token.issued", name, {"label": label, "days": days}, now)
    return token
