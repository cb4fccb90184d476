"""`ridgeline incident`: open one from alerts (only its id on stdout), list, show the timeline,
add, comment, close read-only, reopen, hold; errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

from ridgeline.cli import app

from .runner import flat, one_line_error, run, runner
from .test_alerts import alerts_db, listed


def _open(db: str, *alert_ids: str, title: str = "Walkers at the ford") -> str:
    result = runner.invoke(app, ["incident", "open", *alert_ids, "--title", title, "--db", db, "--by", "maria"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1  # the id and nothing else, for scripts
    return result.stdout.strip()


def test_an_incident_is_opened_worked_closed_and_reopened(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 3)
    a, b, c = (str(r["id"]) for r in listed(db))
    incident_id = _open(db, a, b)
    assert len(incident_id) == 26
    code, out = run("incident", "add", incident_id, c, "--db", db, "--by", "ivan")
    assert code == 0 and f"incident {incident_id}: 3 alert(s)" in out, out
    code, out = run("incident", "comment", incident_id, "unit 3 on its way", "--db", db, "--by", "ivan")
    assert code == 0, out
    code, out = run("incident", "close", incident_id, "--outcome", "turned_back", "--summary", "went back", "--db",
                    db, "--by", "lead")
    assert code == 0 and "closed (turned_back)" in out, out
    code, out = run("incident", "comment", incident_id, "late note", "--db", db)
    one_line_error(code, out, f"incident {incident_id} is closed: reopen it first")
    code, out = run("incident", "hold", incident_id, "--on", "--db", db, "--by", "lead")
    assert code == 0 and "legal hold set" in out, out
    code, out = run("incident", "reopen", incident_id, "--reason", "seen again", "--db", db, "--by", "chief")
    assert code == 0 and f"incident {incident_id}: open" in out, out
    code, out = run("incident", "list", "--db", db, "--json")
    assert code == 0, out
    (listed_one,) = json.loads(out)
    assert (listed_one["id"], listed_one["state"], listed_one["alerts"], listed_one["legal_hold"]) == (
        incident_id, "open", [*sorted([a, b]), c], True)  # added together: by id
    code, out = run("incident", "show", incident_id, "--db", db, "--json")
    assert code == 0, out
    shown = json.loads(out)
    own = [(e["actor"], e["text"]) for e in shown["timeline"] if e["kind"] == "incident"]
    assert own == [("maria", "opened: Walkers at the ford"), ("lead", "closed: turned_back: went back"),
                   ("lead", "legal hold set"), ("chief", "reopened: seen again")]
    assert sum(e["kind"] == "event" for e in shown["timeline"]) == 3
    assert [e["alert"] for e in shown["timeline"] if e["kind"] == "alert_added"] == [*sorted([a, b]), c]
    code, out = run("incident", "show", incident_id, "--db", db)
    assert code == 0, out
    text = flat(out)
    for needle in ("Walkers at the ford", "Timeline", "unit 3 on its way", "reopened: seen again", "legal hold yes"):
        assert needle in text, out


def test_incident_errors_are_one_line(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 1)
    (alert,) = listed(db)
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    code, out = run("incident", "open", missing, "--title", "t", "--db", db)
    one_line_error(code, out, f"no alert {missing}")
    code, out = run("incident", "open", str(alert["id"]), "--title", "  ", "--db", db)
    one_line_error(code, out, "needs a title")
    code, out = run("incident", "show", missing, "--db", db)
    one_line_error(code, out, f"no incident {missing}")
    incident_id = _open(db, str(alert["id"]))
    code, out = run("incident", "add", incident_id, str(alert["id"]), "--db", db)
    one_line_error(code, out, "already")
    code, out = run("incident", "reopen", incident_id, "--db", db)
    one_line_error(code, out, "is open already")
    code, out = run("incident", "close", incident_id, "--outcome", "caught", "--db", db)
    assert code == 2 and "apprehended" in out, out  # the choices are listed
