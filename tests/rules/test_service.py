"""The alert service on a real database: alerts committed with their events, escalation, history."""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from ridgeline.config.rules import RuleConfig
from ridgeline.errors import StoreError
from ridgeline.model import (
    Alert,
    AlertState,
    Envelope,
    Event,
    EventType,
    MessageType,
    Position,
    Severity,
    new_id,
    utc_now,
)
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


# -- one object, one alert -----------------------------------------------------------------

#: a point on the example sector's ridge (White Mountains), and metres per degree there
LON, LAT = -71.30, 44.27
M_PER_DEG_LAT = 111_200.0
M_PER_DEG_LON = 111_200.0 * math.cos(math.radians(LAT))


def walker_event(at: datetime, east_m: float, north_m: float, sensor: str, obj: str,
                 type_: EventType = EventType.LINE_CROSSING) -> Event:
    """A walker's event at a place given in metres from (LON, LAT)."""
    where = Position(lon=LON + east_m / M_PER_DEG_LON, lat=LAT + north_m / M_PER_DEG_LAT)
    return Event(type=type_, time=at, object_id=obj, sensor=sensor, position=where, severity=Severity.HIGH)


def gated_service(store: Store, **rule: Any) -> AlertService:
    return AlertService(store, RuleEngine([
        RuleConfig(id="border", events=["line_crossing", "zone_intrusion"], correlation_window_s=120,
                   correlation_distance_m=300, **rule),
    ]))


def stored_alerts(store: Store) -> list[Alert]:
    with store.engine.connect() as conn:
        return [a for a, _ in repo.list_alerts(conn)]


def test_one_walker_seen_by_two_masts_is_one_alert_with_two_sources(db_url: str) -> None:
    store = Store(db_url)
    service = gated_service(store)
    t = utc_now()
    # each mast's tracker names the walker its own way; the positions agree to 40 m, the times to 4 s
    thermal = walker_event(t, 0, 0, "thermal", "gorham-trk-7")
    radar = walker_event(t + timedelta(seconds=4), 30, 26, "radar", "shelburne-trk-2")
    store.ingest([envelope(1, thermal, site="gorham")], received=t, hook=service.apply)
    store.ingest([envelope(1, radar, site="shelburne")], received=t, hook=service.apply)
    [alert] = stored_alerts(store)
    assert alert.event_count == 2 and (alert.first_event, alert.last_event) == (thermal.id, radar.id)
    assert [(s.site, s.sensor) for s in alert.sources] == [("gorham", "thermal"), ("shelburne", "radar")]
    assert alert.position == Position(lon=radar.position.lon, lat=radar.position.lat)  # type: ignore[union-attr]
    assert alert.seen == radar.time and alert.site == "gorham"
    # the same walker crossing into a zone a little later, seen by the first mast again: still the one alert
    intrusion = walker_event(t + timedelta(seconds=30), 60, 50, "thermal", "gorham-trk-7", EventType.ZONE_INTRUSION)
    store.ingest([envelope(2, intrusion, site="gorham")], received=t, hook=service.apply)
    [alert] = stored_alerts(store)
    assert alert.event_count == 3 and len(alert.sources) == 2 and alert.type == EventType.LINE_CROSSING
    with store.engine.connect() as conn:
        trail = repo.history(conn, alert.id)
    assert [(h[1], h[3]["site"], h[3]["sensor"], h[3]["type"]) for h in trail] == [
        ("opened", "gorham", "thermal", "line_crossing"), ("updated", "shelburne", "radar", "line_crossing"),
        ("updated", "gorham", "thermal", "zone_intrusion"),
    ]
    store.close()


