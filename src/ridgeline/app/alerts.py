"""Use cases of acting on alerts: list them, move them along their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ridgeline.app.database import open_existing

if TYPE_CHECKING:
    from ridgeline.model import Alert, AlertState


@dataclass(frozen=True)
class AlertRow:
    """One alert as listed, with whether it was escalated."""

    alert: Alert
    escalated: bool


def list_alerts(db: str, state: AlertState | None = None, limit: int = 50) -> list[AlertRow]:
    """Alerts in the database at ``db`` (which must exist), newest first, optionally in one state."""
    from ridgeline.store import alerts as repo

    store = open_existing(db)
    try:
        with store.engine.connect() as conn:
            rows = repo.list_alerts(conn, state.value if state is not None else None, limit)
    finally:
        store.close()
    return [AlertRow(a, bool(escalated)) for a, escalated in rows]


def move_alert(db: str, alert_id: str, to: AlertState, actor: str, note: str = "") -> Alert:
    """Move one alert to ``to`` (acknowledge, dispatch, resolve), kept in its history under ``actor``."""
    from ridgeline.rules.engine import RuleEngine
    from ridgeline.rules.service import AlertService

    store = open_existing(db)
    try:
        return AlertService(store, RuleEngine([])).set_state(alert_id, to, actor=actor, note=note)
    finally:
        store.close()
