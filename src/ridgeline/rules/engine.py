"""The rule engine: a pure function from (rules, event, the alert already open for it) to alerts.

No I/O: the alert service (``rules.service``) looks up open alerts and stores the result.
An event matches the first rule whose types, sites, sensors, zones, minimum severity and
schedule admit it.  Its correlation key is (rule, sensor or zone or site, type, object):
within the rule's window a later event with the same key updates the open alert (its
event count, its time, a higher severity) instead of opening a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ridgeline.config.rules import RuleConfig
from ridgeline.errors import AlertStateError, ConfigError
from ridgeline.model import Alert, AlertState, Event, EventType, Severity, new_id

#: Where an alert may go from each state.
TRANSITIONS: dict[AlertState, set[AlertState]] = {
    AlertState.NEW: {AlertState.ACKNOWLEDGED, AlertState.DISPATCHED, AlertState.RESOLVED_TRUE,
                     AlertState.RESOLVED_FALSE_ALARM},
    AlertState.ACKNOWLEDGED: {AlertState.DISPATCHED, AlertState.RESOLVED_TRUE, AlertState.RESOLVED_FALSE_ALARM},
    AlertState.DISPATCHED: {AlertState.RESOLVED_TRUE, AlertState.RESOLVED_FALSE_ALARM},
    AlertState.RESOLVED_TRUE: set(),
    AlertState.RESOLVED_FALSE_ALARM: set(),
}
OPEN_STATES = (AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.DISPATCHED)



@dataclass(frozen=True)
class Match:
    """An event admitted by a rule, and the key it correlates under."""

    rule: RuleConfig
    key: str
    severity: Severity


class RuleEngine:
    """Rules from the sector file, checked once at start."""

    def __init__(self, rules: list[RuleConfig]) -> None:
        known = {t.value for t in EventType}
        for i, rule in enumerate(rules):
            bad = [e for e in rule.events if e not in known]
            if bad:
                raise ConfigError(
                    f"rules[{i}] ({rule.id}).events: unknown event type {bad[0]!r}; known: {', '.join(sorted(known))}"
                )
        self.rules = rules
        self.by_id = {r.id: r for r in rules}

    def match(self, site: str, event: Event) -> Match | None:
        """The first rule that admits the event, or None."""
        for rule in self.rules:
            if event.type.value not in rule.events:
                continue
            if rule.sites is not None and site not in rule.sites:
                continue
            if rule.sensors is not None and event.sensor not in rule.sensors:
                continue
            if rule.zones is not None and event.zone not in rule.zones:
                continue
            if event.severity.rank < Severity(rule.min_severity).rank:
                continue
            if rule.schedule is not None and not rule.schedule.active(event.time):
                continue
            where = event.sensor or event.zone or "-"
            key = f"{rule.id}|{site}|{where}|{event.type.value}|{event.object_id or '-'}"
            severity = Severity(rule.severity) if rule.severity else event.severity
            return Match(rule, key[:256], severity)
        return None

    def apply(self, site: str, event: Event, match: Match, open_alert: Alert | None) -> Alert:
        """The alert after this event: the open one updated if the event falls in its window,
        else a new one."""
        window = timedelta(seconds=match.rule.correlation_window_s)
        if open_alert is not None and event.id in (open_alert.first_event, open_alert.last_event):
            return open_alert  # seen already (a redelivery): nothing changes
        if (
            open_alert is not None
            and open_alert.state in OPEN_STATES
            and event.time - open_alert.updated <= window
        ):
            severity = max(open_alert.severity, match.severity, key=lambda s: s.rank)
            return open_alert.model_copy(
                update={
                    "event_count": open_alert.event_count + 1,
                    "last_event": event.id,
                    "updated": max(open_alert.updated, event.time),
                    "severity": severity,
                }
            )
        return Alert(
            id=new_id(), key=match.key, type=event.type, severity=match.severity, opened=event.time,
            updated=event.time, first_event=event.id, last_event=event.id, site=site,
        )


def transition(alert: Alert, to: AlertState, at: datetime) -> Alert:
    """The alert in its next lifecycle state; ``AlertStateError`` if the move is not allowed."""
    if to not in TRANSITIONS[alert.state]:
        raise AlertStateError(f"alert {alert.id} is {alert.state.value}: it cannot become {to.value}")
    return alert.model_copy(update={"state": to, "updated": max(alert.updated, at)})


def escalate(alert: Alert, at: datetime, waited_s: float) -> tuple[Alert, Event]:
    """The alert one severity higher, and the escalation event that says so."""
    order = list(Severity)
    higher = order[min(order.index(alert.severity) + 1, len(order) - 1)]
    event = Event(
        type=EventType.ESCALATION, time=at, severity=higher, object_id=alert.id,
        detail={"alert": alert.id, "key": alert.key, "unacknowledged_s": round(waited_s, 1)},
    )
    return alert.model_copy(update={"severity": higher}), event
