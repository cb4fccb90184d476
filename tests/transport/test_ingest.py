"""Bad input on the wire reaches the centre through a real broker: each message is
dead-lettered with its reason, counted in the metrics, and ingest carries on."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ridgeline.api.server import serve_centre
from ridgeline.app.centre import Centre
from ridgeline.model import Envelope, Event, EventType, MessageType, new_id, utc_now
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.wire import WireLimits, encode
from tests.api.scraping import metrics as scrape
from tests.api.scraping import scraper_token

from ..broker import Mosquitto, free_port
from ..conftest import wait_for


def envelope(seq: int, site: str = "shelburne", id_: str | None = None, **kw: object) -> Envelope:
    now = utc_now()
    base: dict[str, object] = {
        "id": id_ or new_id(), "site": site, "seq": seq, "type": MessageType.EVENTS, "time": now, "sent": now,
        "payload": Event(type=EventType.LINE_CROSSING, time=now).model_dump(mode="json"),
    }
    base.update(kw)
    return Envelope.model_validate(base)



def test_bad_messages_are_dead_lettered_and_ingest_carries_on(broker: Mosquitto, tmp_path: Path) -> None:
    port = free_port()
    centre = Centre(
        f"sqlite:///{tmp_path / 'c.db'}", BrokerConfig.from_url(broker.url("centre")),
        limits=WireLimits(max_payload_bytes=20_000, max_future=timedelta(minutes=5)),
    )
    centre.start()
    api = serve_centre(centre, port)
    site = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bad-site", protocol=mqtt.MQTTv5)
    site.username_pw_set("shelburne", "pw-shelburne")
    site.connect("127.0.0.1", broker.port)
    site.loop_start()
    try:
        assert wait_for(lambda: all(w.counters.connected for w in centre.workers))
        time.sleep(0.3)
        topic = "ridgeline/v1/shelburne/events"
        first = envelope(1)
        now = utc_now()
        blob = Event(type=EventType.LINE_CROSSING, time=now, detail={"blob": "x" * 30_000})
        big = envelope(2, payload=blob.model_dump(mode="json"))
        sends = [
            (topic, encode(first)),  # good
            (topic, b"{this is not json"),  # malformed JSON
            (topic, json.dumps({"id": new_id(), "site": "shelburne"}).encode()),  # wrong schema
            (topic, encode(big)),  # over the configured maximum
            (topic, encode(envelope(3, site="gorham"))),  # speaking for another site on its own topic
            (topic, encode(first)),  # the same message again (harmless redelivery)
            (topic, encode(envelope(1))),  # an old seq replayed under a new id
            (topic, encode(envelope(4, time=utc_now() + timedelta(hours=3)))),  # clock far ahead: kept, flagged
            (topic, encode(envelope(5))),  # good: ingest carried on
            # a detection the site's full outbox thinned
            ("ridgeline/v1/shelburne/thinned",
             encode(envelope(6, type=MessageType.THINNED, payload={"type": "detections"}))),
        ]
        for t, raw in sends:
            site.publish(t, raw, qos=1).wait_for_publish(5)
        store = centre.store
        assert wait_for(lambda: sum(store.dead_letter_counts().values()) >= 5
                        and [r.received for r in store.check()[:1]] == [4])
        time.sleep(0.5)
        assert store.dead_letter_counts() == {
            "malformed_json": 1, "schema": 1, "too_large": 1, "site_mismatch": 1, "seq_conflict": 1,
        }
        (report,) = store.check()
        # seqs 1, 4 (its clock ahead: stored and flagged), 5 and 6 (thinned); seq 2 (too large) and the replayed
        # seq 1 are quarantined, the replay a conflict; seq 3 never came from shelburne
        assert (report.received, report.redelivered, report.clock_ahead, report.thinned) == (4, 1, 1, 1)
        assert (report.quarantined, report.conflicts, report.missing, report.missing_ranges) == (2, 1, 1, [(3, 3)])
        metrics = scrape(port, scraper_token(centre.store))
        for reason in ("malformed_json", "schema", "too_large", "site_mismatch", "seq_conflict"):
            assert f'ridgeline_dead_letters_total{{reason="{reason}"}} 1.0' in metrics
        assert 'ridgeline_ingest_messages_total{result="inserted"} 4.0' in metrics
        assert 'ridgeline_site_thinned_total{site="shelburne"} 1.0' in metrics
        assert 'ridgeline_site_clock_ahead_total{site="shelburne"} 1.0' in metrics
        assert 'ridgeline_ingest_stalled{worker="w1"} 0.0' in metrics
        health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read())
        assert health["database"] and health["broker"]
    finally:
        site.disconnect()
        site.loop_stop()
        api.stop()
        centre.stop()


def test_the_hand_over_queue_is_bounded_in_bytes(broker: Mosquitto, tmp_path: Path) -> None:
    """A worker that cannot keep up makes the network thread wait: the queue holds at most its byte
    bound (or one message), and the broker keeps the rest; nothing is lost."""
    from ridgeline.store.db import Store
    from ridgeline.transport.ingest import Ingest

    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    worker = Ingest(store, BrokerConfig.from_url(broker.url("centre")), queue_max_bytes=20_000, batch_size=5)
    slow = worker._commit
    peak = 0

    def commit_slowly(parts, now):  # type: ignore[no-untyped-def]
        nonlocal peak
        peak = max(peak, worker.queued_bytes())
        time.sleep(0.05)
        return slow(parts, now)

    worker._commit = commit_slowly  # type: ignore[method-assign]
    site = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="flood", protocol=mqtt.MQTTv5)
    site.username_pw_set("shelburne", "pw-shelburne")
    site.connect("127.0.0.1", broker.port)
    site.loop_start()
    worker.start()
    try:
        assert wait_for(lambda: worker.counters.connected)
        for seq in range(1, 201):
            site.publish("ridgeline/v1/shelburne/events", encode(envelope(seq)), qos=1)
        assert wait_for(lambda: worker.counters.inserted == 200, timeout=60)
        print(f"\npeak hand-over queue {peak} bytes (bound 20,000) for 200 envelopes of "
              f"{len(encode(envelope(1)))} bytes")
        assert 0 < peak <= 20_000
    finally:
        site.disconnect()
        site.loop_stop()
        worker.stop()
        store.close()
