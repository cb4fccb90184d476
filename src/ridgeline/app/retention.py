"""Use case: purge what is past its retention, every removal in the audit trail.

The sector's ``retention`` sets two cutoffs from ``now``: evidence (event images) received
more than ``snapshots_days`` ago, and the sites' messages received more than
``events_days`` ago; what an incident under legal hold or still open needs is held back
(``store.retention`` says what and why).  The centre runs this hourly; an operator runs it
with ``ridgeline store purge`` (``--dry-run`` to see first).

Every transaction that removed something appends one audit entry, actor ``system``,
action ``retention.purged``, in that same transaction: a removal is never committed
without its entry, nor an entry without its removal.  A purge of an ordinary hour fits in
one transaction and leaves one entry; a purge of more than one batch leaves one entry per
batch, each with its own counts, tied together by the run's id.  The detail says the
cutoffs, the messages removed per type, the images removed, and the expired rows held
back per reason (``legal_hold``, ``open_incident``) that the batch's scan stepped past.
A purge that removes nothing writes no entry: an hourly line saying "nothing" would
bury the entries that matter (the report still says what was held back).

Units' position reports (their trail) expire with the sites' messages, by when the centre
received them: each transaction that removed some appends its own entry, detail
``unit_positions`` (a unit's current position stays in its row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ridgeline.model import new_id

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ridgeline.config.sector import RetentionConfig
    from ridgeline.store.db import Store
    from ridgeline.store.retention import Purged

ACTOR = "system"
ACTION = "retention.purged"


@dataclass(frozen=True)
class PurgeReport:
    """What one purge run removed (or, dry, would remove) and held back."""

    run: str
    events_before: datetime
    evidence_before: datetime
    #: messages removed per type (detections, tracks, events, logs, snapshots, thinned)
    messages: dict[str, int]
    #: evidence images removed
    snapshots: int
    #: expired rows kept, per reason (legal_hold, open_incident) and kind (messages, snapshots)
    held: dict[str, dict[str, int]]
    dry_run: bool = False
    #: seqs of the audit entries written (one per transaction that removed something)
    audit_seqs: list[int] = field(default_factory=list)
    #: whether every expired row was reached (false when ``max_batches`` stopped it first)
    complete: bool = True
    #: units' position reports removed (their trail; a unit's current position stays)
    unit_positions: int = 0

    @property
    def removed(self) -> int:
        """Messages, images and units' position reports removed in all."""
        return sum(self.messages.values()) + self.snapshots + self.unit_positions

    @property
    def held_back(self) -> int:
        """Expired rows kept by a hold, in all."""
        return sum(n for per in self.held.values() for n in per.values())


def cutoffs(retention: RetentionConfig, now: datetime) -> tuple[datetime, datetime]:
    """(events cutoff, evidence cutoff): what the centre received before them has expired."""
    return now - timedelta(days=retention.events_days), now - timedelta(days=retention.snapshots_days)


def _detail(run: str, batch: int, events_before: datetime, evidence_before: datetime,
            step: Purged) -> dict[str, Any]:
    """The audit entry's detail for one transaction of a purge."""
    return {
        "run": run, "batch": batch,
        "cutoffs": {"events": events_before.isoformat(), "evidence": evidence_before.isoformat()},
        "messages": dict(sorted(step.messages.items())), "snapshots": step.snapshots,
        "held": {why: dict(sorted(per.items())) for why, per in sorted(step.held.items())},
    }


def purge_expired(store: Store, retention: RetentionConfig, now: datetime, dry_run: bool = False,
                  batch: int | None = None, max_batches: int | None = None, actor: str = ACTOR) -> PurgeReport:
    """Remove the evidence and messages past ``retention`` at ``now`` that no incident holds,
    auditing each transaction that removed something; ``dry_run`` only counts.

    ``batch`` rows at most are scanned per transaction; ``max_batches`` stops after that many
    transactions that removed something (the report's ``complete`` is then false: a later
    run goes on)."""
    from ridgeline.store import audit
    from ridgeline.store.retention import BATCH

    events_before, evidence_before = cutoffs(retention, now)
    run = new_id()
    written: list[int] = []

    def audited(conn: Connection, step: Purged) -> None:
        detail = _detail(run, len(written) + 1, events_before, evidence_before, step)
        written.append(audit.append(conn, actor, ACTION, None, detail, now).seq)

    total = store.purge(events_before, evidence_before, on_batch=audited, batch=batch or BATCH, dry_run=dry_run,
                        max_batches=max_batches)
    trail, trail_complete = _purge_trail(store, events_before, batch or BATCH, dry_run, max_batches, run, now,
                                         actor, written)
    return PurgeReport(run=run, events_before=events_before, evidence_before=evidence_before,
                       messages=dict(sorted(total.messages.items())), snapshots=total.snapshots, held=total.held,
                       dry_run=dry_run, audit_seqs=written, complete=total.complete and trail_complete,
                       unit_positions=trail)


def _purge_trail(store: Store, before: datetime, batch: int, dry_run: bool, max_batches: int | None, run: str,
                 now: datetime, actor: str, written: list[int]) -> tuple[int, bool]:
    """Remove units' position reports received before ``before``, ``batch`` per transaction,
    each transaction with its audit entry; (removed or, dry, expired; whether all were reached)."""
    from ridgeline.store import audit, units

    if dry_run:
        with store.engine.connect() as conn:
            return units.count_expired_positions(conn, before), True
    removed, rounds = 0, 0
    while max_batches is None or rounds < max_batches:
        with store.engine.begin() as conn:
            pks = units.expired_positions(conn, before, batch)
            if not pks:
                return removed, True
            units.remove_positions(conn, pks)
            detail = {"run": run, "batch": len(written) + 1, "cutoffs": {"events": before.isoformat()},
                      "unit_positions": len(pks)}
            written.append(audit.append(conn, actor, ACTION, None, detail, now).seq)
        removed += len(pks)
        rounds += 1
    with store.engine.connect() as conn:
        return removed, not units.expired_positions(conn, before, 1)


__all__ = ["ACTION", "ACTOR", "PurgeReport", "cutoffs", "purge_expired"]
