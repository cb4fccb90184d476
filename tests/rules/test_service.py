"""The alert service on a real database: alerts committed with their events, escalation, history."""

from __future__ import annotations

from datetime import timedelta

from ridgeline.config.rules import RuleConfig
from ridgeline.model import AlertState, Envelope, Event, EventType, MessageType, new_id, utc_now
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store import alerts as repo
from ridgeline.store.db import Store


def envelope(seq: int, event: Event, site: str = "s1") -> Envelope:
    now = utc_now()
    return Envelope(id=new_id(), site=site, seq=seq, type=MessageType.EVENTS, time=event.time, sent=now,
                    payload=event.model_dump(mode="json"))


def test_events_become_correlated_alerts_that_escalate(db_url: str) -> None:
    store = Store(db_url)
    service = AlertService(store, RuleEngine([
        RuleConfig(id="crossing", events=["line_crossing"], severity="high", escalate_after_s=60),
    ]))
    t = utc_now()
    evs = [Event(type=EventType.LINE_CROSSING, time=t + timedelta(seconds=i), object_id="trk", sensor="cam")
           for i in range(3)]
    other = Event(type=EventType.LINE_CROSSING, time=t, object_id="trk-2", sensor="cam")
    ignored = Event(type=EventType.LOITERING, time=t)
    batch = [envelope(i + 1, e) for i, e in enumerate([*evs, other, ignored])]
    store.ingest(batch, received=t, hook=service.apply)
    store.ingest(batch, received=t, hook=service.apply)  # redelivered: stored once, no second alert
    with store.engine.connect() as conn:
        alerts = repo.list_alerts(conn)
    assert len(alerts) == 2
    main = next(a for a, _ in alerts if a.event_count == 3)
    assert main.severity.value == "high" and main.state == AlertState.NEW
    assert service.escalate_due(t + timedelta(seconds=30)) == []
    service.set_state(next(a.id for a, _ in alerts if a.id != main.id), AlertState.ACKNOWLEDGED, actor="op")
    escalations = service.escalate_due(t + timedelta(seconds=61))
    assert [e.detail["alert"] for e in escalations] == [main.id]  # the acknowledged one does not escalate
    assert service.escalate_due(t + timedelta(seconds=200)) == []  # once
    with store.engine.connect() as conn:
        found = repo.get_alert(conn, main.id)
        trail = [action for _, action, _, _ in repo.history(conn, main.id)]
    assert found is not None and found[0].severity.value == "critical" and found[3]
    assert trail == ["opened", "updated", "updated", "escalated"]
    service.set_state(main.id, AlertState.DISPATCHED, actor="op")
    service.set_state(main.id, AlertState.RESOLVED_TRUE, actor="op", note="two people, turned back")
    with store.engine.connect() as conn:
        trail2 = repo.history(conn, main.id)
    assert trail2[-1][1:3] == ("resolved_true", "op") and trail2[-1][3] == {"note": "two people, turned back"}
    store.close()
