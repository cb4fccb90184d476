"""An API over a real database, with one operator of each role (password ``PASSWORD``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ridgeline.api.app import create_app
from ridgeline.api.context import ApiContext, ApiSettings
from ridgeline.app.changes import ChangeFeed
from ridgeline.app.operators import add_operator
from ridgeline.model import Role
from ridgeline.store.db import Store

PASSWORD = "a long enough passphrase"
ROLES = (Role.VIEWER, Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)


@dataclass
class Api:
    """A centre's API with its store, and a way to log in as each role."""

    store: Store
    ctx: ApiContext
    client: TestClient

    def login(self, name: str, password: str = PASSWORD) -> TestClient:
        """A client holding ``name``'s session cookie."""
        client = TestClient(self.client.app)
        answer = client.post("/api/v1/session", json={"username": name, "password": password})
        assert answer.status_code == 201, answer.text
        return client

    def token(self, name: str) -> dict[str, str]:
        """Headers with a fresh bearer token for ``name``."""
        from ridgeline.app.sessions import issue_bearer_token

        return {"Authorization": f"Bearer {issue_bearer_token(self.store, name, 'tests', 'admin')}"}


def make_api(url: str) -> Api:
    store = Store(url)
    for role in ROLES:
        add_operator(store, role.value, role, PASSWORD, by="setup")
    ctx = ApiContext(store=store, changes=ChangeFeed("test"), settings=ApiSettings(secure_cookie=False))
    return Api(store, ctx, TestClient(create_app(ctx)))


@pytest.fixture
def api(tmp_path) -> Iterator[Api]:  # type: ignore[no-untyped-def]
    made = make_api(f"sqlite:///{tmp_path / 'centre.db'}")
    with made.client:
        yield made
    made.store.close()
