"""The centre says what it did on the broker: an escalation reaches a subscriber of
``ridgeline/v1/centre/escalations``, and the centre's own ingest passes it by."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from ridgeline.app.centre import ESCALATIONS, Centre
from ridgeline.config.rules import RuleConfig
from ridgeline.model import Envelope, Event, EventType, MessageType, new_id, utc_now
from ridgeline.store import alerts as repo
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.wire import encode
from tests.broker import Embedded, Mosquitto, probe
from tests.conftest import wait_for


@pytest.fixture(params=["mosquitto", "embedded"])
def any_broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mosquitto | Embedded]:
    kind = Mosquitto if request.param == "mosquitto" else Embedded
    broker = kind(tmp_path / "broker", ["centre", "centre-2", "gorham"])
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_an_escalation_is_published_for_subscribers(any_broker: Mosquitto | Embedded, tmp_path: Path) -> None:
    centre = Centre(f"sqlite:///{tmp_path / 'c.db'}", BrokerConfig.from_url(any_broker.url("centre")),
                    rules=[RuleConfig(id="r", events=["line_crossing"], escalate_after_s=0.5)])
    # a consumer (an API process) with a centre user of its own: the second worker's, unused here
    password = any_broker.password("centre" if isinstance(any_broker, Embedded) else "centre-2")
    listener, reason, _ = probe(any_broker, "centre-2", password, client_id="centre-2")
    assert not getattr(reason, "is_failure", True), reason
    heard: list[bytes] = []
    got = threading.Event()

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        heard.append(msg.payload)
        got.set()

    listener.on_message = on_message
    listener.subscribe(ESCALATIONS, qos=1)
    site, reason, _ = probe(any_broker, "gorham", client_id="gorham")
    assert not getattr(reason, "is_failure", True), reason
    heard_changes: list[str] = []
    centre.changes.listen(heard_changes.append)

    def changes() -> list[dict[str, object]]:
        return [c for text in list(heard_changes) for c in json.loads(text)["changes"]]

    centre.start()
    try:
        assert wait_for(lambda: all(w.counters.connected for w in centre.workers))
        now = utc_now()
        event = Event(type=EventType.LINE_CROSSING, time=now, sensor="cam", object_id="trk")
        env = Envelope(id=new_id(), site="gorham", seq=1, type=MessageType.EVENTS, time=now, sent=now,
                       payload=event.model_dump(mode="json"))
        site.publish("ridgeline/v1/gorham/events", encode(env), qos=1)
        assert got.wait(20), "no escalation heard"
        said = Event.model_validate(json.loads(heard[0]))
        with centre.store.engine.connect() as conn:
            [(alert, escalated)] = repo.list_alerts(conn)
        assert said.type == EventType.ESCALATION and said.detail["alert"] == alert.id and escalated
        assert said.severity == alert.severity  # one step above the event's medium: high
        assert centre.published == 1 and centre.alerts.escalated == 1
        # the live feed told the consoles: the alert opened, then the same alert escalated
        assert wait_for(lambda: any(c["kind"] == "alert" and c["data"]["escalated"] for c in changes()))
        # the centre's own worker received it too (its subscription matches it) and passed it by: a site's
        # message published after it, and so queued behind it for the worker, is stored with nothing refused
        later = env.model_copy(update={"id": new_id(), "seq": 2})
        site.publish("ridgeline/v1/gorham/events", encode(later), qos=1)
        assert wait_for(lambda: sum(w.counters.inserted for w in centre.workers) == 2)
        assert sum(sum(w.counters.dead.values()) for w in centre.workers) == 0
    finally:
        centre.stop()
        for client in (listener, site):
            client.loop_stop()
            client.disconnect()


def test_the_sector_sets_how_long_the_centre_keeps_evidence(tmp_path: Path, example_sector_path: Path) -> None:
    import time
    from datetime import timedelta

    from ridgeline.app.centre import CentreRequest, start_centre
    from ridgeline.config import load_sector
    from ridgeline.model import utc_now
    from ridgeline.store import audit
    from ridgeline.store.db import Store
    from tests.broker import free_port
    from tests.store.test_retention import detection

    sector = load_sector(example_sector_path)
    sector = sector.model_copy(update={"retention": sector.retention.model_copy(
        update={"snapshots_days": 7, "dead_letters_days": 90, "events_days": 20})})
    db = f"sqlite:///{tmp_path / 'c.db'}"
    before = Store(db)
    before.ingest([detection(1, site="gorham")], received=utc_now() - timedelta(days=21))
    before.ingest([detection(2, site="gorham")], received=utc_now() - timedelta(days=19))
    before.close()
    running = start_centre(sector, CentreRequest(db=db, users=tmp_path / "users",
                                                 embedded_port=free_port(),
                                                 audit_heads=tmp_path / "heads.txt"))
    try:
        store = running.centre.store
        assert store.snapshot_retention == timedelta(days=7)
        assert store.limits.retention == timedelta(days=90)
        assert running.centre.retention == sector.retention
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and store.message_at("gorham", 1) is not None:
            time.sleep(0.1)  # the watchdog purges once it starts, then hourly
        assert store.message_at("gorham", 1) is None and store.message_at("gorham", 2) is not None
        with store.engine.connect() as conn:
            entries = list(audit.entries(conn))
            # the sector's units written in when the centre started, then the purge
            assert [e.target for e in entries if e.action == "unit.defined"] == ["patrol-1", "truck-1", "drone-1"]
            assert [e.detail["messages"] for e in entries if e.action != "unit.defined"] == [{"detections": 1}]
            head = audit.head(conn)
        assert {"centre", "gorham", "shelburne"} <= set(running.users_created)  # the sites and the centre log in
    finally:
        running.stop()
    # the head was written out (at intervals, and on stopping): the last line is the head, as
    # `audit verify --heads` reads it
    from ridgeline.app.audit import verify_audit

    last = (tmp_path / "heads.txt").read_text().splitlines()[-1].split()
    assert (int(last[0]), last[1]) == head
    assert verify_audit(db, tmp_path / "heads.txt").intact
