"""Alert rows: the open alerts a rule may correlate with, saving a change with its history
line, the events already gone to an alert, listing.

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
        seen=row.seen,
    )


def open_for_rules(conn: Connection, rules: Iterable[str], since: datetime) -> dict[str, list[Alert]]:
    """Each rule's open alerts whose latest event is not older than ``since`` (the
    candidates an event may join), oldest first."""
    found: dict[str, list[Alert]] = {}
    rows = conn.execute(
        select(alerts).where(alerts.c.rule.in_(list(rules)), alerts.c.state.in_(_OPEN), alerts.c.seen >= since)
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
        conn.execute(insert(alerts), [{**_values(a), "id": a.id, "rule": rule, "received": at, "escalated": False}
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


def save_alert(
    conn: Connection, alert: Alert, rule: str, action: str, at: datetime, actor: str = "rules",
    detail: dict[str, Any] | None = None, escalated: bool | None = None, created: bool = False,
) -> None:
    """Insert or update an alert, and append the change to its history."""
    values = _values(alert)
    if created:
        conn.execute(insert(alerts).values(id=alert.id, rule=rule, received=at, escalated=False, **values))
    else:
        if escalated is not None:
            values["escalated"] = escalated
        conn.execute(update(alerts).where(alerts.c.id == alert.id).values(**values))
    conn.execute(
        insert(alert_history).values(alert_id=alert.id, time=at, action=action, actor=actor, detail=detail or {})
    )
    audit.append(conn, actor, f"alert.{action}", alert.id, detail or {}, at)


def unescalated_new(conn: Connection) -> list[tuple[Alert, str, datetime]]:
    """New alerts not yet escalated, with their rule and when the centre opened them."""
    rows = conn.execute(
        select(alerts).where(alerts.c.state == AlertState.NEW.value, alerts.c.escalated.is_(False))
    ).all()
    return [(_alert(r), r.rule, r.received) for r in rows]


def list_alerts(conn: Connection, state: str | None = None, limit: int = 100) -> list[tuple[Alert, bool]]:
    """Newest alerts first, optionally in one state, with whether each was escalated."""
    q = select(alerts).order_by(alerts.c.opened.desc()).limit(limit)
    if state:
        q = q.where(alerts.c.state == state)
    return [(_alert(r), r.escalated) for r in conn.execute(q)]


def history(conn: Connection, alert_id: str) -> list[tuple[datetime, str, str, dict[str, Any]]]:
    """Every change to an alert, oldest first."""
    rows = conn.execute(
        select(alert_history).where(alert_history.c.alert_id == alert_id).order_by(alert_history.c.pk)
    ).all()
    return [(r.time, r.action, r.actor, dict(r.detail)) for r in rows]