def test_two_walkers_two_km_apart_at_once_are_two_alerts(db_url: str) -> None:
    store = Store(db_url)
    service = gated_service(store)
    t = utc_now()
    west = walker_event(t, 0, 0, "thermal", "trk-1")
    east = walker_event(t, 2000, 0, "thermal", "trk-2")
    east_again = walker_event(t + timedelta(seconds=5), 2010, 5, "radar", "trk-9")  # the second mast on the east one
    store.ingest([envelope(1, west, site="gorham"), envelope(2, east, site="gorham"),
                  envelope(1, east_again, site="shelburne")], received=t, hook=service.apply)
    alerts = sorted(stored_alerts(store), key=lambda a: a.position.lon)  # type: ignore[union-attr]
    assert [a.event_count for a in alerts] == [1, 2]
    assert [[s.sensor for s in a.sources] for a in alerts] == [["thermal"], ["thermal", "radar"]]
    # beyond the time gate the same place opens a new alert
    late = walker_event(t + timedelta(seconds=300), 0, 0, "thermal", "trk-3")
    store.ingest([envelope(3, late, site="gorham")], received=t, hook=service.apply)
    assert len(stored_alerts(store)) == 3
    store.close()


def test_a_redelivered_event_changes_nothing(db_url: str) -> None:
    store = Store(db_url)
    service = gated_service(store)
    t = utc_now()
    first = walker_event(t, 0, 0, "thermal", "trk-1")
    second = walker_event(t + timedelta(seconds=3), 20, 0, "radar", "trk-5")
    batch = [envelope(1, first, site="gorham"), envelope(1, second, site="shelburne")]
    store.ingest(batch, received=t, hook=service.apply)
    [before] = stored_alerts(store)
    with store.engine.connect() as conn:
        trail = repo.history(conn, before.id)
    store.ingest(batch, received=t, hook=service.apply)  # the same envelopes again
    again = envelope(7, second, site="shelburne")  # the same event in a new envelope (a site that re-sent it)
    store.ingest([again, envelope(8, second, site="shelburne")], received=t, hook=service.apply)
    [after] = stored_alerts(store)
    assert after == before and after.event_count == 2 and len(after.sources) == 2
    with store.engine.connect() as conn:
        assert repo.history(conn, after.id) == trail
    assert (service.opened, service.updated) == (1, 1)
    store.close()


def test_events_without_a_position_correlate_by_key(db_url: str) -> None:
    store = Store(db_url)
    service = gated_service(store)
    t = utc_now()
    a1 = Event(type=EventType.LINE_CROSSING, time=t, object_id="trk-1", sensor="cam")
    a2 = Event(type=EventType.LINE_CROSSING, time=t + timedelta(seconds=2), object_id="trk-1", sensor="cam")
    other_site = Event(type=EventType.LINE_CROSSING, time=t, object_id="trk-1", sensor="cam")
    store.ingest([envelope(1, a1), envelope(2, a2), envelope(1, other_site, site="s2")], received=t,
                 hook=service.apply)
    alerts = sorted(stored_alerts(store), key=lambda a: a.event_count)
    assert [(a.event_count, a.position) for a in alerts] == [(1, None), (2, None)]
    assert [[(s.site, s.sensor) for s in a.sources] for a in alerts] == [[("s2", "cam")], [("s1", "cam")]]
    store.close()


def test_workers_of_several_processes_open_one_alert_for_one_object(db_url: str) -> None:
    """Two alert services (as two centre processes would have: no lock shared in memory) apply
    events of one walker from two masts at the same moment: one alert."""
    stores = [Store(db_url), Store(db_url)]
    services = [gated_service(s) for s in stores]
    t = utc_now()
    rounds = 5
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        site, sensor = ("gorham", "thermal") if i == 0 else ("shelburne", "radar")
        try:
            for r in range(rounds):
                event = walker_event(t + timedelta(seconds=r * 600 + i), 10 * i, 0, sensor, f"trk-{i}")
                barrier.wait(timeout=30)
                for _attempt in range(50):
                    try:
                        stores[i].ingest([envelope(r + 1, event, site=site)], received=t, hook=services[i].apply)
                        break
                    except StoreError as exc:  # SQLite: the other writer won the lock; retried as ingest does
                        if not exc.transient:
                            raise
                        time.sleep(0.05)
                else:
                    raise AssertionError("never stored")
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    alerts = stored_alerts(stores[0])  # rounds are 10 minutes apart: one alert per round, each from both masts
    assert sorted(a.event_count for a in alerts) == [2] * rounds
    assert all(len(a.sources) == 2 for a in alerts)
    for s in stores:
        s.close()
