"""Units over the API, on a real database: listed with their status and the age of their
position, moved by a machine client's position report (bearer token), given a custom status,
dispatched to an alert (which becomes dispatched), every change pushed on the live WebSocket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ridgeline.app.units import define_units
from ridgeline.config.units import UnitConfig, UnitStatusConfig
from ridgeline.model import UnitKind, UnitStatus, utc_now

from ..alerting import Centre
from .conftest import Api, make_api


@pytest.fixture
def api(tmp_path) -> Iterator[Api]:  # type: ignore[no-untyped-def]
    made = make_api(f"sqlite:///{tmp_path / 'centre.db'}")
    define_units(made.store, [
        UnitConfig(id="patrol-2", name="Patrol 2", kind=UnitKind.FOOT, home_lon=-71.3, home_lat=44.27),
        UnitConfig(id="boat-1", name="Boat 1", kind=UnitKind.BOAT, home_lon=-71.1, home_lat=44.1),
    ], [UnitStatusConfig(name="refuelling", base=UnitStatus.OUT_OF_SERVICE)])
    with made.client:
        yield made
    made.store.close()


def test_units_are_listed_with_status_and_position_age(api: Api) -> None:
    answer = api.client.get("/api/v1/units", headers=api.token("viewer"))
    assert answer.status_code == 200, answer.text
    units = {u["id"]: u for u in answer.json()}
    assert sorted(units) == ["boat-1", "patrol-2"]
    assert (units["boat-1"]["status"], units["boat-1"]["base"], units["boat-1"]["position"],
            units["boat-1"]["position_age_s"]) == ("available", "available", {"lon": -71.1, "lat": 44.1, "x": None,
                                                                              "y": None}, None)
    names = {s["name"]: s["base"] for s in api.client.get("/api/v1/unit-statuses", headers=api.token("viewer")).json()}
    assert names["refuelling"] == "out_of_service" and names["en_route"] == "en_route" and len(names) == 7


def test_a_machine_client_moves_a_unit_and_the_console_hears_it(api: Api) -> None:
    client = TestClient(api.client.app)
    tracker = api.token("operator")
    with client.websocket_connect("/api/v1/live", headers=api.token("viewer")) as ws:
        assert ws.receive_json()["type"] == "hello"
        when = utc_now() - timedelta(seconds=30)
        answer = client.post("/api/v1/units/boat-1/position", headers=tracker, json={
            "lon": -71.05, "lat": 44.12, "time": when.isoformat(), "heading_deg": 270, "speed_ms": 3.5})
        assert answer.status_code == 200, answer.text
        assert answer.json()["position_age_s"] == pytest.approx(30, abs=5)
        batch = json.loads(ws.receive_text())
    (change,) = batch["changes"]
    assert (change["kind"], change["id"], change["data"]["position"]["lon"], change["data"]["source"]) == (
        "unit", "boat-1", -71.05, "http")
    shown = client.get("/api/v1/units/boat-1", headers=api.token("viewer")).json()
    assert (shown["unit"]["position"]["lat"], shown["unit"]["heading_deg"], shown["unit"]["speed_ms"]) == (
        44.12, 270, 3.5)
    assert [(p["lon"], p["lat"]) for p in shown["trail"]] == [(-71.05, 44.12)]
    naive = client.post("/api/v1/units/boat-1/position", headers=tracker, json={
        "lon": 0, "lat": 0, "time": "2026-11-25T13:00:00"})
    assert naive.status_code == 422
    ahead = client.post("/api/v1/units/boat-1/position", headers=tracker, json={
        "lon": 0, "lat": 0, "time": (utc_now() + timedelta(hours=2)).isoformat()})
    assert ahead.status_code == 400 and "ahead of the centre's clock" in ahead.json()["detail"]
    assert client.post("/api/v1/units/ghost/position", headers=tracker, json={
        "lon": 0, "lat": 0, "time": utc_now().isoformat()}).status_code == 404
    assert client.post("/api/v1/units/boat-1/position", headers=api.token("viewer"), json={
        "lon": 0, "lat": 0, "time": utc_now().isoformat()}).status_code == 403


def test_status_and_dispatch_over_the_api(api: Api) -> None:
    centre = Centre(api.store.engine.url.render_as_string(hide_password=False))  # alerts the rules' way, same db
    alert = centre.alert_of(centre.feed("walker-7", 0))
    op = api.token("operator")
    heard: list[str] = []
    api.ctx.changes.listen(heard.append)
    sent = api.client.post("/api/v1/units/patrol-2/dispatch", headers=op, json={"alert": alert, "note": "ford"})
    assert sent.status_code == 200, sent.text
    assert (sent.json()["status"], sent.json()["alert"]) == ("dispatched", alert)
    (batch,) = [json.loads(b) for b in heard]  # one commit, one batch: the alert dispatched and the unit
    assert [(c["kind"], c["data"].get("state") or c["data"].get("status")) for c in batch["changes"]] == [
        ("alert", "dispatched"), ("unit", "dispatched")]
    shown = api.client.get(f"/api/v1/alerts/{alert}", headers=op).json()
    assert shown["alert"]["state"] == "dispatched"
    again = api.client.post("/api/v1/units/patrol-2/dispatch", headers=op, json={"alert": alert})
    assert again.status_code == 409
    assert api.client.post("/api/v1/units/patrol-2/dispatch", headers=op, json={}).status_code == 400
    moved = api.client.post("/api/v1/units/patrol-2/status", headers=op, json={"status": "en_route"})
    assert (moved.status_code, moved.json()["base"], moved.json()["alert"]) == (200, "en_route", alert)
    unknown = api.client.post("/api/v1/units/patrol-2/status", headers=op, json={"status": "lost"})
    assert unknown.status_code == 400 and "refuelling" in unknown.json()["detail"]
    log = api.client.get("/api/v1/units/patrol-2", headers=op).json()["log"]
    assert [(x["action"], x["alert_id"], x["actor"]) for x in log] == [
        ("dispatched", alert, "operator"), ("en_route", alert, "operator")]
    centre.close()


def test_every_units_eta_to_an_alert_over_the_sector_terrain(tmp_path, example_sector_path) -> None:  # type: ignore[no-untyped-def]
    from ridgeline.config import load_sector

    made = make_api(f"sqlite:///{tmp_path / 'centre.db'}")
    sector = load_sector(example_sector_path)
    # a fast drone with a short battery, as the sector file may describe one
    fast = UnitConfig(id="drone-2", name="drone-2", kind=UnitKind.DRONE, home_lon=-71.2449, home_lat=44.2519,
                      speed_kmh=120, endurance_min=1)
    made.ctx.sector = sector.model_copy(update={"units": [*sector.units, fast]})
    # below Tuckerman's headwall (nearer the summit in a straight line) and at the Lakes of the
    # Clouds (farther, along the ridge); a second patrol at the lakes, out of service
    define_units(made.store, [
        UnitConfig(id="tuckerman", name="tuckerman", kind=UnitKind.FOOT, home_lon=-71.2920, home_lat=44.2610),
        UnitConfig(id="lakes", name="lakes", kind=UnitKind.FOOT, home_lon=-71.3185, home_lat=44.2588),
        UnitConfig(id="lakes-2", name="lakes-2", kind=UnitKind.FOOT, home_lon=-71.3185, home_lat=44.2588),
        UnitConfig(id="boat-1", name="boat-1", kind=UnitKind.BOAT, home_lon=-71.1, home_lat=44.1),
        UnitConfig(id="drone-1", name="drone-1", kind=UnitKind.DRONE, home_lon=-71.2449, home_lat=44.2519),
        fast,
    ], [])
    centre = Centre(made.store.engine.url.render_as_string(hide_password=False))
    summit = centre.alert_of(centre.feed("walker-8", 0, lon=-71.3033, lat=44.2706))
    unplaced = centre.alert_of(centre.feed("walker-9", 5))
    other = centre.alert_of(centre.feed("walker-10", 10, lon=-71.2855, lat=44.2595))
    with made.client:
        operator = made.token("operator")
        for busy in ("lakes-2", "drone-1"):  # out of service: timed, never recommended
            assert made.client.post(f"/api/v1/units/{busy}/status", headers=operator,
                                    json={"status": "out_of_service"}).status_code == 200
        answer = made.client.get(f"/api/v1/alerts/{summit}/etas", headers=made.token("viewer"))
        assert answer.status_code == 200, answer.text
        found = answer.json()
        etas = {e["unit"]["id"]: e for e in found["etas"]}
        print(f"ETA to the summit: tuckerman {etas['tuckerman']['minutes']:.1f} min "
              f"({etas['tuckerman']['straight_m']:.0f} m), lakes {etas['lakes']['minutes']:.1f} min "
              f"({etas['lakes']['straight_m']:.0f} m)")
        assert etas["tuckerman"]["straight_m"] < etas["lakes"]["straight_m"]
        assert etas["lakes"]["minutes"] < etas["tuckerman"]["minutes"]  # the headwall is between
        # the fastest is lakes-2 or lakes (same cell), but only an available unit is recommended
        assert found["recommended"] == "lakes" and etas["lakes"]["recommended"]
        assert etas["lakes-2"]["minutes"] == etas["lakes"]["minutes"] and not etas["lakes-2"]["recommended"]
        assert etas["boat-1"]["minutes"] is None and etas["boat-1"]["reason"]
        assert {e["unit"]["id"] for e in found["etas"][-2:]} == {"boat-1", "drone-2"}  # those that cannot come last
        # a drone from Pinkham Notch flies straight, and sees the summit from its standoff
        drone = etas["drone-1"]
        assert drone["mode"] == "drone" and drone["drone"]["visible"] and drone["drone"]["moved_m"] == 0
        assert drone["minutes"] == pytest.approx(drone["straight_m"] * 0.06 / 60.0)  # the default cruise, 60 km/h
        assert all(e["drone"] is None for e in found["etas"] if e["mode"] != "drone")
        # its own speed and endurance: twice as fast, but not up long enough
        assert etas["drone-2"]["minutes"] is None
        assert etas["drone-2"]["reason"] == (f"a {drone['straight_m'] * 0.06 / 120:.1f} min flight exceeds the "
                                             "drone's endurance of 1 min")
        none = made.client.get(f"/api/v1/alerts/{unplaced}/etas", headers=made.token("viewer")).json()
        assert none["etas"] == [] and "no map position" in none["reason"]
        assert made.client.get("/api/v1/alerts/nope/etas", headers=made.token("viewer")).status_code == 404

        plan = made.client.get("/api/v1/dispatch-plan", headers=made.token("viewer"),
                               params=[("alert", summit), ("alert", other), ("alert", unplaced)]).json()
        chosen = {p["alert"]: p["unit"] for p in plan["assignments"]}
        assert set(chosen) == {summit, other} and len(set(chosen.values())) == 2
        assert "lakes-2" not in chosen.values() and plan["unassigned"] == [unplaced]
        assert plan["total_minutes"] == sum(p["minutes"] for p in plan["assignments"])
    centre.close()
    made.store.close()
