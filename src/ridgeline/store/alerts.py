"""Alert rows: the open alerts a rule may correlate with, saving a change with its history
line, the facts a team records (acknowledged, cleared, assignee, escalation), the events
already gone to an alert, listing.

``lock`` serialises correlation across processes: on PostgreSQL a transaction-scoped
advisory lock (released at commit or rollback); on SQLite nothing is needed, since the
ingest transaction holds the database's one write lock from its first insert, and SQLite
refuses to let a transaction write on a snapshot older than the last commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from ridgeline.model import Alert, AlertSource, AlertState, Position
from ridgeline.store import audit
from ridgeline.store.schema import alert_events, alert_history, alerts

_OPEN = [AlertState.NEW.value, AlertState.ACKNOWLEDGED.value, AlertState.DISPATCHED.value]
#: the PostgreSQL advisory lock that serialises alert changes (any constant both sides agree on)
_LOCK_KEY = 0x52494447_414C5254 & 0x7FFFFFFFFFFFFFFF  # "RIDGALRT"


def lock(conn: Connection) -> None:
    """Hold the alerts for the rest of the caller's transaction: correlation reads open alerts
    and then writes, and two processes doing so at once would open two alerts for one object
    (or write back a state an operator had just changed)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _alert(row: Any) -> Alert:
    position = Position(lon=row.lon, lat=row.lat) if row.lon is not None and row.lat is not None else None
    return Alert(
        id=row.id, key=row.key, type=row.type, severity=row.severity, state=row.state, opened=row.opened,
        updated=row.updated, event_count=row.event_count, first_event=row.first_event, last_event=row.last_event,
        site=row.site, sources=[AlertSource.model_validate(s) for s in row.sources or []], position=position,
        seen=row.seen, acknowledged=row.acknowledged, acknowledged_by=row.acknowledged_by, cleared=row.cleared,
        cleared_by=row.cleared_by, assignee=row.assignee, escalated=bool(row.escalated), escalated_to=row.escalated_to,
    )


def open_for_rules(conn: Connection, rules: Iterable[str], since: datetime) -> dict[str, list[Alert]]:
    """Each rule's open, uncleared alerts whose latest event is not older than ``since`` (the
    candidates an event may join), oldest first.  A cleared alert was declared over by a
    person, so a later event about the same object opens a new alert rather than joining it."""
    found: dict[str, list[Alert]] = {}
    rows = conn.execute(
        select(alerts).where(alerts.c.rule.in_(list(rules)), alerts.c.state.in_(_OPEN), alerts.c.cleared.is_(None),
                             alerts.c.seen >= since)
        .order_by(alerts.c.seen)
    ).all()
    for row in rows:
        found.setdefault(row.rule, []).append(_alert(row))
    return found


def linked_events(conn: Connection, event_ids: Iterable[str]) -> set[str]:
    """Those of these events that already went to an alert."""
    ids = list(event_ids)
    out: set[str] = set()
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        out.update(conn.scalars(select(alert_events.c.event_id).where(alert_events.c.event_id.in_(part))))
    return out


def write_batch(
    conn: Connection, created: list[tuple[Alert, str]], updated: list[Alert], history_rows: list[dict[str, Any]],
    at: datetime, links: dict[str, str] | None = None,
) -> None:
    """Store a batch of alert changes: new alerts (with their rule), updated ones, their history,
    and ``links`` (event id -> the alert it went to)."""
    if created:
        conn.execute(insert(alerts), [{**_values(a), "id": a.id, "rule": rule, "received": at, "escalated": False,
                                       "assignee": a.assignee}
                                      for a, rule in created])
    for a in updated:
        conn.execute(update(alerts).where(alerts.c.id == a.id).values(**_values(a)))
    if history_rows:
        conn.execute(insert(alert_history), history_rows)
        audit.append_many(conn, [  # every alert change is in the audit trail too
            (str(row["actor"]), f"alert.{row['action']}", str(row["alert_id"]), row["detail"], row["time"])
            for row in history_rows])
    if links:
        conn.execute(insert(alert_events), [{"event_id": e, "alert_id": a} for e, a in links.items()])


def _values(alert: Alert) -> dict[str, Any]:
    where = alert.position
    return {
        "key": alert.key, "type": alert.type.value, "severity": alert.severity.value, "state": alert.state.value,
        "opened": alert.opened, "updated": alert.updated, "site": alert.site, "event_count": alert.event_count,
        "first_event": alert.first_event, "last_event": alert.last_event,
        "sources": [s.model_dump(mode="json") for s in alert.sources],
        "lon": where.lon if where is not None else None, "lat": where.lat if where is not None else None,
        "seen": alert.seen,
    }


