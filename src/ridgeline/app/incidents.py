"""Use cases of incidents: the cases a team works (EarthRanger's incident collections, Resgrid's
dispatch log): open one from alerts, add alerts, comment, close with an outcome, reopen, and
set or release a legal hold.

Each takes an open :class:`~ridgeline.store.db.Store` first and ``actor`` (the operator's
name, or ``system``); each change is one transaction with its audit entry
(``incident.opened``, ``incident.alert_added``, ``incident.commented``, ``incident.closed``,
``incident.reopened``, ``incident.hold_set``, ``incident.hold_released``).  Changes to the
incident itself (opened, closed, reopened, hold set or released) get a system comment on the
incident; an alert added gets one on the alert ("added to incident ...") and its link row
records who added it and when.

A closed incident is read-only: adding alerts or comments raises ``IncidentClosedError``
until it is reopened (the API lets supervisors only do that).  A legal hold may be set or
released on a closed incident too, since holds matter most after a case is closed.  Roles
are the API's to check.  The timeline and the case-file record are in
:mod:`ridgeline.app.incident_record`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ridgeline.errors import IncidentClosedError, IncidentError, IncidentNotFoundError, IncidentStateError
from ridgeline.model import Incident, IncidentOutcome, IncidentState
from ridgeline.store.comments import Comment

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ridgeline.store.db import Store

#: The longest incident title, in characters (the column's width).
MAX_TITLE = 200


def _title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise IncidentError("an incident needs a title")
    if len(cleaned) > MAX_TITLE:
        raise IncidentError(f"an incident title has at most {MAX_TITLE} characters, got {len(cleaned)}")
    return cleaned


def load(conn: Connection, incident_id: str, lock: bool = False) -> Incident:
    """The incident; ``IncidentNotFoundError`` if there is none (``lock``: held for a change)."""
    from ridgeline.store import incidents as repo

    found = repo.get(conn, incident_id, lock)
    if found is None:
        raise IncidentNotFoundError(f"no incident {incident_id}")
    return found


def _open_one(conn: Connection, incident_id: str) -> Incident:
    incident = load(conn, incident_id, lock=True)
    if incident.state == IncidentState.CLOSED:
        raise IncidentClosedError(f"incident {incident_id} is closed: reopen it first")
    return incident


def _link(conn: Connection, incident: Incident, alert_ids: list[str], actor: str, at: datetime) -> None:
    """Add alerts (which must exist, each once) to an incident, with the audit entries and the
    system comment on each alert."""
    from ridgeline.errors import AlertNotFoundError
    from ridgeline.rules import work
    from ridgeline.store import alerts as alert_repo
    from ridgeline.store import audit
    from ridgeline.store import incidents as repo

    if not alert_ids:
        raise IncidentError("name at least one alert")
    twice = sorted({a for a in alert_ids if alert_ids.count(a) > 1})
    if twice:
        raise IncidentError(f"alert {', '.join(twice)} named twice")
    already = [a for a in alert_ids if a in incident.alerts]
    if already:
        raise IncidentError(f"alert {', '.join(already)} is in incident {incident.id} already")
    found = alert_repo.existing(conn, alert_ids)
    missing = [a for a in alert_ids if a not in found]
    if missing:
        raise AlertNotFoundError(f"no alert {', '.join(missing)}")
    repo.add_alerts(conn, incident.id, alert_ids, at, actor)
    audit.append_many(conn, [(actor, "incident.alert_added", incident.id, {"alert": a}, at) for a in alert_ids])
    for alert_id in alert_ids:
        work.system_comment(conn, alert_id, actor, f"added to incident {incident.id}: {incident.title}", at)


def _note(conn: Connection, incident_id: str, actor: str, text: str, at: datetime) -> None:
    from ridgeline.store import comments
    from ridgeline.store.comments import Subject

    comments.add(conn, Subject.INCIDENT, incident_id, at, actor, text, system=True)


def open_incident(store: Store, alert_ids: list[str], title: str, actor: str) -> Incident:
    """A new, open incident gathering these alerts (at least one; each must exist), titled
    ``title`` (1 to 200 characters once its spaces are tidied)."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store import incidents as repo

    cleaned = _title(title)
    with store.engine.begin() as conn:
        now = utc_now()
        incident = Incident(title=cleaned, opened=now, opened_by=actor, updated=now)
        repo.create(conn, incident)
        audit.append(conn, actor, "incident.opened", incident.id, {"title": cleaned, "alerts": list(alert_ids)}, now)
        _note(conn, incident.id, actor, f"opened: {cleaned}", now)
        _link(conn, incident, list(alert_ids), actor, now)
        return load(conn, incident.id)


