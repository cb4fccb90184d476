"""The alert service: stored events in, alerts out, lifecycle and escalation, all in the database.

State lives in the database, not in memory, so several ingest workers (or processes) and
the ``ridgeline alert`` commands all see one truth, and a restarted centre carries on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Connection

from ridgeline.errors import AlertStateError
from ridgeline.model import Alert, AlertState, Envelope, Event, MessageType, utc_now
from ridgeline.rules.engine import RuleEngine, escalate, transition
from ridgeline.store import alerts as repo
from ridgeline.store.db import Store

log = logging.getLogger(__name__)


class AlertService:
    """Applies the rules to stored events and keeps alerts moving."""

    def __init__(self, store: Store, engine: RuleEngine) -> None:
        self.store = store
        self.engine = engine
        self.opened = 0
        self.updated = 0
        self.escalations: list[Event] = []
        self._lock = threading.Lock()  # one batch at a time per process: correlation reads then writes

    def apply(self, conn: Connection, envelopes: Sequence[Envelope], now: datetime | None = None) -> list[Alert]:
        """Alerts opened or updated by newly stored events, in the caller's transaction (ingest
        commits messages and the alerts they cause together)."""
        now = now or utc_now()
        changed: list[Alert] = []
        events = [e for e in envelopes if e.type == MessageType.EVENTS]
        if not events:
            return changed
        matched = []
        for env in events:
            try:
                event = Event.model_validate(env.payload)
            except ValidationError:  # already validated at ingest; never stop the batch
                continue
            match = self.engine.match(env.site, event)
            if match is not None:
                matched.append((env, event, match))
        if not matched:
            return changed
        with self._lock:
            current = repo.open_alerts(conn, {m.key for _, _, m in matched})
            created: dict[str, tuple[Alert, str]] = {}
            updated: dict[str, Alert] = {}
            history: list[dict[str, object]] = []
            for env, event, match in matched:
                before = current.get(match.key)
                alert = self.engine.apply(env.site, event, match, before)
                if alert is before:
                    continue
                current[match.key] = alert
                new = before is None or alert.id != before.id
                if new or alert.id in created:
                    created[alert.id] = (alert, match.rule.id)
                else:
                    updated[alert.id] = alert
                history.append({
                    "alert_id": alert.id, "time": now, "action": "opened" if new else "updated", "actor": "rules",
                    "detail": {"event": event.id, "site": env.site, "seq": env.seq},
                })
                changed.append(alert)
            repo.write_batch(conn, list(created.values()), list(updated.values()), history, now)
            self.opened += sum(1 for h in history if h["action"] == "opened")
            self.updated += sum(1 for h in history if h["action"] == "updated")
        return changed

    def set_state(self, alert_id: str, to: AlertState, actor: str, note: str = "",
                  now: datetime | None = None) -> Alert:
        """Move an alert along its lifecycle (acknowledge, dispatch, resolve)."""
        now = now or utc_now()
        with self._lock, self.store.engine.begin() as conn:
            found = repo.get_alert(conn, alert_id)
            if found is None:
                raise AlertStateError(f"no alert {alert_id}")
            alert, rule, _received, _escalated = found
            moved = transition(alert, to, now)
            repo.save_alert(conn, moved, rule, to.value, now, actor=actor, detail={"note": note} if note else {})
        return moved

    def escalate_due(self, now: datetime | None = None) -> list[Event]:
        """Escalate every new alert left unacknowledged past its rule's limit; the escalation events."""
        now = now or utc_now()
        emitted: list[Event] = []
        with self._lock, self.store.engine.begin() as conn:
            for alert, rule_id, received in repo.unescalated_new(conn):
                rule = self.engine.by_id.get(rule_id)
                if rule is None or rule.escalate_after_s is None:
                    continue
                waited = (now - received).total_seconds()
                if waited < rule.escalate_after_s:
                    continue
                higher, event = escalate(alert, now, waited)
                repo.save_alert(conn, higher, rule_id, "escalated", now, detail=event.model_dump(mode="json"),
                                escalated=True)
                emitted.append(event)
        if emitted:
            log.warning("escalated %d unacknowledged alert(s)", len(emitted))
            self.escalations.extend(emitted)
        return emitted
