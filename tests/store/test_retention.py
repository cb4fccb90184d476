"""Retention in the store: expired messages and evidence removed in batches, those of held and open
incidents kept, and the sequence check counting what went as purged, never as missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from ridgeline.config.rules import RuleConfig
from ridgeline.model import (
    Detection,
    Envelope,
    Event,
    EventType,
    MessageType,
    ObjectClass,
    Position,
    Severity,
    Snapshot,
    new_id,
    utc_now,
)
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store import retention
from ridgeline.store.db import Store
from ridgeline.store.schema import alert_events, incident_alerts, incidents, messages, purged_seqs, snapshots

NOW = utc_now()
OLD = NOW - timedelta(days=400)  # past both retentions (365 days of messages, 30 of evidence)
MONTHS = NOW - timedelta(days=40)  # past the evidence's only
DAYS = NOW - timedelta(days=10)  # past neither


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'centre.db'}")
    try:
        yield s
    finally:
        s.close()


def detection(seq: int, site: str = "s1") -> Envelope:
    det = Detection(sensor="cam", time=NOW, object_class=ObjectClass.PERSON, position=Position(lon=1, lat=1),
                    confidence=0.5).model_dump(mode="json")
    return Envelope(id=new_id(), site=site, seq=seq, type=MessageType.DETECTIONS, time=NOW, sent=NOW, payload=det)


def event(seq: int, site: str = "s1") -> Envelope:
    ev = Event(type=EventType.LINE_CROSSING, time=NOW, severity=Severity.HIGH, sensor="cam",
               position=Position(lon=-71.3, lat=44.27))
    return Envelope(id=new_id(), site=site, seq=seq, type=MessageType.EVENTS, time=NOW, sent=NOW,
                    payload=ev.model_dump(mode="json"))


def evidence(seq: int, of: Envelope) -> Envelope:
    """The snapshot envelope of the event ``of`` carries."""
    ok, buf = cv2.imencode(".jpg", np.full((36, 64, 3), seq % 250, np.uint8))
    assert ok
    snap = Snapshot.of_jpeg(buf.tobytes(), event=of.payload["id"], sensor="cam", time=NOW, width=64, height=36)
    return Envelope(id=new_id(), site=of.site, seq=seq, type=MessageType.SNAPSHOTS, time=NOW, sent=NOW,
                    payload=snap.model_dump(mode="json"))


def alerting(store: Store) -> AlertService:
    """The rules that turn line crossings into alerts (and their events into ``alert_events``)."""
    return AlertService(store, RuleEngine([RuleConfig(id="crossing", events=["line_crossing"], severity="high")]))


def open_incident(store: Store, event_ids: list[str], legal_hold: bool = False, closed: bool = False) -> str:
    """An incident gathering the alerts of these events, written as the incident use cases would
    (rows of schema 0008: those use cases are not in this branch)."""
    incident = new_id()
    with store.engine.begin() as conn:
        alert_ids = set(conn.scalars(sa.select(alert_events.c.alert_id).where(alert_events.c.event_id.in_(event_ids))))
        assert alert_ids, "the events went to no alert"
        conn.execute(sa.insert(incidents).values(
            id=incident, title="crossing at the ridge", state="closed" if closed else "open", opened=OLD,
            opened_by="maria", updated=OLD, closed=OLD if closed else None, closed_by="maria" if closed else None,
            legal_hold=legal_hold))
        conn.execute(sa.insert(incident_alerts), [
            {"incident_id": incident, "alert_id": a, "added": OLD, "added_by": "maria"} for a in sorted(alert_ids)])
    return incident


def set_incident(store: Store, incident: str, **values: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(incidents).where(incidents.c.id == incident).values(**values))


def stored_seqs(store: Store, site: str = "s1") -> list[int]:
    with store.engine.connect() as conn:
        return sorted(conn.scalars(sa.select(messages.c.seq).where(messages.c.site == site)))


def images(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.scalars(sa.select(snapshots.c.id)))


def purge(store: Store, batch: int = retention.BATCH, now: datetime = NOW) -> retention.Purged:
    return store.purge(now - timedelta(days=365), now - timedelta(days=30), batch=batch)


def site_report(store: Store, site: str = "s1"):  # type: ignore[no-untyped-def]
    return next(r for r in store.check() if r.site == site)


def test_expired_messages_and_images_go_and_recent_ones_stay(store: Store) -> None:
    old_event = event(2)
    stale = evidence(3, old_event)  # image and message both past retention
    month_old = evidence(4, event(99))  # image past retention, its message not
    store.ingest([detection(1), old_event, stale], received=OLD)
    store.ingest([month_old], received=MONTHS)
    store.ingest([detection(5), event(6)], received=DAYS)
    gone = purge(store)
    assert gone.messages == {"detections": 1, "events": 1, "snapshots": 1} and gone.snapshots == 2
    assert gone.held == {}
    assert stored_seqs(store) == [4, 5, 6] and images(store) == set()
    with store.engine.connect() as conn:
        assert retention.purged(conn) == {"s1": [(1, 3)]}
    report = site_report(store)
    assert (report.missing, report.purged, report.received, report.max_seq) == (0, 3, 3, 6) and report.ok
    again = purge(store)
    assert again.removed == 0  # nothing left to purge


def test_a_held_incident_keeps_its_events_and_evidence_until_the_hold_is_released(store: Store) -> None:
    held_event, other_event = event(2), event(4)
    store.ingest([detection(1), held_event], received=OLD, hook=alerting(store).apply)
    store.ingest([evidence(3, held_event), other_event, detection(5)], received=OLD)
    incident = open_incident(store, [held_event.payload["id"]], legal_hold=True, closed=True)
    first = purge(store)
    assert first.messages == {"detections": 2, "events": 1} and first.snapshots == 0
    assert first.held == {"legal_hold": {"messages": 2, "snapshots": 1}}
    assert stored_seqs(store) == [2, 3] and len(images(store)) == 1  # the event, its image and its record
    assert store.event_snapshots(held_event.payload["id"])[0].image
    report = site_report(store)
    assert (report.missing, report.purged, report.missing_ranges) == (0, 3, [])
    set_incident(store, incident, legal_hold=False)
    second = purge(store)
    assert second.messages == {"events": 1, "snapshots": 1} and second.snapshots == 1 and second.held == {}
    assert stored_seqs(store) == [] and images(store) == set()
    with store.engine.connect() as conn:
        assert retention.purged(conn) == {"s1": [(1, 5)]}  # the ranges either side of the held ones joined
    report = site_report(store)
    assert (report.missing, report.purged, report.max_seq, report.heard) == (0, 5, 5, True)


def test_an_open_incident_keeps_its_events_until_it_is_closed(store: Store) -> None:
    worked = event(1)
    store.ingest([worked], received=OLD, hook=alerting(store).apply)
    store.ingest([evidence(2, worked)], received=OLD)
    incident = open_incident(store, [worked.payload["id"]])
    first = purge(store)
    assert first.removed == 0 and first.held == {"open_incident": {"messages": 2, "snapshots": 1}}
    set_incident(store, incident, state="closed", closed=NOW, closed_by="maria")
    second = purge(store)
    assert second.messages == {"events": 1, "snapshots": 1} and second.snapshots == 1


def test_a_legal_hold_outranks_an_open_incident_holding_the_same_event(store: Store) -> None:
    shared = event(1)
    store.ingest([shared], received=OLD, hook=alerting(store).apply)
    open_incident(store, [shared.payload["id"]])
    open_incident(store, [shared.payload["id"]], legal_hold=True, closed=True)
    with store.engine.connect() as conn:
        holds = retention.holds(conn)
    assert holds.why(shared.payload["id"]) == "legal_hold" and holds.open_incident == frozenset()
    assert purge(store).held == {"legal_hold": {"messages": 1}}


def test_a_purge_larger_than_a_batch_goes_in_several_and_keeps_one_range(store: Store) -> None:
    # odd seqs were received before even ones (a backlog drained out of order): batches remove
    # seqs that are not neighbours, and the ranges join as the rest go
    for seq in range(1, 13):
        store.ingest([detection(seq)], received=OLD - timedelta(hours=(100 if seq % 2 else 50) - seq))
    store.ingest([detection(13)], received=DAYS)
    batches: list[int] = []

    def count(conn: sa.Connection, step: retention.Purged) -> None:
        batches.append(step.removed)

    gone = store.purge(NOW - timedelta(days=365), NOW - timedelta(days=30), on_batch=count, batch=5)
    assert batches == [5, 5, 2] and gone.messages == {"detections": 12}
    assert stored_seqs(store) == [13]
    with store.engine.connect() as conn:
        assert retention.purged(conn) == {"s1": [(1, 12)]}
        assert conn.scalar(sa.select(sa.func.count()).select_from(purged_seqs)) == 1
    assert site_report(store).missing == 0


def test_a_seq_missing_before_the_purge_is_still_missing_after_it(store: Store) -> None:
    store.ingest([detection(1), detection(2), detection(4), detection(5)], received=OLD)
    assert site_report(store).missing_ranges == [(3, 3)]
    purge(store)
    report = site_report(store)
    assert stored_seqs(store) == [] and (report.missing, report.missing_ranges, report.purged) == (1, [(3, 3)], 4)


def test_a_dry_run_counts_and_removes_nothing(store: Store) -> None:
    store.ingest([detection(1), evidence(2, event(9))], received=OLD)
    called: list[retention.Purged] = []
    would = store.purge(NOW - timedelta(days=365), NOW - timedelta(days=30),
                        on_batch=lambda conn, step: called.append(step), dry_run=True)
    assert would.messages == {"detections": 1, "snapshots": 1} and would.snapshots == 1 and not called
    assert stored_seqs(store) == [1, 2] and len(images(store)) == 1
    with store.engine.connect() as conn:
        assert retention.purged(conn) == {}


def test_ranges_merge_when_they_touch_or_overlap() -> None:
    assert retention.merge([(5, 6), (1, 3), (4, 4), (9, 12), (10, 11)]) == [(1, 6), (9, 12)]
    assert retention.merge([]) == []


def test_the_retention_migration_goes_up_and_down(tmp_path: Path) -> None:
    from ridgeline.store.db import connect

    from .test_alerts import _alembic

    url = f"sqlite:///{tmp_path / 'centre.db'}"
    store = Store(url)
    store.ingest([detection(1), detection(2)], received=OLD)
    purge(store)
    store.close()
    engine = connect(url)
    _alembic(engine, "downgrade", "0008_team")
    with engine.connect() as conn:
        assert "purged_seqs" not in sa.inspect(conn).get_table_names()
        assert "ix_messages_received" not in {ix["name"] for ix in sa.inspect(conn).get_indexes("messages")}
    _alembic(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert "ix_messages_received" in {ix["name"] for ix in sa.inspect(conn).get_indexes("messages")}
    engine.dispose()


def test_a_held_incident_keeps_its_evidence_on_postgresql() -> None:
    from tests.postgres import drop_database, fresh_database

    url, name = fresh_database()
    store = Store(url)
    try:
        held_event = event(2)
        store.ingest([detection(1), held_event], received=OLD, hook=alerting(store).apply)
        store.ingest([evidence(3, held_event), detection(4), evidence(5, event(95)), evidence(6, event(96))],
                     received=OLD)
        store.ingest([detection(7)], received=DAYS)
        incident = open_incident(store, [held_event.payload["id"]], legal_hold=True, closed=True)
        first = purge(store, batch=2)
        assert first.messages == {"detections": 2, "snapshots": 2} and first.snapshots == 2
        assert first.held == {"legal_hold": {"messages": 2, "snapshots": 1}}
        assert stored_seqs(store) == [2, 3, 7] and len(images(store)) == 1
        set_incident(store, incident, legal_hold=False)
        second = purge(store, batch=2)
        assert second.messages == {"events": 1, "snapshots": 1} and second.snapshots == 1
        with store.engine.connect() as conn:
            assert retention.purged(conn) == {"s1": [(1, 6)]}
        report = site_report(store)
        assert (report.missing, report.purged, report.received) == (0, 6, 1)
    finally:
        store.close()
        drop_database(name)


def test_a_purged_message_delivered_again_is_not_stored_again(store: Store) -> None:
    first, second = detection(1), detection(2)
    store.ingest([first, second], received=OLD)
    purge(store)
    again = store.ingest([first, detection(3)])  # a year-late redelivery beside a new message
    assert (again.inserted, again.redelivered, again.conflicts) == (1, 1, [])
    assert stored_seqs(store) == [3] and store.tallies()["s1"]["redelivered"] == 1
    report = site_report(store)
    assert (report.missing, report.purged, report.received) == (0, 2, 1)


def test_images_past_a_batch_go_around_the_held_ones(store: Store) -> None:
    held_event = event(1)
    store.ingest([held_event], received=DAYS, hook=alerting(store).apply)
    batch = [evidence(seq, held_event if seq == 4 else event(90 + seq)) for seq in range(2, 9)]
    for i, env in enumerate(batch):  # the held image in the middle of the walk
        store.ingest([env], received=MONTHS - timedelta(hours=len(batch) - i))
    open_incident(store, [held_event.payload["id"]], legal_hold=True)
    gone = purge(store, batch=2)
    assert gone.snapshots == 6 and gone.held == {"legal_hold": {"snapshots": 1}} and gone.messages == {}
    assert [s.id for s in store.event_snapshots(held_event.payload["id"])] == [batch[2].payload["id"]]
    assert len(images(store)) == 1 and stored_seqs(store) == list(range(1, 9))


def test_the_check_takes_purged_ranges_out_as_a_set_difference_would() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from ridgeline.store.check import _minus

    spans = st.lists(st.tuples(st.integers(1, 60), st.integers(0, 8)).map(lambda p: (p[0], p[0] + p[1])), max_size=8)

    @given(spans, spans)
    def agrees(ranges: list[tuple[int, int]], cut: list[tuple[int, int]]) -> None:
        ranges, cut = retention.merge(ranges), retention.merge(cut)
        gone = {q for lo, hi in cut for q in range(lo, hi + 1)}
        expected = retention.merge((q, q) for lo, hi in ranges for q in range(lo, hi + 1) if q not in gone)
        assert _minus(ranges, cut) == expected

    agrees()
