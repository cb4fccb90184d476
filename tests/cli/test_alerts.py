"""`ridgeline alert`: listing alerts so their ids can be copied, and moving them along."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.config.rules import RuleConfig
from ridgeline.model import AlertState, Envelope, Event, EventType, MessageType, new_id, utc_now
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store.db import Store

from .runner import flat, one_line_error, run


def alerts_db(tmp_path: Path, n: int = 3) -> str:
    """A centre database with ``n`` alerts, opened the way the centre opens them (rules over events)."""
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    store = Store(db)
    service = AlertService(store, RuleEngine([RuleConfig(id="crossing", events=["line_crossing"], severity="high")]))
    t = utc_now()
    batch = []
    for i in range(n):
        event = Event(type=EventType.LINE_CROSSING, time=t + timedelta(seconds=i), sensor="thermal-north-ridge-1",
                      object_id=f"walker-with-a-long-track-name-{i}")
        batch.append(Envelope(id=new_id(), site="shelburne-north", seq=i + 1, type=MessageType.EVENTS,
                              time=event.time, sent=t, payload=event.model_dump(mode="json")))
    store.ingest(batch, received=t, hook=service.apply)
    store.close()
    return db


def listed(db: str) -> list[dict[str, object]]:
    code, out = run("alert", "list", "--db", db, "--json")
    assert code == 0, out
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def test_every_id_in_an_80_column_listing_can_be_copied_into_ack(tmp_path: Path) -> None:
    db = alerts_db(tmp_path)
    ids = [str(r["id"]) for r in listed(db)]
    assert len(ids) == 3
    code, out = run("alert", "list", "--db", db)  # the test runner's terminal is 80 columns wide
    assert code == 0, out
    assert max(len(line) for line in out.splitlines()) <= 80
    for alert_id in ids:
        assert alert_id in out, out  # whole, on one line
    code, out = run("alert", "ack", ids[0], "--db", db, "--by", "op")
    assert code == 0 and f"alert {ids[0]}: acknowledged" in out, out
    code, out = run("alert", "list", "--db", db, "--state", "acknowledged", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [ids[0]]


def test_alerts_move_along_their_lifecycle(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 1)
    (alert,) = listed(db)
    assert alert["state"] == "new" and alert["escalated"] is False
    for command, state in (("dispatch", "dispatched"), ("resolve", "resolved_true")):
        code, out = run("alert", command, str(alert["id"]), "--db", db)
        assert code == 0 and f": {state}" in out, out
    assert listed(db)[0]["state"] == "resolved_true"
    code, out = run("alert", "ack", str(alert["id"]), "--db", db)
    one_line_error(code, out, str(alert["id"]))  # a resolved alert is not acknowledged again


def test_a_bad_state_is_an_error_that_lists_the_good_ones(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 1)
    code, out = run("alert", "list", "--db", db, "--state", "bogus")
    assert code == 2, out
    for state in AlertState:
        assert state.value in out, out


def test_the_state_choices_are_the_models_states() -> None:
    from ridgeline.cli.alerts import State

    assert [s.value for s in State] == [s.value for s in AlertState]


@pytest.mark.parametrize("command", [["list"], ["ack", "01ARZ3NDEKTSV4RRFFQ69G5FAV"], ["resolve", "X"]])
def test_a_mistyped_database_is_named_not_created(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "centre-typo.db"
    code, out = run("alert", *command, "--db", f"sqlite:///{typo}")
    one_line_error(code, out, "centre-typo.db", "no such file")
    assert not typo.exists()


def test_unknown_alerts_are_refused(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 1)
    code, out = run("alert", "ack", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--db", db)
    one_line_error(code, out, "no alert 01ARZ3NDEKTSV4RRFFQ69G5FAV")


def test_a_wide_listing_shows_every_column_and_a_narrow_one_says_what_it_left_out(tmp_path: Path) -> None:
    from rich.console import Console

    from ridgeline.app.alerts import list_alerts
    from ridgeline.app.database import opened
    from ridgeline.cli.alerts import alerts_table

    with opened(alerts_db(tmp_path, 2)) as store:
        rows = list_alerts(store)
    for width, left_out in ((200, ""), (80, "key")):
        console = Console(width=width, record=True)
        console.print(alerts_table(rows, width))
        text = console.export_text()
        assert all(r.alert.id in text for r in rows)
        assert all(r.alert.key in text for r in rows) == (width == 200)
        assert ("not shown for want of width" in text) == bool(left_out) and left_out in text


def _add_operator(db: str, name: str, disabled: bool = False) -> None:
    from ridgeline.model import Role
    from ridgeline.store import operators

    store = Store(db)
    try:
        with store.engine.begin() as conn:
            operators.add(conn, name, Role.OPERATOR, "argon2-hash-not-checked-here", utc_now())
            if disabled:
                operators.change(conn, name, utc_now(), disabled=True)
    finally:
        store.close()


def test_an_alert_is_cleared_assigned_commented_and_shown(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 1)
    alert_id = str(listed(db)[0]["id"])
    _add_operator(db, "maria")
    _add_operator(db, "gone", disabled=True)
    code, out = run("alert", "clear", alert_id, "--db", db, "--by", "ivan", "--note", "deer")
    assert code == 0 and f"alert {alert_id}: cleared by ivan" in out, out
    code, out = run("alert", "clear", alert_id, "--db", db)
    one_line_error(code, out, "cleared already by ivan")
    code, out = run("alert", "assign", alert_id, "gone", "--db", db)
    one_line_error(code, out, "operator 'gone' is disabled")
    code, out = run("alert", "assign", alert_id, "maria", "--db", db, "--by", "lead")
    assert code == 0 and f"alert {alert_id}: assigned to maria" in out, out
    code, out = run("alert", "assign", alert_id, "maria", "--none", "--db", db)
    assert code == 2, out  # a name or --none, not both
    code, out = run("alert", "comment", alert_id, "  heading north  ", "--db", db, "--by", "maria")
    assert code == 0, out
    code, out = run("alert", "comment", alert_id, "   ", "--db", db)
    one_line_error(code, out, "needs some text")
    code, out = run("alert", "list", "--db", db, "--assignee", "maria", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [alert_id], out
    code, out = run("alert", "show", alert_id, "--db", db, "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert (shown["alert"]["cleared_by"], shown["alert"]["assignee"], shown["alert"]["acknowledged"]) == (
        "ivan", "maria", None)
    assert [(c["author"], c["system"], c["text"]) for c in shown["comments"]] == [
        ("rules", True, "opened by rule crossing: line_crossing from shelburne-north/thermal-north-ridge-1"),
        ("ivan", True, "cleared: deer"), ("lead", True, "assigned to maria"), ("maria", False, "heading north")]
    assert [h["action"] for h in shown["history"]] == ["opened", "cleared", "assigned"]
    code, out = run("alert", "assign", alert_id, "--none", "--db", db)
    assert code == 0 and f"alert {alert_id}: unassigned" in out, out
    code, out = run("alert", "show", alert_id, "--db", db)
    assert code == 0, out
    text = flat(out)
    for needle in ("cleared", "by ivan", "History", "heading north", "unassigned (was maria)"):
        assert needle in text, out
