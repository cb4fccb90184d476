"""Alert rows: the open alert for a key, saving a change with its history line, listing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ridgeline.model import Alert, AlertState
from ridgeline.store.schema import alert_history, alerts

_OPEN = [AlertState.NEW.value, AlertState.ACKNOWLEDGED.value, AlertState.DISPATCHED.value]


def _alert(row: Any) -> Alert:
    return Alert(
        id=row.id, key=row.key, type=row.type, severity=row.severity, state=row.state, opened=row.opened,
        updated=row.updated, event_count=row.event_count, first_event=row.first_event, last_event=row.last_event,
        site=row.site,
    )


def open_alert(conn: Connection, key: str) -> Alert | None:
    """The latest open alert with this correlation key."""
    row = conn.execute(
        select(alerts).where(alerts.c.key == key, alerts.c.state.in_(_OPEN)).order_by(alerts.c.updated.desc()).limit(1)
    ).first()
    return _alert(row) if row else None


def open_alerts(conn: Connection, keys: Iterable[str]) -> dict[str, Alert]:
    """The latest open alert of each key that has one."""
    keys = list(keys)
    found: dict[str, Alert] = {}
    for chunk in range(0, len(keys), 500):
        rows = conn.execute(
            select(alerts).where(alerts.c.key.in_(keys[chunk : chunk + 500]), alerts.c.state.in_(_OPEN))
            .order_by(alerts.c.updated)
        ).all()
        for row in rows:
            found[row.key] = _alert(row)  # later rows (newer) win
    return found


def write_batch(
    conn: Connection, created: list[tuple[Alert, str]], updated: list[Alert], history_rows: list[dict[str, Any]],
    at: datetime,
) -> None:
    """Store a batch of alert changes: new alerts (with their rule), updated ones, and their history."""
    if created:
        conn.execute(insert(alerts), [{**_values(a), "id": a.id, "rule": rule, "received": at, "escalated": False}
                                      for a, rule in created])
    for a in updated:
        conn.execute(update(alerts).where(alerts.c.id == a.id).values(**_values(a)))
    if history_rows:
        conn.execute(insert(alert_history), history_rows)


def _values(alert: Alert) -> dict[str, Any]:
    return {
        "key": alert.key, "type": alert.type.value, "severity": alert.severity.value, "state": alert.state.value,
        "opened": alert.opened, "updated": alert.updated, "site": alert.site, "event_count": alert.event_count,
        "first_event": alert.first_event, "last_event": alert.last_event,
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
