"""What an incident holds, read back: its timeline, and the record a case file is built from.

The timeline merges, by time, the incident's own changes (its system comments: opened,
closed, reopened, legal hold), the alerts added to it, each alert's events (the sensor's
time, site and sensor, type, position), each alert's changes (its history: opened,
acknowledged, cleared, assigned, escalated, dispatched, resolved; the events that joined it
are their own entries), people's comments on the incident and its alerts, the evidence
(snapshots of those events, without their images) and the dispatches (each unit sent to the
incident or one of its alerts, and its status changes while on it: dispatched, en route, on
scene, returning, cleared).  The alerts' system comments are left out: each repeats a history line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ridgeline.model import Alert, Event, Incident
from ridgeline.store.comments import Comment
from ridgeline.store.incidents import AlertLink, SnapshotKey, StoredEvent

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ridgeline.store.db import Store


class EntryKind(StrEnum):
    """What a timeline entry is."""

    INCIDENT = "incident"  # the incident itself: opened, closed, reopened, legal hold
    ALERT_ADDED = "alert_added"  # an alert joined the incident
    EVENT = "event"  # an event behind one of its alerts
    ALERT_CHANGE = "alert_change"  # one of its alerts changed (acknowledged, escalated...)
    COMMENT = "comment"  # a person wrote on the incident or one of its alerts
    EVIDENCE = "evidence"  # a snapshot of one of its events
    DISPATCH = "dispatch"  # a unit sent to it or one of its alerts, and its status changes on it


#: Which of two entries at the same instant comes first.
_ORDER = {kind: i for i, kind in enumerate(EntryKind)}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an incident's timeline: when, what kind, who or what (an operator, ``rules``,
    or ``site/sensor`` for an event), what in words, and the ids it refers to."""

    time: datetime
    kind: EntryKind
    actor: str
    text: str
    alert_id: str | None = None
    event_id: str | None = None
    snapshot: str | None = None  # "site/id" of a snapshot


@dataclass(frozen=True)
class IncidentRecord:
    """Everything a case file holds about an incident: the incident, its alerts (in the order
    added) and their links, the events behind them with their payloads (positions included),
    the keys of their snapshots (read the images with ``store.snapshots.find``), every comment
    on the incident and its alerts, and the timeline."""

    incident: Incident
    alerts: list[Alert]
    links: list[AlertLink]
    events: list[StoredEvent]
    snapshots: list[SnapshotKey]
    comments: list[Comment]
    timeline: list[TimelineEntry]


def _event_entry(stored: StoredEvent) -> TimelineEntry:
    event = Event.model_validate(stored.payload)
    source = "/".join(p for p in (stored.site, event.sensor) if p)
    text = f"{event.type.value} ({event.severity.value})"
    if event.object_class is not None:
        text += f", {event.object_class.value}"
    if event.position is not None and event.position.lon is not None and event.position.lat is not None:
        text += f" at {event.position.lat:.5f}, {event.position.lon:.5f}"
    return TimelineEntry(event.time, EntryKind.EVENT, source, text, stored.alert_id, event.id)


def _change_text(action: str, detail: dict[str, Any]) -> str:
    if action == "escalated":
        return f"escalated to {detail.get('escalated_to') or 'supervisor'} (severity {detail.get('severity')})"
    if action in ("assigned", "unassigned"):
        return f"assigned to {detail.get('assignee')}" if action == "assigned" else "unassigned"
    note = detail.get("note")
    return f"{action}: {note}" if note else action


def _dispatches(conn: Connection, incident: Incident) -> list[TimelineEntry]:
    """The units sent to the incident or to one of its alerts, and their status changes while on it."""
    from ridgeline.app.units import log_text
    from ridgeline.store import units

    return [TimelineEntry(line.time, EntryKind.DISPATCH, line.actor, log_text(line), alert_id=line.alert_id)
            for line in units.log_of(conn, incident_id=incident.id, alert_ids=incident.alerts)]


def _timeline(conn: Connection, incident: Incident, links: list[AlertLink], events: list[StoredEvent],
              shots: list[SnapshotKey], thread: list[Comment]) -> list[TimelineEntry]:
    from ridgeline.store import alerts as alert_repo
    from ridgeline.store.comments import Subject

    entries: list[TimelineEntry] = []
    for c in thread:
        if c.subject == Subject.INCIDENT:
            entries.append(TimelineEntry(c.time, EntryKind.INCIDENT if c.system else EntryKind.COMMENT, c.author,
                                         c.text))
        elif not c.system:
            entries.append(TimelineEntry(c.time, EntryKind.COMMENT, c.author, c.text, alert_id=c.subject_id))
    entries.extend(TimelineEntry(link.added, EntryKind.ALERT_ADDED, link.added_by, f"alert {link.alert_id} added",
                                 alert_id=link.alert_id) for link in links)
    entries.extend(_event_entry(e) for e in events)
    for link in links:
        for at, action, actor, detail in alert_repo.history(conn, link.alert_id):
            if action != "updated":  # an event joining: its own entry above
                entries.append(TimelineEntry(at, EntryKind.ALERT_CHANGE, actor, _change_text(action, detail),
                                             alert_id=link.alert_id))
    alert_of = {e.event_id: e.alert_id for e in events}
    entries.extend(TimelineEntry(s.time, EntryKind.EVIDENCE, f"{s.site}/{s.sensor}",
                                 f"snapshot {s.id} ({s.media_type})", alert_id=alert_of.get(s.event),
                                 event_id=s.event, snapshot=f"{s.site}/{s.id}") for s in shots)
    entries.extend(_dispatches(conn, incident))
    # a stable sort: entries of one kind at one instant keep the order they were written in
    return sorted(entries, key=lambda e: (e.time, _ORDER[e.kind]))


def _read(conn: Connection, incident_id: str) -> IncidentRecord:
    from ridgeline.app.incidents import load
    from ridgeline.store import alerts as alert_repo
    from ridgeline.store import comments
    from ridgeline.store import incidents as repo
    from ridgeline.store.comments import Subject

    incident = load(conn, incident_id)
    links = repo.links(conn, incident_id)
    ids = [link.alert_id for link in links]
    found = alert_repo.existing(conn, ids)
    events = repo.events(conn, ids)
    shots = repo.snapshot_keys(conn, [e.event_id for e in events])
    thread = sorted(comments.on(conn, Subject.INCIDENT, [incident_id]) + comments.on(conn, Subject.ALERT, ids),
                    key=lambda c: c.time)
    timeline = _timeline(conn, incident, links, events, shots, thread)
    return IncidentRecord(incident, [found[i] for i in ids if i in found], links, events, shots, thread, timeline)


def incident_timeline(store: Store, incident_id: str) -> list[TimelineEntry]:
    """The incident's timeline, oldest first; ``IncidentNotFoundError`` if there is none."""
    with store.engine.connect() as conn:
        return _read(conn, incident_id).timeline


def incident_record(store: Store, incident_id: str) -> IncidentRecord:
    """Everything a case file needs about the incident, read in one transaction."""
    with store.engine.connect() as conn:
        return _read(conn, incident_id)