def get_alert(conn: Connection, alert_id: str) -> tuple[Alert, str, datetime, bool] | None:
    """An alert with its rule id, when the centre opened it, and whether it was escalated."""
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    return (_alert(row), row.rule, row.received, row.escalated) if row else None


def existing(conn: Connection, alert_ids: Iterable[str]) -> dict[str, Alert]:
    """Those of these alerts that exist, by id."""
    ids = list(dict.fromkeys(alert_ids))
    out: dict[str, Alert] = {}
    for start in range(0, len(ids), 500):
        for row in conn.execute(select(alerts).where(alerts.c.id.in_(ids[start : start + 500]))):
            out[row.id] = _alert(row)
    return out


#: the columns :func:`set_facts` may write: what a team records on an alert besides its state
FACTS = ("acknowledged", "acknowledged_by", "cleared", "cleared_by", "assignee", "escalated", "escalated_to",
         "updated")


def set_facts(conn: Connection, alert_id: str, **values: Any) -> None:
    """Write facts (:data:`FACTS`) of an existing alert; its history line is :func:`record`'s."""
    unknown = set(values) - set(FACTS)
    if unknown:
        raise ValueError(f"not an alert fact: {sorted(unknown)}")
    conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))


def record(conn: Connection, alert_id: str, action: str, actor: str, at: datetime,
           detail: dict[str, Any] | None = None) -> None:
    """Append a change to an alert's history and to the audit trail (as ``alert.<action>``)."""
    conn.execute(
        insert(alert_history).values(alert_id=alert_id, time=at, action=action, actor=actor, detail=detail or {})
    )
    audit.append(conn, actor, f"alert.{action}", alert_id, detail or {}, at)


def save_alert(
    conn: Connection, alert: Alert, rule: str, action: str, at: datetime, actor: str = "rules",
    detail: dict[str, Any] | None = None, escalated: bool | None = None, created: bool = False,
    escalated_to: str | None = None,
) -> None:
    """Insert or update an alert, and append the change to its history."""
    values = _values(alert)
    if created:
        conn.execute(insert(alerts).values(id=alert.id, rule=rule, received=at, escalated=False,
                                           assignee=alert.assignee, **values))
    else:
        if escalated is not None:
            values["escalated"] = escalated
        if escalated_to is not None:
            values["escalated_to"] = escalated_to
        conn.execute(update(alerts).where(alerts.c.id == alert.id).values(**values))
    record(conn, alert.id, action, actor, at, detail)


def unescalated_unacknowledged(conn: Connection) -> list[tuple[Alert, str, datetime]]:
    """Open alerts nobody acknowledged or cleared and not yet escalated, with their rule and when
    the centre opened them.  An alert in state acknowledged counts as acknowledged even without
    the fact (alerts acknowledged before the fact was kept)."""
    rows = conn.execute(
        select(alerts).where(alerts.c.state.in_([AlertState.NEW.value, AlertState.DISPATCHED.value]),
                             alerts.c.acknowledged.is_(None), alerts.c.cleared.is_(None),
                             alerts.c.escalated.is_(False))
    ).all()
    return [(_alert(r), r.rule, r.received) for r in rows]


def list_alerts(conn: Connection, state: str | None = None, limit: int = 100, assignee: str | None = None,
                unacknowledged: bool | None = None, cleared: bool | None = None) -> list[tuple[Alert, bool]]:
    """Newest alerts first, with whether each was escalated; optionally only those in one state,
    assigned to one operator, (un)acknowledged, or (not) cleared."""
    q = select(alerts).order_by(alerts.c.opened.desc(), alerts.c.id.desc()).limit(limit)
    if state:
        q = q.where(alerts.c.state == state)
    if assignee is not None:
        q = q.where(alerts.c.assignee == assignee)
    if unacknowledged is not None:
        q = q.where(alerts.c.acknowledged.is_(None) if unacknowledged else alerts.c.acknowledged.is_not(None))
    if cleared is not None:
        q = q.where(alerts.c.cleared.is_not(None) if cleared else alerts.c.cleared.is_(None))
    return [(_alert(r), r.escalated) for r in conn.execute(q)]


def history(conn: Connection, alert_id: str) -> list[tuple[datetime, str, str, dict[str, Any]]]:
    """Every change to an alert, oldest first."""
    rows = conn.execute(
        select(alert_history).where(alert_history.c.alert_id == alert_id).order_by(alert_history.c.pk)
    ).all()
    return [(r.time, r.action, r.actor, dict(r.detail)) for r in rows]
