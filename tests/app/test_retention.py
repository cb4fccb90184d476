"""The purge use case: what the sector's retention lets go is removed, what incidents hold stays,
and every removal is in the audit trail with its counts, in the transaction that made it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ridgeline.app.retention import ACTION, ACTOR, purge_expired
from ridgeline.config.sector import RetentionConfig
from ridgeline.store import audit
from ridgeline.store.db import Store
from tests.store.test_retention import (
    DAYS,
    NOW,
    OLD,
    alerting,
    detection,
    event,
    evidence,
    images,
    open_incident,
    set_incident,
    site_report,
    store,
    stored_seqs,
)

__all__ = ["store"]  # the fixture, shared

KEEP = RetentionConfig(snapshots_days=30, events_days=365)


def purges(s: Store) -> list[audit.AuditEntry]:
    with s.engine.connect() as conn:
        return [e for e in audit.entries(conn) if e.action == ACTION]


def verified(s: Store) -> audit.AuditCheck:
    with s.engine.connect() as conn:
        return audit.verify(conn)


def test_a_purge_is_audited_with_its_counts_and_holds(store: Store) -> None:
    held_event = event(2)
    store.ingest([detection(1), held_event], received=OLD, hook=alerting(store).apply)
    store.ingest([evidence(3, held_event), evidence(4, event(90)), detection(5)], received=OLD)
    store.ingest([detection(6)], received=DAYS)
    incident = open_incident(store, [held_event.payload["id"]], legal_hold=True, closed=True)
    report = purge_expired(store, KEEP, NOW)
    assert report.messages == {"detections": 2, "snapshots": 1} and report.snapshots == 1
    assert report.held == {"legal_hold": {"messages": 2, "snapshots": 1}} and report.held_back == 3
    assert (report.events_before, report.evidence_before) == (NOW - timedelta(days=365), NOW - timedelta(days=30))
    [entry] = purges(store)
    assert (entry.actor, entry.target, entry.time, report.audit_seqs) == (ACTOR, None, NOW, [entry.seq])
    assert entry.detail == {
        "run": report.run, "batch": 1,
        "cutoffs": {"events": report.events_before.isoformat(), "evidence": report.evidence_before.isoformat()},
        "messages": {"detections": 2, "snapshots": 1}, "snapshots": 1,
        "held": {"legal_hold": {"messages": 2, "snapshots": 1}},
    }
    check = verified(store)
    assert check.intact and check.entries == 2  # the alert the rules opened, then the purge
    assert stored_seqs(store) == [2, 3, 6] and site_report(store).missing == 0

    set_incident(store, incident, legal_hold=False)
    released = purge_expired(store, KEEP, NOW + timedelta(hours=1))
    assert released.messages == {"events": 1, "snapshots": 1} and released.snapshots == 1 and released.held == {}
    assert [e.detail["messages"] for e in purges(store)] == [{"detections": 2, "snapshots": 1},
                                                              {"events": 1, "snapshots": 1}]
    assert stored_seqs(store) == [6] and images(store) == set()
    report_after = site_report(store)
    assert (report_after.missing, report_after.purged, report_after.ok) == (0, 5, True)
    assert verified(store).intact


def test_a_purge_that_removes_nothing_leaves_no_entry(store: Store) -> None:
    worked = event(1)
    store.ingest([worked], received=OLD, hook=alerting(store).apply)
    store.ingest([detection(2)], received=DAYS)
    open_incident(store, [worked.payload["id"]])
    report = purge_expired(store, KEEP, NOW)
    assert report.removed == 0 and report.held == {"open_incident": {"messages": 1}} and report.audit_seqs == []
    assert purges(store) == [] and stored_seqs(store) == [1, 2]


def test_a_purge_of_several_batches_audits_each_and_they_add_up(store: Store) -> None:
    store.ingest([detection(seq) for seq in range(1, 8)], received=OLD)
    report = purge_expired(store, KEEP, NOW, batch=3)
    entries = purges(store)
    assert [e.detail["messages"] for e in entries] == [{"detections": 3}, {"detections": 3}, {"detections": 1}]
    assert [e.detail["batch"] for e in entries] == [1, 2, 3] and {e.detail["run"] for e in entries} == {report.run}
    assert report.messages == {"detections": 7} and report.audit_seqs == [e.seq for e in entries]
    assert verified(store).intact and site_report(store).missing == 0


def test_a_dry_run_removes_nothing_and_audits_nothing(store: Store) -> None:
    store.ingest([detection(1), evidence(2, event(9))], received=OLD)
    report = purge_expired(store, KEEP, NOW, dry_run=True)
    assert report.dry_run and report.messages == {"detections": 1, "snapshots": 1} and report.snapshots == 1
    assert stored_seqs(store) == [1, 2] and purges(store) == []


def test_no_removal_commits_without_its_audit_entry(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit append is made to fail (a stand-in for any failure in that transaction): the
    removal it would have recorded is rolled back with it."""
    store.ingest([detection(1), evidence(2, event(9))], received=OLD)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError("INSERT INTO audit", {}, Exception("disk I/O error"))

    monkeypatch.setattr(audit, "append", refuse)
    from ridgeline.errors import StoreError

    with pytest.raises(StoreError, match="disk I/O error"):
        purge_expired(store, KEEP, NOW)
    monkeypatch.undo()
    assert stored_seqs(store) == [1, 2] and len(images(store)) == 1 and purges(store) == []
    with store.engine.connect() as conn:
        from ridgeline.store import retention

        assert retention.purged(conn) == {}


def test_a_capped_purge_stops_after_its_batches_and_the_next_goes_on_past_held_rows(store: Store) -> None:
    held = [event(seq) for seq in range(1, 5)]
    store.ingest(held, received=OLD - timedelta(days=1), hook=alerting(store).apply)  # the oldest: walked first
    store.ingest([detection(seq) for seq in range(5, 8)], received=OLD)
    open_incident(store, [e.payload["id"] for e in held], legal_hold=True)
    first = purge_expired(store, KEEP, NOW, batch=2, max_batches=1)
    assert not first.complete and first.messages == {"detections": 2} and len(first.audit_seqs) == 1
    assert first.held == {"legal_hold": {"messages": 4}}  # stepped past, not counted against the cap
    second = purge_expired(store, KEEP, NOW, batch=2, max_batches=1)
    assert second.complete and second.messages == {"detections": 1}
    assert stored_seqs(store) == [1, 2, 3, 4] and site_report(store).missing == 0 and verified(store).intact
