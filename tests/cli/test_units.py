"""`ridgeline unit`: the example sector's units written into a centre database, listed, moved,
given a custom status and dispatched; mistakes are one line naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import EXAMPLE

from .runner import flat, one_line_error, run
from .test_alerts import alerts_db, listed


def test_units_are_defined_listed_moved_and_given_a_status(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 1)
    code, out = run("unit", "define", str(EXAMPLE / "sector.yaml"), "--db", db)
    assert (code, flat(out)) == (0, "3 unit(s), 3 new")
    code, out = run("unit", "position", "truck-1", "-71.2", "44.3", "--db", db)
    assert (code, flat(out)) == (0, "unit truck-1: moved to 44.30000, -71.20000")
    code, out = run("unit", "position", "truck-1", "-72", "45", "--db", db, "--time", "2020-01-01T00:00:00Z")
    assert (code, flat(out)) == (0, "unit truck-1: kept (it holds a newer position): 45.00000, -72.00000")
    code, out = run("unit", "status", "drone-1", "refuelling", "--db", db, "--by", "maria")
    assert (code, flat(out)) == (0, "unit drone-1: refuelling (out_of_service)")
    alert = str(listed(db)[0]["id"])
    code, out = run("unit", "dispatch", "patrol-1", "--alert", alert, "--db", db, "--note", "north bank")
    assert (code, flat(out)) == (0, f"unit patrol-1: dispatched to {alert}")
    code, out = run("unit", "list", "--db", db, "--json")
    assert code == 0, out
    units = {u["id"]: u for u in json.loads(out)}
    assert (units["truck-1"]["position"]["lon"], units["truck-1"]["source"]) == (-71.2, "cli")
    assert units["truck-1"]["position_age_s"] < 60 and units["patrol-1"]["position_age_s"] is None
    assert (units["patrol-1"]["base"], units["patrol-1"]["alert"]) == ("dispatched", alert)
    assert listed(db)[0]["state"] == "dispatched"
    code, out = run("unit", "list", "--db", db)
    assert code == 0 and "refuelling" in out and "never" in out and alert in out, out


def test_mistakes_are_one_line(tmp_path: Path) -> None:
    db = alerts_db(tmp_path, 0)
    run("unit", "define", str(EXAMPLE / "sector.yaml"), "--db", db)
    one_line_error(*run("unit", "status", "drone-1", "parked", "--db", db), "no unit status 'parked'", "refuelling")
    one_line_error(*run("unit", "position", "tank-9", "0", "0", "--db", db), "no unit tank-9")
    one_line_error(*run("unit", "dispatch", "patrol-1", "--db", db), "name an alert or an incident")
    one_line_error(*run("unit", "list", "--db", f"sqlite:///{tmp_path / 'none.db'}"), "no such file")
