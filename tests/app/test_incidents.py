"""Incidents on a real database: opened from alerts, commented, closed read-only, reopened, held;
a timeline in time order with every kind of entry; the record a case file is built from; every
change in an intact audit trail.  One test runs the whole path on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ridgeline.app import alerts as alert_work
from ridgeline.app import incidents as work
from ridgeline.app.incident_record import EntryKind, incident_record, incident_timeline
from ridgeline.errors import (
    AlertNotFoundError,
    IncidentClosedError,
    IncidentError,
    IncidentNotFoundError,
    IncidentStateError,
    NotFoundError,
)
from ridgeline.model import IncidentOutcome, IncidentState, utc_now

from ..alerting import Centre


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    c = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    try:
        yield c
    finally:
        c.close()


def _incident_actions(centre: Centre, incident_id: str) -> list[tuple[str, str]]:
    return [(actor, action) for actor, action, target in centre.audit_actions() if target == incident_id]


def test_an_incident_opens_from_alerts_and_gathers_more(centre: Centre) -> None:
    a, b, c = (centre.alert_of(centre.feed(obj, 0)) for obj in ("p1", "p2", "p3"))
    before = utc_now()
    incident = work.open_incident(centre.store, [a, b], "  Two   walkers at the ford ", "maria")
    assert (incident.title, incident.state, incident.opened_by, incident.alerts) == (
        "Two walkers at the ford", IncidentState.OPEN, "maria", sorted([a, b]))  # added together: by id
    assert before <= incident.opened <= utc_now() and incident.closed is None and not incident.legal_hold
    grown = work.add_alerts(centre.store, incident.id, [c], "ivan")
    assert grown.alerts == [*sorted([a, b]), c] and grown.updated >= incident.updated
    other = work.open_incident(centre.store, [a], "Same walker, second case", "ivan")  # an alert may be in two
    assert alert_work.get_alert(centre.store, a).incidents == [incident.id, other.id]
    assert [c.text for c in alert_work.get_alert(centre.store, a).comments][1:] == [
        f"added to incident {incident.id}: Two walkers at the ford",
        f"added to incident {other.id}: Same walker, second case"]
    assert _incident_actions(centre, incident.id) == [
        ("maria", "incident.opened"), ("maria", "incident.alert_added"), ("maria", "incident.alert_added"),
        ("ivan", "incident.alert_added")]
    assert [i.id for i in work.list_incidents(centre.store)] == [other.id, incident.id]


def test_what_cannot_be_an_incident_is_refused(centre: Centre) -> None:
    a = centre.alert_of(centre.feed("p1", 0))
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    for alerts, title, error, needle in (
        ([a], "   ", IncidentError, "needs a title"),
        ([a], "x" * 201, IncidentError, "at most 200"),
        ([], "t", IncidentError, "at least one alert"),
        ([a, a], "t", IncidentError, "named twice"),
        ([a, missing], "t", AlertNotFoundError, f"no alert {missing}"),
    ):
        with pytest.raises(error, match=needle):
            work.open_incident(centre.store, alerts, title, "maria")
    assert work.list_incidents(centre.store) == []  # nothing half-written
    incident = work.open_incident(centre.store, [a], "x" * 200, "maria")
    with pytest.raises(IncidentError, match=f"alert {a} is in incident {incident.id} already"):
        work.add_alerts(centre.store, incident.id, [a], "maria")
    with pytest.raises(IncidentNotFoundError, match=f"no incident {missing}") as caught:
        work.get_incident(centre.store, missing)
    assert isinstance(caught.value, NotFoundError)


def test_a_closed_incident_is_read_only_until_reopened(centre: Centre) -> None:
    a, b = (centre.alert_of(centre.feed(obj, 0)) for obj in ("p1", "p2"))
    incident = work.open_incident(centre.store, [a], "Crossing at the ford", "maria")
    closed = work.close(centre.store, incident.id, IncidentOutcome.TURNED_BACK, "lead", summary=" went back ")
    assert (closed.state, closed.outcome, closed.summary, closed.closed_by) == (
        IncidentState.CLOSED, IncidentOutcome.TURNED_BACK, "went back", "lead")
    for change in (lambda: work.add_alerts(centre.store, incident.id, [b], "maria"),
                   lambda: work.comment(centre.store, incident.id, "more", "maria"),
                   lambda: work.close(centre.store, incident.id, IncidentOutcome.OTHER, "lead")):
        with pytest.raises(IncidentClosedError, match="is closed: reopen it first"):
            change()
    held = work.set_legal_hold(centre.store, incident.id, True, "lead")  # holds matter after closing
    assert held.legal_hold and held.state == IncidentState.CLOSED
    with pytest.raises(IncidentStateError, match="under legal hold already"):
        work.set_legal_hold(centre.store, incident.id, True, "lead")
    reopened = work.reopen(centre.store, incident.id, "chief", reason="a second sighting")
    assert (reopened.state, reopened.outcome, reopened.closed, reopened.legal_hold) == (
        IncidentState.OPEN, None, None, True)
    with pytest.raises(IncidentStateError, match="is open already"):
        work.reopen(centre.store, incident.id, "chief")
    assert work.comment(centre.store, incident.id, "  back on it ", "maria").text == "back on it"
    assert work.add_alerts(centre.store, incident.id, [b], "maria").alerts == [a, b]
    assert not work.set_legal_hold(centre.store, incident.id, False, "lead").legal_hold
    assert _incident_actions(centre, incident.id) == [
        ("maria", "incident.opened"), ("maria", "incident.alert_added"), ("lead", "incident.closed"),
        ("lead", "incident.hold_set"), ("chief", "incident.reopened"), ("maria", "incident.commented"),
        ("maria", "incident.alert_added"), ("lead", "incident.hold_released")]
    own = [(e.actor, e.text) for e in incident_timeline(centre.store, incident.id) if e.kind == EntryKind.INCIDENT]
    assert own == [("maria", "opened: Crossing at the ford"), ("lead", "closed: turned_back: went back"),
                   ("lead", "legal hold set"), ("chief", "reopened: a second sighting"),
                   ("lead", "legal hold released")]


def _worked_incident(centre: Centre) -> tuple[str, str, list[str]]:
    """An incident over one alert of two positioned events (the first with a snapshot), worked on."""
    first = centre.feed("p1", 0, lon=-65.10, lat=43.70, snapshot=True)
    second = centre.feed("p1", 30, lon=-65.101, lat=43.701)
    alert_id = centre.alert_of(first)
    assert centre.alert_of(second) == alert_id
    alert_work.acknowledge(centre.store, alert_id, "maria")
    incident = work.open_incident(centre.store, [alert_id], "Walker at the ford", "maria")
    work.comment(centre.store, incident.id, "unit 3 on its way", "maria")
    alert_work.comment(centre.store, alert_id, "tall grass, lost sight", "ivan")
    work.close(centre.store, incident.id, IncidentOutcome.NO_TRACE, "lead")
    return incident.id, alert_id, [first.id, second.id]


def _check_worked(centre: Centre, incident_id: str, alert_id: str, events: list[str]) -> None:
    timeline = incident_timeline(centre.store, incident_id)
    assert [(e.kind.value, e.actor, e.text) for e in timeline] == [
        ("event", "s1/cam", "line_crossing (medium) at 43.70000, -65.10000"),
        ("evidence", "s1/cam", f"snapshot {str(timeline[1].snapshot).split('/')[1]} (image/jpeg)"),
        ("event", "s1/cam", "line_crossing (medium) at 43.70100, -65.10100"),
        ("alert_change", "rules", "opened"),
        ("alert_change", "maria", "acknowledged"),
        ("incident", "maria", "opened: Walker at the ford"),
        ("alert_added", "maria", f"alert {alert_id} added"),
        ("comment", "maria", "unit 3 on its way"),
        ("comment", "ivan", "tall grass, lost sight"),
        ("incident", "lead", "closed: no_trace"),
    ]
    assert [e.event_id for e in timeline[:3]] == [events[0], events[0], events[1]]
    assert [e.alert_id for e in timeline] == [alert_id] * 5 + [None, alert_id, None, alert_id, None]
    assert [e.time for e in timeline] == sorted(e.time for e in timeline)
    record = incident_record(centre.store, incident_id)
    assert [a.id for a in record.alerts] == [alert_id] and record.incident.outcome == IncidentOutcome.NO_TRACE
    assert [e.event_id for e in record.events] == events
    assert record.events[1].payload["position"]["lon"] == -65.101
    assert [(s.event, s.sensor) for s in record.snapshots] == [(events[0], "cam")]
    assert not hasattr(record.snapshots[0], "image")
    assert [c.text for c in record.comments if not c.system] == ["unit 3 on its way", "tall grass, lost sight"]
    assert record.timeline == timeline
    assert _incident_actions(centre, incident_id) == [
        ("maria", "incident.opened"), ("maria", "incident.alert_added"), ("maria", "incident.commented"),
        ("lead", "incident.closed")]


def test_the_timeline_merges_everything_in_time_order(centre: Centre) -> None:
    _check_worked(centre, *_worked_incident(centre))


def test_alert_and_incident_work_on_postgresql() -> None:
    from tests.postgres import drop_database, fresh_database

    url, name = fresh_database()
    centre = Centre(url, escalate_to="duty-officer")
    try:
        centre.add_operator("ivan")
        incident_id, alert_id, events = _worked_incident(centre)
        _check_worked(centre, incident_id, alert_id, events)
        assert alert_work.assign(centre.store, alert_id, "ivan", "lead").assignee == "ivan"
        assert alert_work.clear(centre.store, alert_id, "lead").cleared_by == "lead"
        later = centre.alert_of(centre.feed("p1", 40))
        assert later != alert_id  # the cleared alert gathers no more events
        reopened = work.reopen(centre.store, incident_id, "chief")
        assert work.add_alerts(centre.store, incident_id, [later], "ivan").alerts == [alert_id, later]
        assert work.set_legal_hold(centre.store, incident_id, True, "chief").legal_hold
        assert reopened.state == IncidentState.OPEN
        assert [a for _, a, t in centre.audit_actions() if t == alert_id][-2:] == ["alert.assigned", "alert.cleared"]
    finally:
        centre.close()
        drop_database(name)
