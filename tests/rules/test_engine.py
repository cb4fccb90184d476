"""The rule engine: matching, schedules, correlation, lifecycle and escalation (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from ridgeline.config.rules import RuleConfig, Schedule
from ridgeline.errors import AlertStateError, ConfigError
from ridgeline.model import AlertState, Event, EventType, Severity
from ridgeline.rules.engine import RuleEngine, escalate, transition

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
