"""The live WebSocket: the session and the Origin checked, every committed change pushed, and
a client too slow to keep up told and dropped rather than buffered without bound."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ridgeline.api.context import ApiContext, ApiSettings
from ridgeline.api.hub import TRY_AGAIN_LATER
from ridgeline.api.server import ApiServer
from ridgeline.app.changes import ChangeFeed
from ridgeline.app.operators import add_operator
from ridgeline.app.sessions import issue_bearer_token, log_in
from ridgeline.model import Change, ChangeKind, Role
from ridgeline.store.db import Store
from tests.broker import free_port

from .conftest import PASSWORD


@pytest.fixture
def server(tmp_path) -> Iterator[ApiServer]:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'centre.db'}")
    add_operator(store, "viewer", Role.VIEWER, PASSWORD, by="setup")
    ctx = ApiContext(store=store, changes=ChangeFeed("test"),
                     settings=ApiSettings(secure_cookie=False, client_queue=8))
    api = ApiServer(ctx, free_port())
    api.start()
    try:
        yield api
    finally:
        api.stop()
        store.close()


def _url(api: ApiServer) -> str:
    return f"ws://127.0.0.1:{api.port}/api/v1/live"


def test_a_client_with_a_token_gets_every_committed_change(server: ApiServer) -> None:
    token = issue_bearer_token(server.ctx.store, "viewer", "console", "setup")
    with connect(_url(server), additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"type": "hello", "operator": "viewer", "role": "viewer"}
        sent = [server.ctx.changes.announce([Change(kind=ChangeKind.SITE, id=f"s{i}", data={"online": True})])
                for i in range(3)]
        got = [json.loads(ws.recv(timeout=5)) for _ in range(3)]
    assert [g["id"] for g in got] == [b.id for b in sent if b is not None]
    assert [g["changes"][0]["id"] for g in got] == ["s0", "s1", "s2"]


def test_the_session_and_the_origin_are_checked(server: ApiServer) -> None:
    with pytest.raises(InvalidStatus):  # nobody
        connect(_url(server), open_timeout=5)
    cookie = log_in(server.ctx.store, "viewer", PASSWORD, "127.0.0.1").token
    headers = {"Cookie": f"ridgeline_session={cookie}"}
    with pytest.raises(InvalidStatus):  # a cookie from another site's page
        connect(_url(server), additional_headers=headers, origin="https://evil.example", open_timeout=5)
    with pytest.raises(InvalidStatus):  # a cookie with no origin at all is no browser: refused too
        connect(_url(server), additional_headers=headers, open_timeout=5)
    own = f"http://127.0.0.1:{server.port}"
    with connect(_url(server), additional_headers=headers, origin=own, open_timeout=5) as ws:  # type: ignore[arg-type]
        assert json.loads(ws.recv(timeout=5))["operator"] == "viewer"


def test_a_client_too_slow_to_keep_up_is_told_and_dropped(server: ApiServer) -> None:
    token = issue_bearer_token(server.ctx.store, "viewer", "slow", "setup")
    big = {"blob": "x" * 200_000}  # large batches fill the socket's buffers soon
    with connect(_url(server), additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5,
                 max_size=None) as ws:
        ws.recv(timeout=5)
        for i in range(200):  # the client reads nothing meanwhile
            server.ctx.changes.announce([Change(kind=ChangeKind.EVENT, id=f"e{i}", data=big)])
        received = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received.append(json.loads(ws.recv(timeout=10)))
    assert server.hub.dropped == 1 and not server.hub.clients
    assert received[-1]["type"] == "dropped" and "too slow" in received[-1]["reason"]
    assert len(received) < 200  # not all buffered for it: at most the queue and what the sockets held
    assert closed.value.rcvd is not None and closed.value.rcvd.code == TRY_AGAIN_LATER
