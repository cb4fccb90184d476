"""Logging in: an HttpOnly SameSite=Strict cookie, bearer tokens, rate-limited failures, audited."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from ridgeline.store import audit

from .conftest import PASSWORD, Api


def test_a_login_sets_a_strict_httponly_cookie_and_is_audited(api: Api) -> None:
    client = TestClient(api.client.app)
    answer = client.post("/api/v1/session", json={"username": "operator", "password": PASSWORD})
    assert answer.status_code == 201 and answer.json()["role"] == "operator"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/api/" in cookie
    assert client.get("/api/v1/session").json()["operator"] == "operator"
    assert client.delete("/api/v1/session").status_code == 204
    assert client.get("/api/v1/session").status_code == 401  # the session ended at the centre, not just here
    with api.store.engine.connect() as conn:
        actions = [(e.actor, e.action) for e in audit.entries(conn) if e.action.startswith("log")]
        assert audit.verify(conn).intact
    assert actions == [("operator", "login"), ("operator", "logout")]


def test_a_bearer_token_works_without_a_cookie_and_ends_with_the_account(api: Api) -> None:
    headers = api.token("viewer")
    client = TestClient(api.client.app)
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    admin = api.login("admin")
    assert admin.patch("/api/v1/users/viewer", json={"disabled": True}).status_code == 200
    assert client.get("/api/v1/sites", headers=headers).status_code == 401


def test_failed_logins_are_throttled_audited_and_never_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = TestClient(api.client.app)
    codes = [client.post("/api/v1/session", json={"username": "operator", "password": f"wrong guess {i}"}).status_code
             for i in range(7)]
    assert codes == [401, 401, 401, 401, 401, 429, 429]
    throttled = client.post("/api/v1/session", json={"username": "operator", "password": PASSWORD})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1  # even the right one waits
    # another name from the same address is not locked by this name's failures
    assert client.post("/api/v1/session", json={"username": "viewer", "password": PASSWORD}).status_code == 201
    # an unknown name answers like a wrong password
    unknown = client.post("/api/v1/session", json={"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401 and unknown.json() == {"detail": "wrong name or password, or the account "
                                                                       "is disabled"}
    with api.store.engine.connect() as conn:
        failed = [e for e in audit.entries(conn) if e.action == "login.failed"]
    assert len(failed) == 6 and {e.actor for e in failed} == {"operator", "nobody"}
    assert all("wrong guess" not in str(e.detail) for e in failed)
    assert "wrong guess" not in caplog.text and PASSWORD not in caplog.text


def test_a_validation_error_never_echoes_the_password(api: Api) -> None:
    answer = TestClient(api.client.app).post("/api/v1/session", json={"username": "", "password": "secret words"})
    assert answer.status_code == 422 and "secret words" not in answer.text


def test_a_cookie_request_from_a_foreign_origin_may_not_change_anything(api: Api) -> None:
    client = api.login("admin")
    body = {"name": "eve", "role": "admin", "password": PASSWORD}
    foreign = client.post("/api/v1/users", json=body, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "origin" in foreign.json()["detail"]
    assert client.post("/api/v1/users", json=body, headers={"Origin": "http://testserver"}).status_code == 201
