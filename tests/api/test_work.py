"""Alerts worked as a team and an incident handed over, all through the API: who acknowledged
and who cleared, the assignee, comments with the system's, a closed incident read-only, the
case file exported by a supervisor verifying, and every change in the audit trail."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from ridgeline.api.context import ApiContext, ApiSettings
from ridgeline.app.casefiles import verify_case
from ridgeline.app.changes import ChangeFeed
from ridgeline.app.operators import add_operator
from ridgeline.model import Role
from tests.alerting import Centre
from tests.api.conftest import PASSWORD, ROLES, Api


def _api(tmp_path: Path) -> tuple[Api, Centre]:
    from fastapi.testclient import TestClient

    from ridgeline.api.app import create_app

    centre = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    for role in ROLES:
        add_operator(centre.store, role.value, role, PASSWORD, by="setup")
    ctx = ApiContext(store=centre.store, changes=ChangeFeed("test"),
                     settings=ApiSettings(secure_cookie=False, case_key=tmp_path / "centre.key"))
    return Api(centre.store, ctx, TestClient(create_app(ctx))), centre


def test_an_alert_is_worked_and_its_incident_handed_over(tmp_path: Path) -> None:
    api, centre = _api(tmp_path)
    heard: list[str] = []
    api.ctx.changes.listen(heard.append)
    first = centre.feed("trk-1", 0, lon=-71.30, lat=44.27, snapshot=True)
    centre.feed("trk-1", 20, lon=-71.3002, lat=44.2701)
    other = centre.feed("trk-2", 30, lon=-71.20, lat=44.30)
    alert, second = centre.alert_of(first), centre.alert_of(other)
    operator, supervisor, viewer = api.login("operator"), api.login("supervisor"), api.login("viewer")

    assert viewer.post(f"/api/v1/alerts/{alert}/acknowledge", json={}).status_code == 403
    acked = operator.post(f"/api/v1/alerts/{alert}/acknowledge", json={"note": "on it"}).json()
    assert acked["acknowledged_by"] == "operator" and acked["state"] == "acknowledged" and acked["cleared"] is None
    again = operator.post(f"/api/v1/alerts/{alert}/acknowledge", json={})
    assert again.status_code == 409 and "acknowledged" in again.json()["detail"]
    assert operator.put(f"/api/v1/alerts/{alert}/assignee", json={"assignee": "viewer"}).json()["assignee"] == "viewer"
    nobody = operator.put(f"/api/v1/alerts/{alert}/assignee", json={"assignee": "ghost"})
    assert nobody.status_code == 400 and "ghost" in nobody.json()["detail"]
    assert operator.post(f"/api/v1/alerts/{alert}/comments", json={"text": "two people, northbound"}).status_code == 201
    cleared = supervisor.post(f"/api/v1/alerts/{alert}/clear", json={}).json()
    assert (cleared["cleared_by"], cleared["acknowledged_by"]) == ("supervisor", "operator")  # two facts, two people
    detail = viewer.get(f"/api/v1/alerts/{alert}").json()
    people = [c["text"] for c in detail["comments"] if not c["system"]]
    assert people == ["two people, northbound"]
    assert len([c for c in detail["comments"] if c["system"]]) >= 4  # opened, acknowledged, assigned, cleared
    assert [h["action"] for h in detail["history"]][:2] == ["opened", "updated"]

    opened = operator.post("/api/v1/incidents", json={"alerts": [alert], "title": "Crossing at <b>Kinsman</b>"})
    assert opened.status_code == 201
    incident = opened.json()["id"]
    grown = operator.post(f"/api/v1/incidents/{incident}/alerts", json={"alerts": [second]}).json()
    assert grown["alerts"] == [alert, second]
    assert operator.post(f"/api/v1/incidents/{incident}/close", json={"outcome": "turned_back"}).status_code == 403
    closed = supervisor.post(f"/api/v1/incidents/{incident}/close",
                             json={"outcome": "turned_back", "summary": "went back at the river"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    refused = operator.post(f"/api/v1/incidents/{incident}/comments", json={"text": "late note"})
    assert refused.status_code == 409  # read-only once closed
    assert supervisor.put(f"/api/v1/incidents/{incident}/legal-hold", json={"on": True}).json()["legal_hold"]
    timeline = viewer.get(f"/api/v1/incidents/{incident}").json()["timeline"]
    kinds = {e["kind"] for e in timeline}
    assert {"event", "evidence"} <= kinds and timeline == sorted(timeline, key=lambda e: e["time"])

    assert operator.get(f"/api/v1/incidents/{incident}/case").status_code == 403
    case = supervisor.get(f"/api/v1/incidents/{incident}/case")
    assert case.status_code == 200 and case.headers["content-type"] == "application/zip"
    path = tmp_path / "case.zip"
    path.write_bytes(case.content)
    check = verify_case(path)
    assert check.ok, check.problems
    names = zipfile.ZipFile(io.BytesIO(case.content)).namelist()
    assert {"incident.json", "timeline.json", "events.geojson", "tracks.geojson", "report.html", "manifest.json",
            "manifest.sig"} <= set(names) and sum(n.startswith("evidence/") for n in names) == 1
    report = zipfile.ZipFile(io.BytesIO(case.content)).read("report.html").decode()
    assert "&lt;b&gt;Kinsman&lt;/b&gt;" in report and "<b>Kinsman</b>" not in report

    actions = [(actor, action) for actor, action, _ in centre.audit_actions()]
    for expected in [("operator", "alert.acknowledged"), ("operator", "alert.assigned"),
                     ("supervisor", "alert.cleared"), ("operator", "incident.opened"),
                     ("supervisor", "incident.closed"), ("supervisor", "incident.hold_set"),
                     ("supervisor", "case.exported"), ("operator", "login"), ("supervisor", "login")]:
        assert expected in actions, expected
    # the live feed heard every change made through the API, after its commit
    kinds_heard = [c for text in heard for c in json.loads(text)["changes"]]
    assert sum(c["kind"] == "alert" and c["id"] == alert for c in kinds_heard) == 3  # acknowledged, assigned, cleared
    assert any(c["kind"] == "incident" and c["data"]["state"] == "closed" for c in kinds_heard)
    centre.close()


def test_roles_beyond_their_table_are_refused_on_real_objects(tmp_path: Path) -> None:
    api, centre = _api(tmp_path)
    alert = centre.alert_of(centre.feed("trk-9", 0, lon=-71.3, lat=44.2))
    operator = api.login("operator")
    assert operator.post(f"/api/v1/alerts/{alert}/resolve", json={"false_alarm": True}).status_code == 403
    supervisor = api.login("supervisor")
    resolved = supervisor.post(f"/api/v1/alerts/{alert}/resolve", json={"false_alarm": True, "note": "a deer"})
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved_false_alarm"
    assert supervisor.get("/api/v1/users").status_code == 403
    admin = api.login("admin")
    assert admin.post("/api/v1/users", json={"name": "nils", "role": Role.OPERATOR.value,
                                             "password": "short"}).status_code == 400
    centre.close()


def test_an_alerts_track_shows_where_its_objects_came_from(tmp_path: Path) -> None:
    api, centre = _api(tmp_path)
    # trk-1 walked north for a minute before it crossed; trk-9 is another object at the same site
    centre.track("trk-1", [(-60, -71.3000, 44.2600), (-30, -71.3001, 44.2650)])
    centre.track("trk-1", [(0, -71.3002, 44.2700)])
    centre.track("trk-9", [(-30, -71.1000, 44.3000), (0, -71.1000, 44.3100)])
    centre.track("trk-1", [(-1200, -71.5, 44.0), (-1100, -71.5, 44.01)])  # long before: not its approach
    alert = centre.alert_of(centre.feed("trk-1", 0, lon=-71.3002, lat=44.2700))
    lonely = centre.alert_of(centre.feed("trk-5", 5, lon=-71.2, lat=44.2))  # nothing reported its track
    viewer = api.login("viewer")
    (path,) = viewer.get(f"/api/v1/alerts/{alert}/track").json()
    assert (path["site"], path["object_id"], path["object_class"]) == ("s1", "trk-1", "person")
    assert path["line"] == {"type": "LineString", "coordinates": [
        [-71.3000, 44.2600], [-71.3001, 44.2650], [-71.3002, 44.2700]]}
    assert path["times"] == sorted(path["times"]) and len(path["times"]) == 3
    assert viewer.get(f"/api/v1/alerts/{lonely}/track").json() == []
    missing = viewer.get("/api/v1/alerts/no-such-alert/track")
    assert missing.status_code == 404 and "no-such-alert" in missing.json()["detail"]
    centre.close()
