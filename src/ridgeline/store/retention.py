"""Retention at the centre: expired evidence and messages removed in bounded batches, held ones kept.

What expires: the evidence (``snapshots``, the event images) received before the evidence
cutoff, and the messages the sites sent (``messages``: detections, tracks, events, logs,
thinned markers and the records of snapshots) received before the events cutoff.  Both go
by ``received``, the centre's clock when it committed them: a sensor's clock may be wrong
(hours ahead, or reset to 1970), and a message judged by it could go the day it came or
never.  Alerts, incidents, comments, ``alert_events`` (which keeps an event counted once
even after its message is gone) and the audit trail are kept.

What is held back, past both cutoffs: the events of every alert gathered into an incident
under legal hold, and those of an incident still open (not closed: the team is working it,
and may yet place a hold), with their evidence: the ``events`` messages carrying those event
ids, the ``snapshots`` rows of those events, and the ``snapshots`` messages that carried
them.  Only the data of closed incidents without a hold, and of no incident at all,
expires.  Releasing a hold (or closing an incident) lets the next purge take what is past
its retention.  Detections and tracks behind an event are not held: the event and its
images are the evidence.

The purge walks the expired rows oldest first and works in transactions of at most
``batch`` rows scanned, so a purge of months of data never holds the write lock for long;
each transaction first takes the audit head's lock, which every audited change (a hold
placed, an alert added to an incident) also takes, so the holds it reads next stand until
it commits.  ``on_batch(conn, batch)`` runs inside each transaction that removed
something, before it commits: the audit entry of what it removed is committed exactly
with the removal.

The seqs of removed messages are kept per site as ranges (``purged_seqs``, merged as
neighbours go), so the sequence check counts them as purged, not missing, and the ingest
takes one of them delivered again for a redelivery instead of storing it anew (its id is
gone with it, so a replay under another id is not told apart).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select, tuple_, update

from ridgeline.model import MessageType
from ridgeline.store.schema import (
    alert_events,
    audit_head,
    incident_alerts,
    incidents,
    messages,
    purged_seqs,
    snapshots,
)

#: rows scanned per transaction at most
BATCH = 5000


@dataclass(frozen=True)
class Holds:
    """The event ids whose messages and evidence are kept past retention, and why."""

    legal_hold: frozenset[str] = frozenset()
    #: of incidents still open and not under a hold
    open_incident: frozenset[str] = frozenset()

    def why(self, event_id: str | None) -> str | None:
        """``"legal_hold"``, ``"open_incident"`` or None (it may go)."""
        if event_id is None:
            return None
        if event_id in self.legal_hold:
            return "legal_hold"
        if event_id in self.open_incident:
            return "open_incident"
        return None


@dataclass
class Purged:
    """What a purge (or one of its transactions) removed and what it held back.

    ``messages`` counts removed messages per type; ``snapshots`` removed images;
    ``held`` the expired rows kept, per reason (``legal_hold``, ``open_incident``) and kind
    (``messages``, ``snapshots``).
    """

    messages: dict[str, int] = field(default_factory=dict)
    snapshots: int = 0
    held: dict[str, dict[str, int]] = field(default_factory=dict)
    #: whether every expired row was reached (false when ``max_batches`` stopped the purge first)
    complete: bool = True

    @property
    def removed(self) -> int:
        """Rows removed in all (messages and images)."""
        return sum(self.messages.values()) + self.snapshots

    def hold(self, why: str, kind: str) -> None:
        """Count one expired row of ``kind`` kept for ``why``."""
        per = self.held.setdefault(why, {})
        per[kind] = per.get(kind, 0) + 1

    def add(self, other: Purged) -> None:
        """Add another's counts to these."""
        for kind, n in other.messages.items():
            self.messages[kind] = self.messages.get(kind, 0) + n
        self.snapshots += other.snapshots
        for why, per in other.held.items():
            for kind, n in per.items():
                mine = self.held.setdefault(why, {})
                mine[kind] = mine.get(kind, 0) + n


