"""The embedded broker: no server installed, and our clients fall back to MQTT 3.1.1 by themselves."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ridgeline.errors import RidgelineError
from ridgeline.model import Event, EventType, MessageType, utc_now
from ridgeline.store.db import Store
from ridgeline.transport.access import BrokerUsers
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.embedded import EmbeddedBroker
from ridgeline.transport.ingest import Ingest
from ridgeline.transport.outbox import Outbox
from ridgeline.transport.publisher import Publisher

from ..broker import free_port


def users(tmp_path: Path) -> BrokerUsers:
    folder = BrokerUsers(tmp_path / "users")
    folder.ensure(["s1"])
    return folder


def test_edge_to_centre_through_the_embedded_broker(tmp_path: Path) -> None:
    folder = users(tmp_path)
    broker = EmbeddedBroker(folder, port=free_port())
    broker.start()
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    # the centre and the site both start on MQTT 5 and find out for themselves
    url = BrokerConfig.from_url(broker.url)
    ingest = Ingest(store, url.with_credentials("centre", folder.password("centre")))
    outbox = Outbox(tmp_path / "o.db", "s1")
    publisher = Publisher(outbox, "s1", url.with_credentials("s1", folder.password("s1")), resend_after=3.0)
    try:
        ingest.start()
        publisher.start()
        outbox.put_many([(MessageType.EVENTS, Event(type=EventType.LINE_CROSSING, time=utc_now()), None, None)] * 50)
        publisher.notify()
        assert publisher.wait_drained(40), f"backlog {outbox.backlog()}: {publisher.last_error} {ingest.last_error}"
        assert ingest.broker.protocol == 4 and publisher.broker.protocol == 4
        (report,) = store.check()
        assert (report.received, report.missing, report.duplicates) == (50, 0, 0)
    finally:
        publisher.stop()
        ingest.stop()
        outbox.close()
        store.close()
        broker.stop()


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    folder = users(tmp_path)
    first = EmbeddedBroker(folder, port=free_port())
    first.start()
    try:
        with pytest.raises(RidgelineError, match=f"port {first.port} is taken"):
            EmbeddedBroker(folder, port=first.port).start()
    finally:
        first.stop()
    time.sleep(0.2)
