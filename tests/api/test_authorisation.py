"""The authorisation matrix: every route of the OpenAPI document, called by every role and by
nobody; nothing answers that the role table does not allow, and nothing answers 5xx.

The expected least role of each route is written here, independently of the code: a route
added without an entry here fails, and so does a route whose declared role differs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ridgeline.model import Role

from .conftest import Api

V, OP, S, A, NONE = "viewer", "operator", "supervisor", "admin", "none"
#: each role's rank, written here as the role table says it: a role may do what every lower one may
RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}

#: (method, path) -> the least role that may call it ("none": anyone)
TABLE: dict[tuple[str, str], str] = {
    ("get", "/health"): NONE,
    ("get", "/metrics"): V,
    ("post", "/api/v1/session"): NONE,
    ("get", "/api/v1/session"): V,
    ("delete", "/api/v1/session"): V,
    ("get", "/api/v1/alerts"): V,
    ("get", "/api/v1/alerts/{alert_id}"): V,
    ("get", "/api/v1/alerts/{alert_id}/track"): V,
    ("get", "/api/v1/alerts/{alert_id}/etas"): V,
    ("get", "/api/v1/dispatch-plan"): V,
    ("post", "/api/v1/alerts/{alert_id}/acknowledge"): OP,
    ("post", "/api/v1/alerts/{alert_id}/clear"): OP,
    ("post", "/api/v1/alerts/{alert_id}/escalate"): OP,
    ("put", "/api/v1/alerts/{alert_id}/assignee"): OP,
    ("post", "/api/v1/alerts/{alert_id}/comments"): OP,
    ("post", "/api/v1/alerts/{alert_id}/dispatch"): OP,
    ("post", "/api/v1/alerts/{alert_id}/resolve"): S,
    ("get", "/api/v1/incidents"): V,
    ("post", "/api/v1/incidents"): OP,
    ("get", "/api/v1/incidents/{incident_id}"): V,
    ("post", "/api/v1/incidents/{incident_id}/alerts"): OP,
    ("post", "/api/v1/incidents/{incident_id}/comments"): OP,
    ("post", "/api/v1/incidents/{incident_id}/close"): S,
    ("post", "/api/v1/incidents/{incident_id}/reopen"): S,
    ("put", "/api/v1/incidents/{incident_id}/legal-hold"): S,
    ("get", "/api/v1/incidents/{incident_id}/case"): S,
    ("get", "/api/v1/units"): V,
    ("get", "/api/v1/unit-statuses"): V,
    ("get", "/api/v1/units/{unit_id}"): V,
    ("post", "/api/v1/units/{unit_id}/status"): OP,
    ("post", "/api/v1/units/{unit_id}/dispatch"): OP,
    ("post", "/api/v1/units/{unit_id}/position"): OP,
    ("get", "/api/v1/retention"): A,
    ("post", "/api/v1/retention/purge"): A,
    ("get", "/api/v1/users"): A,
    ("post", "/api/v1/users"): A,
    ("get", "/api/v1/users/{name}"): A,
    ("patch", "/api/v1/users/{name}"): A,
    ("post", "/api/v1/users/{name}/tokens"): A,
    ("get", "/api/v1/audit"): S,
    ("get", "/api/v1/audit/verify"): S,
    ("get", "/api/v1/sites"): V,
    ("get", "/api/v1/sector"): V,
    ("get", "/api/v1/coverage"): V,
    ("get", "/api/v1/events"): V,
    ("get", "/api/v1/tracks"): V,
    ("get", "/api/v1/events/{event_id}/evidence"): V,
    ("get", "/api/v1/evidence/{site}/{snapshot_id}"): V,
    ("get", "/api/v1/tiles/terrain.json"): V,
    ("get", "/api/v1/tiles/terrain/{z}/{x}/{y}.png"): V,
    ("get", "/api/v1/tiles/basemap.json"): V,
    ("get", "/api/v1/tiles/basemap/{z}/{x}/{y}"): V,
}
CALLERS = (None, Role.VIEWER, Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)


def routes(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    doc = api.client.get("/api/v1/openapi.json").json()
    return [(method, path, op) for path, item in doc["paths"].items() for method, op in item.items()]


def test_every_route_declares_the_role_the_table_says(api: Api) -> None:
    found = {(method, path): op.get("x-required-role") for method, path, op in routes(api)}
    assert found == TABLE


def _call(api: Api, method: str, path: str, who: Role | None) -> int:
    client = TestClient(api.client.app)
    headers = api.token(who.value) if who is not None else {}
    url = re.sub(r"\{[^}]+\}", "nobody", path)
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("post", "put", "patch"):
        kwargs["json"] = {}
    return client.request(method.upper(), url, **kwargs).status_code


@pytest.mark.parametrize("who", CALLERS, ids=lambda r: r.value if r is not None else "nobody")
def test_nothing_is_allowed_that_the_table_does_not_allow(api: Api, who: Role | None) -> None:
    wrong = []
    for (method, path), least in TABLE.items():
        code = _call(api, method, path, who)
        if least == NONE:
            allowed = True
        elif who is None:
            allowed = False
            if code != 401:
                wrong.append(f"{method} {path} by nobody: {code}, not 401")
        else:
            allowed = RANK[who] >= RANK[Role(least)]
            if not allowed and code != 403:
                wrong.append(f"{method} {path} by {who.value}: {code}, not 403")
        if allowed and code in (401, 403):
            wrong.append(f"{method} {path} by {who.value if who else 'nobody'}: refused with {code}")
        if code >= 500 and not (path == "/health" and code == 503):
            wrong.append(f"{method} {path} by {who.value if who else 'nobody'}: {code}")
    assert not wrong, "\n".join(wrong)