def add_alerts(store: Store, incident_id: str, alert_ids: list[str], actor: str) -> Incident:
    """Add alerts to an open incident; an alert already in it is an ``IncidentError``."""
    from ridgeline.model import utc_now
    from ridgeline.store import incidents as repo

    with store.engine.begin() as conn:
        now = utc_now()
        incident = _open_one(conn, incident_id)
        _link(conn, incident, list(alert_ids), actor, now)
        repo.change(conn, incident_id, updated=now)
        return load(conn, incident_id)


def comment(store: Store, incident_id: str, text: str, actor: str) -> Comment:
    """A person's comment on an open incident: 1 to 4000 characters once stripped."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit, comments
    from ridgeline.store import incidents as repo
    from ridgeline.store.comments import Subject

    body = comments.clean_text(text)
    with store.engine.begin() as conn:
        now = utc_now()
        _open_one(conn, incident_id)
        written = comments.add(conn, Subject.INCIDENT, incident_id, now, actor, body)
        repo.change(conn, incident_id, updated=now)
        audit.append(conn, actor, "incident.commented", incident_id, {"text": body}, now)
        return written


def close(store: Store, incident_id: str, outcome: IncidentOutcome, actor: str, summary: str | None = None) -> Incident:
    """Close an open incident with its outcome and, optionally, a summary (at most 4000
    characters); it is read-only until reopened."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store import incidents as repo

    text = summary.strip() if summary else None
    if text is not None and len(text) > 4000:
        raise IncidentError(f"a summary has at most 4000 characters, got {len(text)}")
    with store.engine.begin() as conn:
        now = utc_now()
        _open_one(conn, incident_id)
        repo.change(conn, incident_id, state=IncidentState.CLOSED, closed=now, closed_by=actor, outcome=outcome,
                    summary=text or None, updated=now)
        audit.append(conn, actor, "incident.closed", incident_id, {"outcome": outcome.value, "summary": text}, now)
        _note(conn, incident_id, actor, f"closed: {outcome.value}" + (f": {text}" if text else ""), now)
        return load(conn, incident_id)


def reopen(store: Store, incident_id: str, actor: str, reason: str = "") -> Incident:
    """Reopen a closed incident (its outcome and summary are cleared; the audit trail and the
    system comment of its closing keep them).  Reopening an open one is an ``IncidentStateError``."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store import incidents as repo

    with store.engine.begin() as conn:
        now = utc_now()
        incident = load(conn, incident_id, lock=True)
        if incident.state != IncidentState.CLOSED:
            raise IncidentStateError(f"incident {incident_id} is open already")
        repo.change(conn, incident_id, state=IncidentState.OPEN, closed=None, closed_by=None, outcome=None,
                    summary=None, updated=now)
        detail = {"outcome": incident.outcome.value if incident.outcome else None, "reason": reason.strip() or None}
        audit.append(conn, actor, "incident.reopened", incident_id, detail, now)
        _note(conn, incident_id, actor, "reopened" + (f": {reason.strip()}" if reason.strip() else ""), now)
        return load(conn, incident_id)


def set_legal_hold(store: Store, incident_id: str, on: bool, actor: str) -> Incident:
    """Set (``on``) or release a legal hold: the incident's evidence outlives its retention while
    held.  Allowed on closed incidents too; setting a hold that is set (or releasing one that is
    not) is an ``IncidentStateError``."""
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store import incidents as repo

    with store.engine.begin() as conn:
        now = utc_now()
        incident = load(conn, incident_id, lock=True)
        if incident.legal_hold == on:
            raise IncidentStateError(f"incident {incident_id} is under legal hold already" if on
                                     else f"incident {incident_id} is not under legal hold")
        repo.change(conn, incident_id, legal_hold=on, updated=now)
        audit.append(conn, actor, "incident.hold_set" if on else "incident.hold_released", incident_id, {}, now)
        _note(conn, incident_id, actor, "legal hold set" if on else "legal hold released", now)
        return load(conn, incident_id)


def get_incident(store: Store, incident_id: str) -> Incident:
    """One incident; ``IncidentNotFoundError`` if there is none."""
    with store.engine.connect() as conn:
        return load(conn, incident_id)


def list_incidents(store: Store, state: IncidentState | None = None, limit: int = 100) -> list[Incident]:
    """Incidents, newest opened first, optionally only open or only closed ones."""
    from ridgeline.store import incidents as repo

    with store.engine.connect() as conn:
        return repo.list_incidents(conn, state, limit)
