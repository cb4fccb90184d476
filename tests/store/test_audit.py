"""The audit trail: a hash chain that names the first entry changed, removed or reordered, and
that concurrent writers never fork; on PostgreSQL the table refuses changes outright."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ridgeline.config.rules import RuleConfig
from ridgeline.model import AlertState, Event, EventType, MessageType, Position, Severity, new_id, utc_now
from ridgeline.model.envelope import Envelope
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store import alerts as repo
from ridgeline.store import audit
from ridgeline.store.db import Store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


def _fill(store: Store, n: int = 6) -> list[audit.AuditEntry]:
    with store.engine.begin() as conn:
        return [audit.append(conn, f"op{i % 2}", "alert.acknowledged", f"A{i}", {"note": f"n{i}", "k": [i, 1.5]})
                for i in range(n)]


def _tamper(store: Store, sql: str) -> None:
    """What a database owner could do behind the application's back (PostgreSQL: the trigger off)."""
    with store.engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(sa.text("ALTER TABLE audit DISABLE TRIGGER audit_append_only"))
        conn.execute(sa.text(sql))
        if pg:
            conn.execute(sa.text("ALTER TABLE audit ENABLE TRIGGER audit_append_only"))


def _check(store: Store) -> audit.AuditCheck:
    with store.engine.connect() as conn:
        return audit.verify(conn)


def test_an_untouched_chain_verifies(store: Store) -> None:
    written = _fill(store)
    check = _check(store)
    assert check.intact and check.entries == 6 and check.head_hash == written[-1].hash
    assert [e.prev_hash for e in written[1:]] == [e.hash for e in written[:-1]]
    assert written[0].prev_hash == audit.GENESIS


@pytest.mark.parametrize(("sql", "named"), [
    ("UPDATE audit SET actor = 'nobody' WHERE seq = 3", "entry 3 changed"),
    ("DELETE FROM audit WHERE seq = 3", "entry 3 removed"),
    ("DELETE FROM audit WHERE seq = 1", "entry 1 removed"),
    ("DELETE FROM audit WHERE seq >= 5", "entry 5 to 6 removed from the end"),
])
def test_an_edited_or_removed_entry_is_named(store: Store, sql: str, named: str) -> None:
    _fill(store)
    _tamper(store, sql)
    check = _check(store)
    assert not check.intact and check.problem is not None and named in check.problem


def test_two_swapped_entries_are_named(store: Store) -> None:
    _fill(store)
    _tamper(store, "UPDATE audit SET seq = -1 WHERE seq = 2")
    _tamper(store, "UPDATE audit SET seq = 2 WHERE seq = 3")
    _tamper(store, "UPDATE audit SET seq = 3 WHERE seq = -1")
    check = _check(store)
    assert check.problem is not None and "entries 2 and 3 reordered" in check.problem, check.problem


def test_postgresql_refuses_to_change_the_trail() -> None:
    """The trigger is PostgreSQL's (a SQLite file is checked by ``verify`` alone)."""
    from tests.postgres import drop_database, fresh_database

    url, name = fresh_database()
    store = Store(url)
    try:
        _fill(store, 2)
        for sql in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit", "TRUNCATE audit"):
            with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
                conn.execute(sa.text(sql))
        assert _check(store).intact
    finally:
        store.close()
        drop_database(name)


def test_concurrent_writers_never_fork_the_chain(store: Store) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(15):
                with store.engine.begin() as conn:
                    audit.append(conn, f"w{worker}", "test.append", str(i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    check = _check(store)
    assert check.intact and check.entries == 60


def test_every_alert_change_is_in_the_trail(store: Store) -> None:
    rule = RuleConfig(id="crossing", events=["line_crossing"], severity="high")
    service = AlertService(store, RuleEngine([rule]))
    event = Event(type=EventType.LINE_CROSSING, time=utc_now(), severity=Severity.HIGH, sensor="cam",
                  position=Position(lon=-71.3, lat=44.27))
    env = Envelope(id=new_id(), site="gorham", seq=1, type=MessageType.EVENTS, time=event.time, sent=event.time,
                   payload=event.model_dump(mode="json"))
    store.ingest([env], hook=service.apply)
    with store.engine.connect() as conn:
        [(alert, _escalated)] = repo.list_alerts(conn)
    service.set_state(alert.id, AlertState.ACKNOWLEDGED, actor="maria", note="on it")
    with store.engine.connect() as conn:
        trail = [(e.actor, e.action, e.target) for e in audit.entries(conn)]
    assert trail == [("rules", "alert.opened", alert.id), ("maria", "alert.acknowledged", alert.id)]
    assert _check(store).intact
