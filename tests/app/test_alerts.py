"""Alerts worked as a team on a real database: acknowledged and cleared as separate facts with who
and when, assignment to enabled operators only, comments (a system comment on every change),
escalation to the rule's target of alerts nobody acknowledged, every change in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.app import alerts as work
from ridgeline.errors import (
    AlertNotFoundError,
    AlertStateError,
    CommentError,
    NotFoundError,
    OperatorError,
)
from ridgeline.model import AlertState, Role, utc_now

from ..alerting import Centre

OPENED = "opened by rule crossing: line_crossing from s1/cam"


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    c = Centre(f"sqlite:///{tmp_path / 'centre.db'}", escalate_after_s=60, escalate_to="duty-officer")
    try:
        yield c
    finally:
        c.close()


def _thread(centre: Centre, alert_id: str) -> list[tuple[str, bool, str]]:
    return [(c.author, c.system, c.text) for c in work.get_alert(centre.store, alert_id).comments]


def test_acknowledged_and_cleared_are_separate_facts_with_who_and_when(centre: Centre) -> None:
    alert_id = centre.alert_of(centre.feed("walker", 0))
    before = utc_now()
    cleared = work.clear(centre.store, alert_id, "maria", note="deer, gone")
    assert (cleared.cleared_by, cleared.state, cleared.acknowledged) == ("maria", AlertState.NEW, None)
    acked = work.acknowledge(centre.store, alert_id, "ivan")
    assert (acked.acknowledged_by, acked.state, acked.cleared_by) == ("ivan", AlertState.ACKNOWLEDGED, "maria")
    stored = work.get_alert(centre.store, alert_id).alert
    assert stored.cleared is not None and stored.acknowledged is not None
    assert before <= stored.cleared <= stored.acknowledged <= utc_now()
    assert (stored.cleared_by, stored.acknowledged_by) == ("maria", "ivan")
    with pytest.raises(AlertStateError, match="cleared already by maria"):
        work.clear(centre.store, alert_id, "ivan")
    with pytest.raises(AlertStateError, match="acknowledged already by ivan"):
        work.acknowledge(centre.store, alert_id, "maria")
    assert _thread(centre, alert_id) == [
        ("rules", True, OPENED), ("maria", True, "cleared: deer, gone"), ("ivan", True, "acknowledged")]
    detail = work.get_alert(centre.store, alert_id)
    assert [(h.action, h.actor) for h in detail.history] == [
        ("opened", "rules"), ("cleared", "maria"), ("acknowledged", "ivan")]
    assert centre.audit_actions()[-2:] == [("maria", "alert.cleared", alert_id),
                                           ("ivan", "alert.acknowledged", alert_id)]


def test_a_cleared_alert_gathers_no_more_events(centre: Centre) -> None:
    first = centre.alert_of(centre.feed("walker", 0))
    assert centre.alert_of(centre.feed("walker", 5)) == first  # joins while not cleared
    work.clear(centre.store, first, "maria")
    second = centre.alert_of(centre.feed("walker", 10))
    assert second != first
    assert work.get_alert(centre.store, first).alert.event_count == 2
    assert work.get_alert(centre.store, second).alert.event_count == 1
    # the events that joined are in the history, not in the comments
    assert _thread(centre, first) == [("rules", True, OPENED), ("maria", True, "cleared")]


def test_assignment_goes_to_enabled_operators_only(centre: Centre) -> None:
    centre.add_operator("maria")
    centre.add_operator("ivan")
    centre.add_operator("gone", disabled=True)
    alert_id = centre.alert_of(centre.feed("walker", 0))
    with pytest.raises(OperatorError, match="no operator 'nobody'"):
        work.assign(centre.store, alert_id, "nobody", "lead")
    with pytest.raises(OperatorError, match="operator 'gone' is disabled"):
        work.assign(centre.store, alert_id, "gone", "lead")
    assert work.assign(centre.store, alert_id, "maria", "lead").assignee == "maria"
    with pytest.raises(AlertStateError, match="assigned to maria already"):
        work.assign(centre.store, alert_id, "maria", "lead")
    assert work.assign(centre.store, alert_id, "ivan", "lead").assignee == "ivan"
    assert [r.alert.id for r in work.list_alerts(centre.store, assignee="ivan")] == [alert_id]
    assert work.list_alerts(centre.store, assignee="maria") == []
    assert work.assign(centre.store, alert_id, None, "lead").assignee is None
    with pytest.raises(AlertStateError, match="is not assigned"):
        work.assign(centre.store, alert_id, None, "lead")
    assert _thread(centre, alert_id)[1:] == [
        ("lead", True, "assigned to maria"), ("lead", True, "assigned to ivan (was maria)"),
        ("lead", True, "unassigned (was ivan)")]
    assert [a for _, a, t in centre.audit_actions() if t == alert_id] == [
        "alert.opened", "alert.assigned", "alert.assigned", "alert.unassigned"]


def test_a_rule_assigns_the_alerts_it_opens_to_an_enabled_operator(tmp_path: Path) -> None:
    for name, enabled, expected, said in (
        ("maria", True, "maria", f"{OPENED}; assigned to maria"),
        ("ghost", False, None, f"{OPENED}; left unassigned: the rule names ghost, who is not an enabled operator"),
    ):
        c = Centre(f"sqlite:///{tmp_path / f'{name}.db'}", assign_to=name)
        try:
            if enabled:
                c.add_operator(name)
            alert_id = c.alert_of(c.feed("walker", 0))
            assert work.get_alert(c.store, alert_id).alert.assignee == expected
            assert _thread(c, alert_id) == [("rules", True, said)]
        finally:
            c.close()


def test_user_comments_are_stripped_bounded_and_audited(centre: Centre) -> None:
    alert_id = centre.alert_of(centre.feed("walker", 0))
    written = work.comment(centre.store, alert_id, "  two people, heading north \n", "maria")
    assert (written.text, written.author, written.system) == ("two people, heading north", "maria", False)
    assert work.comment(centre.store, alert_id, "x" * 4000, "maria").text == "x" * 4000
    for bad in ("", "  \n\t ", "x" * 4001):
        with pytest.raises(CommentError):
            work.comment(centre.store, alert_id, bad, "maria")
    assert [c.text for c in work.get_alert(centre.store, alert_id).comments] == [
        OPENED, "two people, heading north", "x" * 4000]
    assert [a for _, a, t in centre.audit_actions() if t == alert_id] == [
        "alert.opened", "alert.commented", "alert.commented"]


def test_an_unknown_alert_is_not_found_rather_than_a_conflict(centre: Centre) -> None:
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    for call in (lambda: work.get_alert(centre.store, missing), lambda: work.clear(centre.store, missing, "m"),
                 lambda: work.acknowledge(centre.store, missing, "m"),
                 lambda: work.comment(centre.store, missing, "hello", "m"),
                 lambda: work.resolve(centre.store, missing, False, "m")):
        with pytest.raises(AlertNotFoundError, match=f"no alert {missing}") as caught:
            call()
        assert isinstance(caught.value, NotFoundError) and not isinstance(caught.value, AlertStateError)


def test_escalation_goes_to_the_rule_target_for_unacknowledged_alerts_only(centre: Centre) -> None:
    waiting = centre.alert_of(centre.feed("a", 0))
    acked = centre.alert_of(centre.feed("b", 0))
    cleared = centre.alert_of(centre.feed("c", 0))
    work.acknowledge(centre.store, acked, "maria")
    work.clear(centre.store, cleared, "maria")
    assert centre.service.escalate_due(utc_now() + timedelta(seconds=30)) == []
    escalations = centre.service.escalate_due(utc_now() + timedelta(seconds=61))
    assert [e.detail["alert"] for e in escalations] == [waiting]
    assert centre.service.escalate_due(utc_now() + timedelta(seconds=600)) == []  # once
    alert = work.get_alert(centre.store, waiting).alert
    assert (alert.escalated, alert.escalated_to, alert.severity.value) == (True, "duty-officer", "critical")
    (said,) = [t for _, system, t in _thread(centre, waiting)[1:] if system]
    assert said.startswith("escalated to duty-officer: unacknowledged for 6") and said.endswith(
        "s; severity high -> critical")
    for other in (acked, cleared):
        assert work.get_alert(centre.store, other).alert.escalated_to is None
    assert {r.alert.id for r in work.list_alerts(centre.store, unacknowledged=True)} == {waiting, cleared}
    assert [r.alert.id for r in work.list_alerts(centre.store, unacknowledged=False)] == [acked]
    assert ("rules", "alert.escalated", waiting) in centre.audit_actions()


def test_an_operator_escalates_by_hand_to_the_supervisors_or_one_of_them(centre: Centre) -> None:
    centre.add_operator("maria")
    centre.add_operator("lead", role=Role.SUPERVISOR)
    centre.add_operator("retired", disabled=True, role=Role.SUPERVISOR)
    alert_id = centre.alert_of(centre.feed("walker", 0))
    up = work.escalate(centre.store, alert_id, "maria", note="two of them, heading for the road")
    assert (up.escalated, up.escalated_to, up.severity.value) == (True, "supervisor", "high")  # severity stays
    with pytest.raises(AlertStateError, match="escalated to supervisor already"):
        work.escalate(centre.store, alert_id, "maria")
    with pytest.raises(OperatorError, match="maria is operator: alerts are escalated to a supervisor"):
        work.escalate(centre.store, alert_id, "ivan", to="maria")
    with pytest.raises(OperatorError, match="no enabled operator 'retired'"):
        work.escalate(centre.store, alert_id, "ivan", to="retired")
    assert work.escalate(centre.store, alert_id, "ivan", to="lead").escalated_to == "lead"
    stored = work.get_alert(centre.store, alert_id)
    assert (stored.alert.escalated, stored.alert.escalated_to) == (True, "lead")
    assert [(h.action, h.actor, h.detail.get("escalated_to")) for h in stored.history][1:] == [
        ("escalated", "maria", "supervisor"), ("escalated", "ivan", "lead")]
    assert _thread(centre, alert_id)[1:] == [
        ("maria", True, "escalated to supervisor: two of them, heading for the road"),
        ("ivan", True, "escalated to lead")]
    # the rules' timer leaves an alert escalated by hand alone, and a resolved one cannot go up
    assert centre.service.escalate_due(utc_now() + timedelta(seconds=600)) == []
    work.resolve(centre.store, alert_id, False, "lead")
    with pytest.raises(AlertStateError, match="resolved_true: there is nothing to escalate"):
        work.escalate(centre.store, alert_id, "maria", to="supervisor")
    assert [a for _, a, t in centre.audit_actions() if t == alert_id].count("alert.escalated") == 2


def test_a_person_who_resolves_an_unacknowledged_alert_is_recorded_as_acknowledging_it(centre: Centre) -> None:
    alert_id = centre.alert_of(centre.feed("walker", 0))
    done = work.resolve(centre.store, alert_id, True, "lead", note="fox")
    assert (done.state, done.acknowledged_by) == (AlertState.RESOLVED_FALSE_ALARM, "lead")
    with pytest.raises(AlertStateError, match="resolved_false_alarm: it cannot become dispatched"):
        work.move_alert(centre.store, alert_id, AlertState.DISPATCHED, "lead")
    assert _thread(centre, alert_id)[1:] == [("lead", True, "resolved: false alarm: fox")]
    assert centre.service.escalate_due(utc_now() + timedelta(seconds=600)) == []
