"""Sessions and tokens: only a hash kept, ended by expiry, logout, or a disabled account;
failed logins wait twice as long each past the allowance."""

from __future__ import annotations

from datetime import timedelta

from ridgeline.app.operators import add_operator, disable_operator
from ridgeline.model import Role, utc_now
from ridgeline.store import sessions
from ridgeline.store.db import Store
from ridgeline.store.schema import sessions as table

PASSWORD = "a long enough passphrase"


def test_a_token_is_kept_as_a_hash_and_ends_when_it_should(db_url: str) -> None:
    store = Store(db_url)
    try:
        add_operator(store, "ana", Role.OPERATOR, PASSWORD, by="setup")
        now = utc_now()
        with store.engine.begin() as conn:
            token = sessions.issue(conn, "ana", "cookie", now, timedelta(hours=12))
            other = sessions.issue(conn, "ana", "bearer", now, None, label="radar")
            kept = [r.token_hash for r in conn.execute(table.select())]
        assert token not in kept and sessions.digest(token) in kept  # never the token itself
        with store.engine.begin() as conn:
            assert sessions.holder(conn, token, now + timedelta(hours=11)) is not None
            assert sessions.holder(conn, token, now + timedelta(hours=12)) is None  # expired
            assert sessions.holder(conn, "not a token", now) is None
            assert sessions.revoke(conn, token, now) and not sessions.revoke(conn, token, now)
            assert sessions.holder(conn, token, now) is None
            held = sessions.holder(conn, other, now + timedelta(days=400))
            assert held is not None and held.kind == "bearer" and held.role == Role.OPERATOR
        disable_operator(store, "ana", by="admin")
        with store.engine.begin() as conn:
            assert sessions.holder(conn, other, now) is None  # a disabled account ends its tokens
    finally:
        store.close()


def test_failed_logins_wait_twice_as_long_each_past_the_allowance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    throttle = sessions.Throttle(allowed=3, first_wait=timedelta(seconds=10), longest_wait=timedelta(seconds=35))
    now = utc_now()
    waits = []
    with store.engine.begin() as conn:
        for i in range(6):
            until = sessions.record_failure(conn, "k", now + timedelta(seconds=i), throttle)
            waits.append(None if until is None else (until - (now + timedelta(seconds=i))).total_seconds())
        assert sessions.locked_until(conn, "k", now + timedelta(seconds=6)) is not None
        sessions.clear_failures(conn, "k")
        assert sessions.locked_until(conn, "k", now) is None
    assert waits == [None, None, 10.0, 20.0, 35.0, 35.0]
    store.close()
