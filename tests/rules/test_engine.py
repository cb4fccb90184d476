"""The rule engine: matching, schedules, correlation, lifecycle and escalation (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from ridgeline.config.rules import RuleConfig, Schedule
from ridgeline.errors import AlertStateError, ConfigError
from ridgeline.model import AlertState, Event, EventType, Position, Severity
from ridgeline.rules.engine import RuleEngine, distance_m, escalate, transition

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 the evening before in New York


def crossing(at: datetime, obj: str = "track-1", severity: Severity = Severity.MEDIUM, sensor: str = "cam") -> Event:
    return Event(type=EventType.LINE_CROSSING, time=at, object_id=obj, severity=severity, sensor=sensor)


def test_unknown_event_types_are_refused_with_the_rule_named() -> None:
    with pytest.raises(ConfigError, match=r"rules\[0\] \(x\).events: unknown event type 'crossing'"):
        RuleEngine([RuleConfig(id="x", events=["crossing"])])


def test_first_matching_rule_wins_and_filters_apply() -> None:
    engine = RuleEngine([
        RuleConfig(id="only-b", events=["line_crossing"], sites=["b"], severity="critical"),
        RuleConfig(id="loud", events=["line_crossing"], min_severity="high"),
        RuleConfig(id="all", events=["line_crossing"]),
    ])
    assert engine.match("b", crossing(T0)).rule.id == "only-b"  # type: ignore[union-attr]
    assert engine.match("a", crossing(T0, severity=Severity.HIGH)).rule.id == "loud"  # type: ignore[union-attr]
    m = engine.match("a", crossing(T0))
    assert m is not None and m.rule.id == "all" and m.severity == Severity.MEDIUM
    assert engine.match("a", Event(type=EventType.LOITERING, time=T0)) is None


def test_schedules_wrap_past_midnight_in_local_time() -> None:
    night = Schedule(start=time(19, 0), end=time(7, 0), timezone="America/New_York")
    assert night.active(T0)  # 22:00 local
    assert not night.active(T0 + timedelta(hours=12))  # 10:00 local
    engine = RuleEngine([RuleConfig(id="n", events=["line_crossing"], schedule=night)])
    assert engine.match("a", crossing(T0)) is not None
    assert engine.match("a", crossing(T0 + timedelta(hours=12))) is None


def test_events_correlate_within_the_window_and_not_beyond() -> None:
    engine = RuleEngine([RuleConfig(id="c", events=["line_crossing"], correlation_window_s=300)])
    first = crossing(T0)
    m = engine.match("a", first)
    assert m is not None
    alert = engine.apply("a", first, m, None)
    later = crossing(T0 + timedelta(seconds=200), severity=Severity.HIGH)
    m_later = engine.match("a", later)
    assert m_later is not None and m_later.key == m.key
    same = engine.apply("a", later, m_later, alert)
    assert same.id == alert.id and same.severity == Severity.HIGH
    assert (same.event_count, same.first_event, same.last_event) == (2, first.id, later.id)
    assert engine.apply("a", later, m, same) == same  # the same event twice changes nothing
    much_later = crossing(T0 + timedelta(seconds=900))
    assert engine.apply("a", much_later, m, same).id != alert.id
    other = crossing(T0, obj="track-2")
    assert engine.match("a", other).key != m.key  # type: ignore[union-attr]


def test_lifecycle_moves_forward_only() -> None:
    engine = RuleEngine([RuleConfig(id="c", events=["line_crossing"])])
    ev = crossing(T0)
    alert = engine.apply("a", ev, engine.match("a", ev), None)  # type: ignore[arg-type]
    acked = transition(alert, AlertState.ACKNOWLEDGED, T0)
    sent = transition(acked, AlertState.DISPATCHED, T0)
    done = transition(sent, AlertState.RESOLVED_FALSE_ALARM, T0)
    with pytest.raises(AlertStateError, match="resolved_false_alarm: it cannot become acknowledged"):
        transition(done, AlertState.ACKNOWLEDGED, T0)
    with pytest.raises(AlertStateError):
        transition(sent, AlertState.NEW, T0)


def test_escalation_raises_severity_and_says_why() -> None:
    engine = RuleEngine([RuleConfig(id="c", events=["line_crossing"])])
    ev = crossing(T0, severity=Severity.HIGH)
    alert = engine.apply("a", ev, engine.match("a", ev), None)  # type: ignore[arg-type]
    higher, event = escalate(alert, T0 + timedelta(seconds=130), 130.0)
    assert higher.severity == Severity.CRITICAL and event.type == EventType.ESCALATION
    assert event.detail["alert"] == alert.id and event.detail["unacknowledged_s"] == 130.0


def placed(at: datetime, lon: float, lat: float, obj: str | None, sensor: str = "cam") -> Event:
    return Event(type=EventType.LINE_CROSSING, time=at, object_id=obj, sensor=sensor,
                 position=Position(lon=lon, lat=lat, x=12.0, y=34.0))


def test_distances_are_great_circle_metres() -> None:
    assert distance_m((-71.3, 44.27), (-71.3, 44.27)) == 0.0
    one_minute_of_latitude = distance_m((-71.3, 44.0), (-71.3, 44.0 + 1 / 60))
    assert one_minute_of_latitude == pytest.approx(1853.2, abs=1.0)  # a nautical mile on the mean sphere
    east = distance_m((-71.3, 44.27), (-71.29, 44.27))  # 0.01 degree of longitude shrinks with latitude
    assert east == pytest.approx(796.0, abs=2.0)


def test_an_event_joins_the_nearest_open_alert_within_the_gates() -> None:
    engine = RuleEngine([RuleConfig(id="c", events=["line_crossing"], correlation_window_s=60,
                                    correlation_distance_m=500)])
    near = placed(T0, -71.300, 44.270, "a-1")
    nearer = placed(T0, -71.297, 44.270, "a-2")  # 240 m east of ``near``
    alerts = [engine.apply("s1", e, engine.match("s1", e), None) for e in (near, nearer)]  # type: ignore[arg-type]
    assert alerts[0].position == Position(lon=-71.300, lat=44.270)  # the pixel is not kept
    probe = placed(T0 + timedelta(seconds=20), -71.2975, 44.2701, "b-9", sensor="radar")  # from another site
    m = engine.match("s2", probe)
    assert m is not None
    assert engine.pick(probe, m, alerts) is alerts[1]
    joined = engine.apply("s2", probe, m, alerts[1])
    assert [(s.site, s.sensor) for s in joined.sources] == [("s1", "cam"), ("s2", "radar")]
    assert joined.seen == probe.time and joined.position == Position(lon=-71.2975, lat=44.2701)
    # an older event joins but does not move the alert's latest position or time
    older = placed(T0 + timedelta(seconds=10), -71.2970, 44.2700, "b-9", sensor="radar")
    m_older = engine.match("s2", older)
    assert m_older is not None and engine.pick(older, m_older, [joined]) is joined
    kept = engine.apply("s2", older, m_older, joined)
    assert (kept.position, kept.seen, kept.event_count) == (joined.position, joined.seen, 3)
    far = placed(T0, -71.27, 44.27, "c-1")  # 2.4 km away
    assert engine.pick(far, m, alerts) is None
    stale = placed(T0 + timedelta(seconds=61), -71.297, 44.270, "c-2")
    assert engine.pick(stale, m, alerts) is None
    early = placed(T0 - timedelta(seconds=61), -71.297, 44.270, "c-3")  # a late arrival from long before
    assert engine.pick(early, m, alerts) is None
    closed = transition(alerts[1], AlertState.RESOLVED_FALSE_ALARM, T0)
    assert engine.pick(probe, m, [alerts[0], closed]) is alerts[0]


def test_the_trackers_own_object_wins_over_a_nearer_alert() -> None:
    engine = RuleEngine([RuleConfig(id="c", events=["line_crossing"], correlation_distance_m=500)])
    first = placed(T0, -71.300, 44.270, "fast-car")
    mine = engine.apply("s1", first, engine.match("s1", first), None)  # type: ignore[arg-type]
    other = placed(T0, -71.290, 44.270, "walker")
    theirs = engine.apply("s1", other, engine.match("s1", other), None)  # type: ignore[arg-type]
    moved = placed(T0 + timedelta(seconds=40), -71.2905, 44.270, "fast-car")  # 770 m on, 40 m from the walker
    m = engine.match("s1", moved)
    assert m is not None and engine.pick(moved, m, [mine, theirs]) is mine
    unnamed = placed(T0 + timedelta(seconds=40), -71.2905, 44.270, None)  # no object: by place only
    m2 = engine.match("s1", unnamed)
    assert m2 is not None and engine.pick(unnamed, m2, [mine, theirs]) is theirs
