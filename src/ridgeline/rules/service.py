"""The alert service: stored events in, alerts out, lifecycle and escalation, all in the database.

State lives in the database, not in memory, so several ingest workers (or processes) and
the ``ridgeline alert`` commands all see one truth, and a restarted centre carries on.
Every change reads open alerts and then writes, in one transaction: a lock serialises the
threads of one process, and ``store.alerts.lock`` the processes sharing a database, so two
workers never open two alerts for one object.

Every alert opened gets one system comment (which rule opened it, from where, and whom the
rule assigned it to); the events that join it later do not, since each is a line of its
history already and a busy alert would flood its comment thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import Connection

from ridgeline.model import Alert, AlertState, Envelope, Event, MessageType, utc_now
from ridgeline.rules import work
from ridgeline.rules.engine import Match, RuleEngine, escalate
from ridgeline.store import alerts as repo
from ridgeline.store import comments, operators
from ridgeline.store.comments import Comment, Subject
from ridgeline.store.db import Store

log = logging.getLogger(__name__)


class AlertService:
    """Applies the rules to stored events and keeps alerts moving."""

    def __init__(self, store: Store, engine: RuleEngine) -> None:
        self.store = store
        self.engine = engine
        self.opened = 0
        self.updated = 0
        self.escalated = 0
        self._lock = threading.Lock()  # one batch at a time per process: correlation reads then writes

    def apply(self, conn: Connection, envelopes: Sequence[Envelope], now: datetime | None = None) -> list[Alert]:
        """Alerts opened or updated by newly stored events, in the caller's transaction (ingest
        commits messages and the alerts they cause together).  An event already gone to an
        alert (delivered again) changes nothing."""
        now = now or utc_now()
        matched = self._matched(envelopes)
        if not matched:
            return []
        with self._lock:  # threads of this process; repo.lock: other processes (PostgreSQL)
            repo.lock(conn)
            done = repo.linked_events(conn, {event.id for _, event, _ in matched})
            since = min(e.time for _, e, _ in matched) - timedelta(
                seconds=max(m.rule.correlation_window_s for _, _, m in matched))
            pool = repo.open_for_rules(conn, {m.rule.id for _, _, m in matched}, since)
            return self._correlate(conn, matched, done, pool, now)

    def _matched(self, envelopes: Sequence[Envelope]) -> list[tuple[Envelope, Event, Match]]:
        matched = []
        for env in envelopes:
            if env.type != MessageType.EVENTS:
                continue
            try:
                event = Event.model_validate(env.payload)
            except ValidationError:  # already validated at ingest; never stop the batch
                continue
            match = self.engine.match(env.site, event)
            if match is not None:
                matched.append((env, event, match))
        return matched

    def _correlate(self, conn: Connection, matched: list[tuple[Envelope, Event, Match]], done: set[str],
                   pool: dict[str, list[Alert]], now: datetime) -> list[Alert]:
        changed: list[Alert] = []
        created: dict[str, tuple[Alert, str]] = {}
        updated: dict[str, Alert] = {}
        history: list[dict[str, object]] = []
        links: dict[str, str] = {}
        opening: dict[str, str] = {}  # alert id -> the system comment on its opening
        enabled: dict[str, bool] = {}  # operator name -> whether a rule may assign to them
        for env, event, match in matched:
            if event.id in done:
                continue  # delivered again (in another envelope, or twice in this batch)
            done.add(event.id)
            candidates = pool.setdefault(match.rule.id, [])
            before = self.engine.pick(event, match, candidates)
            alert = self.engine.apply(env.site, event, match, before)
            if alert is before:
                continue
            new = before is None or alert.id != before.id
            if new:
                alert, opening[alert.id] = self._opened(conn, alert, match, env, event, enabled)
                candidates.append(alert)
            else:
                candidates[next(i for i, a in enumerate(candidates) if a.id == alert.id)] = alert
            if new or alert.id in created:
                created[alert.id] = (alert, match.rule.id)
            else:
                updated[alert.id] = alert
            links[event.id] = alert.id
            history.append({
                "alert_id": alert.id, "time": now, "action": "opened" if new else "updated", "actor": "rules",
                "detail": {"event": event.id, "type": event.type.value, "site": env.site, "sensor": event.sensor,
                           "seq": env.seq},
            })
            changed.append(alert)
        repo.write_batch(conn, list(created.values()), list(updated.values()), history, now, links)
        comments.add_many(conn, [Comment(Subject.ALERT, alert_id, now, "rules", True, text)
                                 for alert_id, text in opening.items()])
        self.opened += sum(1 for h in history if h["action"] == "opened")
        self.updated += sum(1 for h in history if h["action"] == "updated")
        return changed

    @staticmethod
    def _opened(conn: Connection, alert: Alert, match: Match, env: Envelope, event: Event,
                enabled: dict[str, bool]) -> tuple[Alert, str]:
        """A new alert with the rule's assignee (if an enabled operator), and its opening comment."""
        where = "/".join(part for part in (env.site, event.sensor) if part)
        text = f"opened by rule {match.rule.id}: {event.type.value} from {where}"
        name = match.rule.assign_to
        if name is None:
            return alert, text
        if name not in enabled:
            account = operators.get(conn, name)
            enabled[name] = account is not None and not account.disabled
        if enabled[name]:
            return alert.model_copy(update={"assignee": name}), f"{text}; assigned to {name}"
        return alert, f"{text}; left unassigned: the rule names {name}, who is not an enabled operator"

    def set_state(self, alert_id: str, to: AlertState, actor: str, note: str = "",
                  now: datetime | None = None) -> Alert:
        """Move an alert along its lifecycle (acknowledge, dispatch, resolve): see :func:`work.move`."""
        now = now or utc_now()
        with self._lock, self.store.engine.begin() as conn:
            return work.move(conn, alert_id, to, actor, now, note)

    def escalate_due(self, now: datetime | None = None) -> list[Event]:
        """Escalate every open alert nobody acknowledged (or cleared) within its rule's limit: one
        severity higher, ``escalated_to`` the rule's ``escalate_to``, a system comment saying so;
        the escalation events (the centre publishes them: they are not kept here)."""
        return [event for _alert, event in self.escalate(now)]

    def escalate(self, now: datetime | None = None) -> list[tuple[Alert, Event]]:
        """What :meth:`escalate_due` does, with each alert as it now stands beside its event."""
        now = now or utc_now()
        emitted: list[tuple[Alert, Event]] = []
        with self._lock, self.store.engine.begin() as conn:
            repo.lock(conn)
            for alert, rule_id, received in repo.unescalated_unacknowledged(conn):
                rule = self.engine.by_id.get(rule_id)
                if rule is None or rule.escalate_after_s is None:
                    continue
                waited = (now - received).total_seconds()
                if waited < rule.escalate_after_s:
                    continue
                higher, event = escalate(alert, now, waited)
                repo.save_alert(conn, higher, rule_id, "escalated", now, detail={
                    **event.model_dump(mode="json"), "escalated_to": rule.escalate_to}, escalated=True,
                    escalated_to=rule.escalate_to)
                work.system_comment(conn, alert.id, "rules", f"escalated to {rule.escalate_to}: unacknowledged "
                                    f"for {waited:.0f} s; severity {alert.severity.value} -> "
                                    f"{higher.severity.value}", now)
                emitted.append((higher.model_copy(update={"escalated": True, "escalated_to": rule.escalate_to}),
                                event))
        if emitted:
            log.warning("escalated %d unacknowledged alert(s)", len(emitted))
            self.escalated += len(emitted)
        return emitted