#: ``on_batch(conn, batch)``: called in each transaction that removed something, before it commits
OnBatch = Callable[[Connection, Purged], object]


def holds(conn: Connection) -> Holds:
    """The event ids of incidents under legal hold, and of the other incidents still open."""
    rows = conn.execute(
        select(alert_events.c.event_id, incidents.c.legal_hold)
        .select_from(alert_events.join(incident_alerts, incident_alerts.c.alert_id == alert_events.c.alert_id)
                     .join(incidents, incidents.c.id == incident_alerts.c.incident_id))
        .where(or_(incidents.c.legal_hold.is_(True), incidents.c.closed.is_(None)))
    )
    legal: set[str] = set()
    working: set[str] = set()
    for event_id, held in rows:
        (legal if held else working).add(str(event_id))
    return Holds(frozenset(legal), frozenset(working - legal))


def purged(conn: Connection, site: str | None = None) -> dict[str, list[tuple[int, int]]]:
    """Per site, the ranges of seqs purged after their retention, in order."""
    query = select(purged_seqs.c.site, purged_seqs.c.first, purged_seqs.c.last)
    if site is not None:
        query = query.where(purged_seqs.c.site == site)
    out: dict[str, list[tuple[int, int]]] = {}
    for name, first, last in conn.execute(query.order_by(purged_seqs.c.site, purged_seqs.c.first)):
        out.setdefault(name, []).append((int(first), int(last)))
    return out


def purged_among(conn: Connection, site: str, seqs: Sequence[int]) -> set[int]:
    """Those of a site's seqs that were stored once and purged (for the ingest: not to store them again)."""
    if not seqs:
        return set()
    ranges = conn.execute(select(purged_seqs.c.first, purged_seqs.c.last).where(
        purged_seqs.c.site == site, purged_seqs.c.first <= max(seqs), purged_seqs.c.last >= min(seqs))).all()
    return {seq for seq in seqs if any(first <= seq <= last for first, last in ranges)}


