"""Incident rows: the cases a team works, the alerts each gathers, and what a case file and a
timeline read about them (the events behind the alerts, their snapshots' keys).

An alert may belong to several incidents (two cases can share a sighting) but only once to
each: (incident, alert) is the primary key of ``incident_alerts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ridgeline.errors import IncidentError
from ridgeline.model import Incident, IncidentOutcome, IncidentState
from ridgeline.store.schema import alert_history, incident_alerts, incidents, messages, snapshots


@dataclass(frozen=True)
class AlertLink:
    """An alert in an incident: when it was added, and by whom."""

    alert_id: str
    added: datetime
    added_by: str


@dataclass(frozen=True)
class StoredEvent:
    """An event behind an alert, as the centre stored it: the alert it went to, the envelope's
    id, site and sequence number, when the centre received it, and the event itself (the
    payload, every field but a snapshot's image)."""

    alert_id: str
    message_id: str
    site: str
    seq: int
    received: datetime
    payload: dict[str, Any]

    @property
    def event_id(self) -> str:
        return str(self.payload.get("id", ""))


@dataclass(frozen=True)
class SnapshotKey:
    """A snapshot of an event, by its key (site, id), without the image bytes."""

    site: str
    id: str
    event: str
    sensor: str
    time: datetime
    media_type: str


def _incident(row: Any, alert_ids: list[str]) -> Incident:
    return Incident(
        id=row.id, title=row.title, state=IncidentState(row.state), opened=row.opened, opened_by=row.opened_by,
        updated=row.updated, closed=row.closed, closed_by=row.closed_by,
        outcome=IncidentOutcome(row.outcome) if row.outcome else None, summary=row.summary,
        legal_hold=bool(row.legal_hold), alerts=alert_ids,
    )


def create(conn: Connection, incident: Incident) -> None:
    """Insert a new incident (its alerts go in with :func:`add_alerts`)."""
    conn.execute(insert(incidents).values(
        id=incident.id, title=incident.title, state=incident.state.value, opened=incident.opened,
        opened_by=incident.opened_by, updated=incident.updated, closed=None, closed_by=None, outcome=None,
        summary=None, legal_hold=incident.legal_hold))


def get(conn: Connection, incident_id: str, lock: bool = False) -> Incident | None:
    """The incident with its alert ids in the order they were added, if there is one; ``lock``
    holds its row for the rest of the transaction (PostgreSQL; SQLite's one writer needs none),
    so a change checked against its state (open, closed) cannot race another change."""
    query = select(incidents).where(incidents.c.id == incident_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        return None
    return _incident(row, [link.alert_id for link in links(conn, incident_id)])


#: the columns :func:`change` may write
CHANGEABLE = ("title", "state", "updated", "closed", "closed_by", "outcome", "summary", "legal_hold")


def change(conn: Connection, incident_id: str, **values: Any) -> None:
    """Write columns (:data:`CHANGEABLE`) of an existing incident; enums are stored by value."""
    unknown = set(values) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not an incident column: {sorted(unknown)}")
    stored = {k: getattr(v, "value", v) for k, v in values.items()}
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**stored))


def add_alerts(conn: Connection, incident_id: str, alert_ids: list[str], at: datetime, by: str) -> None:
    """Link alerts to an incident (the caller checks they exist and are not linked already; one
    linked meanwhile by another writer is an :class:`IncidentError`)."""
    if alert_ids:
        try:
            conn.execute(insert(incident_alerts), [
                {"incident_id": incident_id, "alert_id": a, "added": at, "added_by": by} for a in alert_ids])
        except IntegrityError as exc:
            raise IncidentError(f"an alert of {', '.join(alert_ids)} is in incident {incident_id} already") from exc


def links(conn: Connection, incident_id: str) -> list[AlertLink]:
    """The incident's alerts, in the order they were added (those added together: by id)."""
    rows = conn.execute(select(incident_alerts).where(incident_alerts.c.incident_id == incident_id)
                        .order_by(incident_alerts.c.added, incident_alerts.c.alert_id))
    return [AlertLink(r.alert_id, r.added, r.added_by) for r in rows]


def of_alert(conn: Connection, alert_id: str) -> list[str]:
    """The incidents an alert belongs to, oldest link first."""
    return list(conn.scalars(select(incident_alerts.c.incident_id).where(incident_alerts.c.alert_id == alert_id)
                             .order_by(incident_alerts.c.added)))


def list_incidents(conn: Connection, state: IncidentState | None = None, limit: int = 100) -> list[Incident]:
    """Incidents, newest opened first, optionally in one state."""
    q = select(incidents).order_by(incidents.c.opened.desc(), incidents.c.id.desc()).limit(limit)
    if state is not None:
        q = q.where(incidents.c.state == state.value)
    rows = conn.execute(q).all()
    by_incident: dict[str, list[str]] = {r.id: [] for r in rows}
    if by_incident:
        for link in conn.execute(select(incident_alerts).where(incident_alerts.c.incident_id.in_(list(by_incident)))
                                 .order_by(incident_alerts.c.added, incident_alerts.c.alert_id)):
            by_incident[link.incident_id].append(link.alert_id)
    return [_incident(r, by_incident[r.id]) for r in rows]


def events(conn: Connection, alert_ids: Iterable[str]) -> list[StoredEvent]:
    """The events behind these alerts, oldest received first.

    Each event that opened or joined an alert has a history line naming the (site, seq) of
    the envelope that carried it, and (site, seq) is unique among stored messages.
    """
    ids = list(alert_ids)
    if not ids:
        return []
    lines = conn.execute(select(alert_history.c.alert_id, alert_history.c.detail).where(
        alert_history.c.alert_id.in_(ids), alert_history.c.action.in_(["opened", "updated"]))
        .order_by(alert_history.c.pk)).all()
    keyed: dict[tuple[str, int], str] = {}
    for line in lines:
        detail = dict(line.detail or {})
        if "site" in detail and "seq" in detail:
            keyed[(str(detail["site"]), int(detail["seq"]))] = line.alert_id
    found: list[StoredEvent] = []
    pairs = list(keyed)
    for start in range(0, len(pairs), 200):
        part = pairs[start : start + 200]
        rows = conn.execute(select(messages).where(
            or_(*(and_(messages.c.site == site, messages.c.seq == seq) for site, seq in part))))
        found.extend(StoredEvent(keyed[(r.site, int(r.seq))], r.id, r.site, int(r.seq), r.received, dict(r.payload))
                     for r in rows)
    found.sort(key=lambda e: (e.received, e.site, e.seq))
    return found


def snapshot_keys(conn: Connection, event_ids: Iterable[str]) -> list[SnapshotKey]:
    """The snapshots of these events (keys and facts, not the images), by time."""
    ids = list(event_ids)
    out: list[SnapshotKey] = []
    cols = (snapshots.c.site, snapshots.c.id, snapshots.c.event, snapshots.c.sensor, snapshots.c.time,
            snapshots.c.media_type)
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(*cols).where(snapshots.c.event.in_(ids[start : start + 500])))
        out.extend(SnapshotKey(r.site, r.id, r.event, r.sensor, r.time, r.media_type) for r in rows)
    out.sort(key=lambda s: (s.time, s.site, s.id))
    return out
