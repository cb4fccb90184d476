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
