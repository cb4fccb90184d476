"""The broker's ACL from deploy/mosquitto: a site speaks only under its own topics."""

from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt

from ..broker import Mosquitto, probe


def test_anonymous_and_wrong_passwords_are_refused(broker: Mosquitto) -> None:
    for user, password in ((None, None), ("shelburne", "wrong"), ("nobody", "pw-nobody")):
        client, reason, _ = probe(broker, user, password)
        assert reason.is_failure, (user, reason)  # type: ignore[attr-defined]
        client.loop_stop()


def test_a_site_cannot_publish_under_another_sites_topic(broker: Mosquitto) -> None:
    received: list[str] = []
    centre, reason, _ = probe(broker, "centre")
    assert not reason.is_failure  # type: ignore[attr-defined]
    centre.on_message = lambda _c, _u, msg: received.append(msg.topic)
    centre.subscribe("ridgeline/v1/#", qos=1)
    time.sleep(0.3)
    site, _, _ = probe(broker, "shelburne")
    acks: dict[int, object] = {}
    site.on_publish = lambda _c, _u, mid, reason, _p: acks.__setitem__(mid, reason)
    own = site.publish("ridgeline/v1/shelburne/events", b"{}", qos=1)
    other = site.publish("ridgeline/v1/gorham/events", b"{}", qos=1)
    cmd = site.publish("ridgeline/v1/gorham/cmd/ack", b"{}", qos=1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(acks) < 3:
        time.sleep(0.05)
    time.sleep(0.5)
    assert "ridgeline/v1/shelburne/events" in received
    assert "ridgeline/v1/gorham/events" not in received
    assert "ridgeline/v1/gorham/cmd/ack" not in received
    assert not acks[own.mid].is_failure  # type: ignore[attr-defined]
    assert acks[other.mid].is_failure and acks[cmd.mid].is_failure  # type: ignore[attr-defined]
    for c in (site, centre):
        c.disconnect()
        c.loop_stop()


def test_a_site_cannot_read_other_sites(broker: Mosquitto) -> None:
    site, _, _ = probe(broker, "gorham")
    granted: list[object] = []
    done = threading.Event()

    def on_subscribe(_c: mqtt.Client, _u: object, _mid: int, codes: list[object], _p: object) -> None:
        granted.extend(codes)
        done.set()

    site.on_subscribe = on_subscribe
    received: list[str] = []
    site.on_message = lambda _c, _u, msg: received.append(msg.topic)
    site.subscribe("ridgeline/v1/shelburne/#", qos=1)
    assert done.wait(5)
    other, _, _ = probe(broker, "shelburne")
    other.publish("ridgeline/v1/shelburne/events", b"{}", qos=1).wait_for_publish(5)
    time.sleep(0.5)
    assert received == []  # mosquitto grants the subscription but delivers nothing it may not read
    for c in (site, other):
        c.disconnect()
        c.loop_stop()
