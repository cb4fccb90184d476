"""The rule engine: a pure function from (rules, event, the alerts open for its rule) to alerts.

No I/O: the alert service (``rules.service``) looks up open alerts and stores the result.
An event matches the first rule whose types, sites, sensors, zones, minimum severity and
schedule admit it.  It then joins an open alert of that rule, or opens one (``pick``):

- an event naming an object (a track or vessel) joins the open alert of its key (rule,
  site, sensor or zone, type, object) if that alert's latest event lies within the rule's
  time gate: the tracker already says it is the same object, however fast it moves;
- else an event with a map position joins the *nearest* open alert of the rule whose latest
  position is within the rule's distance gate and whose latest event is within its time
  gate, from whichever site or sensor: one walker seen by two masts is one alert;
- else an event without a position joins the open alert of its key (as for objects).

Only place and time are compared, never appearance: this associates activity, it does not
re-identify anyone.  Distances are great-circle (haversine on the mean Earth radius): exact
on the sphere at any latitude and range, with no projection to choose when a sector spans
UTM zones; the sphere's error against the ellipsoid (under 0.5 %) is far inside any gate.

Events of different types under one rule merge when their positions say they are one
object (a walker's line crossing and zone intrusion are one alert): the rule is the
operator's unit of concern, and a rule author who wants them apart writes two rules.  The
alert keeps the type of the event that opened it; each event's type is in its history.
Events matched by key keep the type in the key: without a place, a sensor's ``tamper`` and
its ``sensor_offline`` are separate facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ridgeline.config.rules import RuleConfig
from ridgeline.errors import AlertStateError, ConfigError
from ridgeline.maritime import geodesy
from ridgeline.model import Alert, AlertSource, AlertState, Event, EventType, Position, Severity, new_id

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


def lonlat(position: Position | None) -> tuple[float, float] | None:
    """The map position (lon, lat) if there is one (a pixel alone is not a place)."""
    if position is None or position.lon is None or position.lat is None:
        return None
    return position.lon, position.lat


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points, metres (haversine, mean radius)."""
    return float(geodesy.distance_m(a[1], a[0], b[1], b[0]))


def _place(position: Position | None) -> Position | None:
    """Only the map part of a position: what an alert keeps of it."""
    here = lonlat(position)
    return Position(lon=here[0], lat=here[1]) if here is not None else None


def seen(alert: Alert) -> datetime:
    """Time of the alert's latest event (alerts stored before it was kept: their last update)."""
    return alert.seen or alert.updated

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

    def pick(self, event: Event, match: Match, open_alerts: Iterable[Alert]) -> Alert | None:
        """The open alert of the match's rule this event joins (see the module's rules), or None.

        ``open_alerts`` are the rule's open alerts (others are skipped by state, not by rule:
        the caller hands in one rule's)."""
        window = match.rule.correlation_window_s
        here = lonlat(event.position)
        by_key = here is None or event.object_id is not None
        keyed: Alert | None = None
        nearest: tuple[float, Alert] | None = None
        for alert in open_alerts:
            if alert.state not in OPEN_STATES:
                continue
            lag = (event.time - seen(alert)).total_seconds()
            if by_key and alert.key == match.key and lag <= window and (keyed is None or seen(alert) > seen(keyed)):
                keyed = alert
            there = lonlat(alert.position)
            if here is None or there is None or abs(lag) > window:
                continue
            d = distance_m(here, there)
            if d <= match.rule.correlation_distance_m and (nearest is None or d < nearest[0]):
                nearest = (d, alert)
        if keyed is not None:
            return keyed
        return nearest[1] if nearest is not None else None

    def apply(self, site: str, event: Event, match: Match, open_alert: Alert | None) -> Alert:
        """The alert after this event: the open one (from ``pick``) updated if the event falls
        in its window, else a new one."""
        window = timedelta(seconds=match.rule.correlation_window_s)
        source = AlertSource(site=site, sensor=event.sensor)
        if open_alert is not None and event.id in (open_alert.first_event, open_alert.last_event):
            return open_alert  # seen already (a redelivery): nothing changes
        if (
            open_alert is not None
            and open_alert.state in OPEN_STATES
            and event.time - seen(open_alert) <= window
        ):
            severity = max(open_alert.severity, match.severity, key=lambda s: s.rank)
            latest = event.time >= seen(open_alert)
            where = _place(event.position) if latest and lonlat(event.position) is not None else open_alert.position
            sources = open_alert.sources
            if source not in sources and len(sources) < 1000:
                sources = [*sources, source]
            return open_alert.model_copy(
                update={
                    "event_count": open_alert.event_count + 1,
                    "last_event": event.id,
                    "updated": max(open_alert.updated, event.time),
                    "severity": severity,
                    "sources": sources,
                    "position": where,
                    "seen": max(seen(open_alert), event.time),
                }
            )
        return Alert(
            id=new_id(), key=match.key, type=event.type, severity=match.severity, opened=event.time,
            updated=event.time, first_event=event.id, last_event=event.id, site=site, sources=[source],
            position=_place(event.position), seen=event.time,
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