def _runs(seqs: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted seqs as ranges of consecutive ones."""
    out: list[tuple[int, int]] = []
    for seq in sorted(set(seqs)):
        if out and seq == out[-1][1] + 1:
            out[-1] = (out[-1][0], seq)
        else:
            out.append((seq, seq))
    return out


def merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges of seqs, overlapping or adjacent ones joined, in order."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _record(conn: Connection, site: str, seqs: Sequence[int]) -> None:
    """Add purged seqs to the site's ranges, joined with the ranges they touch."""
    runs = _runs(s for s in seqs if s > 0)  # seq 0 (status) stands outside the stream
    if not runs:
        return
    lo, hi = runs[0][0] - 1, runs[-1][1] + 1
    near = purged_seqs.c.site == site, purged_seqs.c.last >= lo, purged_seqs.c.first <= hi
    touched = [(int(a), int(b)) for a, b in conn.execute(select(purged_seqs.c.first, purged_seqs.c.last).where(*near))]
    conn.execute(delete(purged_seqs).where(*near))
    conn.execute(insert(purged_seqs), [{"site": site, "first": a, "last": b} for a, b in merge(touched + runs)])


def _chunks(items: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class _Walk:
    """One kind of expired row, walked oldest first by a cursor that steps past held rows."""

    def __init__(self, before: datetime) -> None:
        self.before = before
        self.after: tuple[Any, ...] | None = None
        self.done = False


def _snapshot_step(conn: Connection, walk: _Walk, room: int, keep: Holds, tally: Purged, remove: bool) -> int:
    """Scan up to ``room`` expired images; remove those not held.  Rows scanned."""
    key = (snapshots.c.received, snapshots.c.site, snapshots.c.id)
    query = select(*key, snapshots.c.event).where(snapshots.c.received < walk.before)
    if walk.after is not None:
        query = query.where(tuple_(*key) > tuple_(*walk.after))
    rows = conn.execute(query.order_by(*key).limit(room)).all()
    if len(rows) < room:
        walk.done = True
    if rows:
        walk.after = tuple(rows[-1][:3])
    gone: dict[str, list[str]] = {}
    for _received, site, snap_id, event in rows:
        why = keep.why(event)
        if why is not None:
            tally.hold(why, "snapshots")
        else:
            gone.setdefault(site, []).append(snap_id)
    for site, ids in gone.items():
        for part in _chunks(ids):
            if remove:
                conn.execute(delete(snapshots).where(snapshots.c.site == site, snapshots.c.id.in_(part)))
            tally.snapshots += len(part)
    return len(rows)


def _message_step(conn: Connection, walk: _Walk, room: int, keep: Holds, tally: Purged, remove: bool) -> int:
    """Scan up to ``room`` expired messages; remove those not held and record their seqs.  Rows scanned."""
    key = (messages.c.received, messages.c.id)
    query = select(*key, messages.c.site, messages.c.seq, messages.c.type,
                   messages.c.payload["id"].as_string(), messages.c.payload["event"].as_string()
                   ).where(messages.c.received < walk.before)
    if walk.after is not None:
        received, last_id = walk.after
        query = query.where(or_(messages.c.received > received,
                                and_(messages.c.received == received, messages.c.id > last_id)))
    rows = conn.execute(query.order_by(*key).limit(room)).all()
    if len(rows) < room:
        walk.done = True
    if rows:
        walk.after = tuple(rows[-1][:2])
    ids: list[str] = []
    seqs: dict[str, list[int]] = {}
    for _received, msg_id, site, seq, kind, payload_id, payload_event in rows:
        event = payload_id if kind == MessageType.EVENTS.value else (
            payload_event if kind == MessageType.SNAPSHOTS.value else None)
        why = keep.why(event)
        if why is not None:
            tally.hold(why, "messages")
            continue
        ids.append(msg_id)
        seqs.setdefault(site, []).append(int(seq))
        tally.messages[kind] = tally.messages.get(kind, 0) + 1
    if remove and ids:
        for part in _chunks(ids):
            conn.execute(delete(messages).where(messages.c.id.in_(part)))
        for site in sorted(seqs):
            _record(conn, site, seqs[site])
    return len(rows)


def purge(engine: Engine, events_before: datetime, evidence_before: datetime, on_batch: OnBatch | None = None,
          batch: int = BATCH, dry_run: bool = False, max_batches: int | None = None) -> Purged:
    """Remove the images received before ``evidence_before`` and the messages received before
    ``events_before`` that no hold keeps, in transactions of at most ``batch`` rows scanned
    (images first); what went and what was held back, in all.

    ``dry_run`` only counts: nothing is removed and ``on_batch`` is not called.
    ``max_batches`` stops after that many transactions that removed something (``complete``
    then says whether all was reached), so a caller with other duties (the centre's
    watchdog) comes back soon; transactions that only stepped past held rows do not count,
    so a later call, starting again from the oldest, always gets further.
    """
    if batch < 1:
        raise ValueError("a purge batch needs at least one row")
    images, records = _Walk(evidence_before), _Walk(events_before)
    total, done = Purged(), 0
    while not (images.done and records.done):
        if max_batches is not None and done >= max_batches:
            total.complete = False
            break
        step = Purged()
        with engine.connect() if dry_run else engine.begin() as conn:
            if not dry_run:
                # the audit head first: every audited change (a hold placed, an alert added to an
                # incident) takes it too, so the holds read next stand until this commits
                conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
            keep = holds(conn)
            room = batch
            if not images.done:
                room -= _snapshot_step(conn, images, room, keep, step, not dry_run)
            if images.done and room > 0 and not records.done:
                _message_step(conn, records, room, keep, step, not dry_run)
            if step.removed and on_batch is not None and not dry_run:
                on_batch(conn, step)
        total.add(step)
        done += 1 if step.removed else 0
    return total


__all__ = ["BATCH", "Holds", "OnBatch", "Purged", "holds", "merge", "purge", "purged", "purged_among"]
