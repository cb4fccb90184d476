"""The TAK bridge over a real TCP connection on 127.0.0.1 (a listening socket plays the TAK
server's plain CoT input): what the centre announces (an alert, a track, a unit) arrives as CoT
events that meet the schema, a tracked object with no callsign; a unit's TAK device reporting
through the server moves the unit, as the API shows; bad CoT on the connection is counted and
the bridge goes on."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.api.app import create_app
from ridgeline.api.context import ApiContext, ApiSettings
from ridgeline.app.changes import ChangeFeed, alert_change, unit_change
from ridgeline.app.operators import add_operator
from ridgeline.app.sessions import issue_bearer_token
from ridgeline.app.tak import TakBridge
from ridgeline.app.units import define_units, get_unit
from ridgeline.config.units import TakConfig, UnitConfig
from ridgeline.model import (
    Alert,
    Change,
    ChangeKind,
    EventType,
    Position,
    Role,
    Severity,
    UnitKind,
    UnitStatus,
    utc_now,
)
from ridgeline.store.db import Store
from ridgeline.transport.cot import CotStream, cot_time
from tests.conftest import wait_for
from tests.transport.test_cot import check_schema


@dataclass
class TakServer:
    """A listening socket on an ephemeral port that keeps what the bridge sends and can write to it."""

    sock: socket.socket
    received: list[bytes] = field(default_factory=list)
    conn: socket.socket | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def serve(self) -> None:
        self.conn, _ = self.sock.accept()
        stream = CotStream()
        while data := self.conn.recv(65536):
            self.received.extend(stream.feed(data))

    def send(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)


@pytest.fixture
def tak_server() -> Iterator[TakServer]:
    sock = socket.create_server(("127.0.0.1", 0))
    server = TakServer(sock)
    threading.Thread(target=server.serve, daemon=True).start()
    yield server
    if server.conn is not None:
        server.conn.close()
    sock.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'centre.db'}")
    define_units(s, [UnitConfig(id="boat-1", name="Boat 1", kind=UnitKind.BOAT, home_lon=-71.1, home_lat=44.1,
                                callsign="HARBOUR", tak_uid="ANDROID-boat1"),
                     UnitConfig(id="patrol-2", name="Patrol 2", kind=UnitKind.FOOT, home_lon=-71.3, home_lat=44.3)],
                 [])
    yield s
    s.close()


def bridge_to(server: TakServer, store: Store, feed: ChangeFeed) -> TakBridge:
    bridge = TakBridge(store, TakConfig(url=f"tcp://127.0.0.1:{server.port}", reconnect_s=0.2, stale_unit_s=600),
                       feed)
    bridge.start()
    assert wait_for(lambda: bridge.counters.connected, 10)
    return bridge


def test_an_alert_a_track_and_a_unit_arrive_as_cot_that_meets_the_schema(tak_server: TakServer,
                                                                          store: Store) -> None:
    feed = ChangeFeed("test")
    bridge = bridge_to(tak_server, store, feed)
    try:
        assert wait_for(lambda: len(tak_server.received) >= 2, 10)  # the two units, sent on connecting
        now = utc_now()
        alert = Alert(id="01JALERT0000000000000000AA", key="k", type=EventType.LANDING, severity=Severity.HIGH,
                      opened=now, updated=now, first_event="e1", last_event="e1", position=Position(lon=-71.2,
                                                                                                  lat=44.2))
        boat = get_unit(store, "boat-1").unit
        feed.announce([
            alert_change(alert),
            Change(kind=ChangeKind.TRACK, id="t7", site="harbour", data={
                "object_class": "vessel", "time": now.isoformat(), "position": {"lon": -71.25, "lat": 44.25},
                "sources": ["ais"]}),
            unit_change(boat.model_copy(update={"status": "en_route", "base": UnitStatus.EN_ROUTE})),
        ])
        assert wait_for(lambda: len(tak_server.received) >= 5, 10)
    finally:
        bridge.stop()
    roots = [check_schema(doc) for doc in tak_server.received]
    by_uid = {r.get("uid"): r for r in roots}
    assert sorted(by_uid) == ["ridgeline-alert-01JALERT0000000000000000AA", "ridgeline-track-t7",
                              "ridgeline-unit-boat-1", "ridgeline-unit-patrol-2"]
    track, alert_root = by_uid["ridgeline-track-t7"], by_uid["ridgeline-alert-01JALERT0000000000000000AA"]
    assert track.get("type") == "a-u-S" and track.find("detail/contact") is None
    assert alert_root.find("detail/contact") is None and "landing (high)" in (alert_root.findtext("detail/remarks")
                                                                               or "")
    assert [r.findtext("detail/remarks") for r in roots if r.get("uid") == "ridgeline-unit-boat-1"][-1] == \
        "status: en_route"
    unit_root = by_uid["ridgeline-unit-boat-1"]
    assert unit_root.find("detail/contact").get("callsign") == "HARBOUR"  # type: ignore[union-attr]
    assert bridge.counters.sent == len(tak_server.received)


def device_event(uid: str, callsign: str, lon: float, lat: float) -> bytes:
    t = utc_now() - timedelta(seconds=2)
    return (f'<?xml version="1.0"?><event version="2.0" uid="{uid}" type="a-f-S" time="{cot_time(t)}" '
            f'start="{cot_time(t)}" stale="{cot_time(t + timedelta(minutes=5))}" how="m-g"><point lat="{lat}" '
            f'lon="{lon}" hae="0" ce="5" le="9999999"/><detail><contact callsign="{callsign}"/></detail>'
            "</event>").encode()


def test_a_units_tak_device_moves_the_unit_in_the_api(tak_server: TakServer, store: Store) -> None:
    feed = ChangeFeed("test")
    add_operator(store, "viewer", Role.VIEWER, "a long enough passphrase", by="setup")
    token = issue_bearer_token(store, "viewer", "tests", "setup")
    from fastapi.testclient import TestClient

    client = TestClient(create_app(ApiContext(store=store, changes=feed, settings=ApiSettings(secure_cookie=False))))
    heard: list[str] = []
    feed.listen(heard.append)
    bridge = bridge_to(tak_server, store, feed)
    try:
        assert wait_for(lambda: tak_server.conn is not None, 10)
        tak_server.send(b"<event><this is not CoT</event>")  # counted, and the connection goes on
        tak_server.send(device_event("ANDROID-boat1", "whatever", -71.05, 44.15))  # by its TAK uid
        tak_server.send(device_event("ANDROID-other", "Patrol 2", -71.35, 44.35))  # by its callsign
        tak_server.send(device_event("ANDROID-stranger", "Fishing boat", -70.0, 44.0))  # no unit of ours
        tak_server.send(device_event("ridgeline-unit-boat-1", "HARBOUR", 0, 0))  # our own, relayed back
        assert wait_for(lambda: bridge.counters.received >= 5, 10)
    finally:
        bridge.stop()
    assert (bridge.counters.moved, bridge.counters.refused, bridge.counters.others) == (2, 1, 1)
    shown = client.get("/api/v1/units/boat-1", headers={"Authorization": f"Bearer {token}"}).json()["unit"]
    assert (shown["position"]["lon"], shown["position"]["lat"], shown["source"]) == (-71.05, 44.15, "cot")
    assert 0 <= shown["position_age_s"] < 60
    patrol = client.get("/api/v1/units/patrol-2", headers={"Authorization": f"Bearer {token}"}).json()["unit"]
    assert (patrol["position"]["lon"], patrol["source"]) == (-71.35, "cot")
    assert sum('"kind":"unit"' in b for b in heard) == 2  # each move announced to the consoles


def test_over_udp_each_event_is_one_datagram_and_a_bad_change_spoils_no_other(store: Store) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(10)
    feed = ChangeFeed("test")
    bridge = TakBridge(store, TakConfig(url=f"udp://127.0.0.1:{receiver.getsockname()[1]}"), feed)
    bridge.start()
    try:
        uids = {check_schema(receiver.recv(65536)).get("uid") for _ in range(2)}  # the units, at once
        assert uids == {"ridgeline-unit-boat-1", "ridgeline-unit-patrol-2"}
        now = utc_now()
        feed.announce([Change(kind=ChangeKind.ALERT, id="x", data={"not": "an alert"}),
                       Change(kind=ChangeKind.TRACK, id="t1", data={"object_class": "person", "time": now.isoformat(),
                                                                     "position": {"lon": -71.3, "lat": 44.3}})])
        track = check_schema(receiver.recv(65536))
        assert (track.get("uid"), track.get("type"), track.find("detail/contact")) == ("ridgeline-track-t1", "a-u-G",
                                                                                      None)
    finally:
        bridge.stop()
        receiver.close()


def test_the_centre_starts_the_bridge_its_sector_names(tak_server: TakServer, tmp_path: Path,
                                                       example_sector_path: Path) -> None:
    """``start_centre`` writes the sector's units in and shares them with its TAK server."""
    from ridgeline.app.centre import CentreRequest, start_centre
    from ridgeline.config import load_sector
    from tests.broker import free_port

    sector = load_sector(example_sector_path)
    sector = sector.model_copy(update={"tak": TakConfig(url=f"tcp://127.0.0.1:{tak_server.port}")})
    running = start_centre(sector, CentreRequest(db=f"sqlite:///{tmp_path / 'c.db'}", users=tmp_path / "users",
                                                 embedded_port=free_port()))
    try:
        assert wait_for(lambda: len(tak_server.received) >= 3, 20)
    finally:
        running.stop()
    uids = sorted({check_schema(doc).get("uid") or "" for doc in tak_server.received})
    assert uids == ["ridgeline-unit-drone-1", "ridgeline-unit-patrol-1", "ridgeline-unit-truck-1"]
