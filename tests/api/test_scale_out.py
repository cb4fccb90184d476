"""Scale-out: two ``ridgeline serve`` processes on one PostgreSQL database and one Mosquitto.

The broker splits a site's events between the two processes (one shared subscription);
each process announces what it committed on ``ridgeline/v1/centre/changes``, and every
process hears every batch (its own back too, dropped by id).  So a WebSocket client of
either process sees every event exactly once, and the alerts the rules made of them,
whichever process ingested them — and the database holds each event once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from ridgeline.app.operators import add_operator
from ridgeline.app.sessions import issue_bearer_token
from ridgeline.model import Envelope, Event, EventType, MessageType, Role, new_id, utc_now
from ridgeline.store.db import Store
from ridgeline.store.schema import alert_events, alerts, messages
from ridgeline.transport.embedded import free_port
from ridgeline.transport.wire import encode

from ..broker import Mosquitto
from ..conftest import wait_for
from ..postgres import drop_database, fresh_database

ROOT = Path(__file__).resolve().parents[2]
SECTOR = ROOT / "examples" / "white-mountains" / "sector.yaml"
SITE = "shelburne"
#: events sent, and the walkers they are about: the sector's ``crossing`` rule makes one alert per walker
EVENTS = 40
WALKERS = 10


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database (tests/postgres.py), dropped afterwards."""
    url, name = fresh_database()
    try:
        yield url
    finally:
        drop_database(name)


class Serve:
    """One ``ridgeline serve`` process, its stderr kept in a file for failure messages."""

    def __init__(self, work: Path, db: str, broker: Mosquitto, user: str, prefix: str) -> None:
        self.port = free_port()
        self.name = user
        self.log = work / f"serve-{user}.log"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        with self.log.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ridgeline", "serve", str(SECTOR), "--db", db,
                 "--broker", f"mqtt://127.0.0.1:{broker.port}", "--username", user,
                 "--password", broker.password(user), "--http-port", str(self.port), "--plain-http",
                 "--worker-prefix", prefix, "--case-key", str(work / "centre.key")],
                cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=stderr)

    def get(self, path: str, token: str | None = None) -> bytes:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as answer:
            body: bytes = answer.read()
            return body

    def ready(self) -> bool:
        """Healthy: the database reachable and the worker connected to the broker."""
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} ended ({self.proc.returncode}): {self.stderr()}")
        try:
            return bool(json.loads(self.get("/health"))["healthy"])
        except (OSError, ValueError):  # not listening yet, or 503 while the worker connects
            return False

    def inserted(self, token: str) -> float:
        """Messages this process's ingest stored (its /metrics, read as Prometheus would: with a token)."""
        for line in self.get("/metrics", token).decode().splitlines():
            if line.startswith('ridgeline_ingest_messages_total{result="inserted"}'):
                return float(line.split()[-1])
        raise AssertionError(f"{self.name}: no inserted count in /metrics")

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Watcher:
    """A WebSocket client of /api/v1/live keeping every message it is sent, in a thread."""

    def __init__(self, port: int, token: str) -> None:
        self.ws: ClientConnection = connect(f"ws://127.0.0.1:{port}/api/v1/live",
                                            additional_headers={"Authorization": f"Bearer {token}"},
                                            open_timeout=10)
        self.hello = json.loads(self.ws.recv(timeout=10))
        self.batches: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for text in self.ws:
                self.batches.append(json.loads(text))
        except ConnectionClosed:
            pass

    def changes(self, kind: str) -> list[dict[str, Any]]:
        return [c for b in list(self.batches) for c in b.get("changes", ()) if c["kind"] == kind]

    def close(self) -> None:
        self.ws.close()
        self._thread.join(timeout=5)


def site_client(broker: Mosquitto) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=SITE, protocol=mqtt.MQTTv5)
    client.username_pw_set(SITE, broker.password(SITE))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def test_two_centre_processes_each_tell_their_clients_every_change(tmp_path: Path, pg_url: str) -> None:
    broker = Mosquitto(tmp_path / "broker", ["centre", "centre-2", SITE])
    broker.start()
    store = Store(pg_url)  # migrated here, once, before the two processes start
    add_operator(store, "watch", Role.VIEWER, "a long enough passphrase", by="setup")
    token = issue_bearer_token(store, "watch", "scale-out test", "setup")
    procs = [Serve(tmp_path, pg_url, broker, "centre", "a"), Serve(tmp_path, pg_url, broker, "centre-2", "b")]
    watchers: list[Watcher] = []
    site: mqtt.Client | None = None
    try:
        for p in procs:
            assert wait_for(p.ready, timeout=60), f"{p.name} not healthy: {p.stderr()}"
        watchers = [Watcher(p.port, token) for p in procs]
        assert [w.hello["operator"] for w in watchers] == ["watch", "watch"]
        time.sleep(0.5)  # both workers' subscriptions in place at the broker
        site = site_client(broker)
        sent: list[str] = []
        for seq in range(1, EVENTS + 1):
            now = utc_now()
            event = Event(type=EventType.LINE_CROSSING, time=now, sensor="cam-w",
                          object_id=f"walker-{seq % WALKERS}", detail={"seq": seq})
            env = Envelope(id=new_id(), site=SITE, seq=seq, type=MessageType.EVENTS, time=now, sent=now,
                           payload=event.model_dump(mode="json"))
            site.publish(f"ridgeline/v1/{SITE}/events", encode(env), qos=1).wait_for_publish(5)
            sent.append(event.id)
            time.sleep(0.01)  # a stream, not one burst: several commits in each process

        def complete() -> bool:
            return all(len({c["id"] for c in w.changes("event")}) >= EVENTS for w in watchers)

        assert wait_for(complete, timeout=60), (
            f"events heard: {[len(w.changes('event')) for w in watchers]} of {EVENTS}; "
            f"stderr: {[p.stderr() for p in procs]}")
        with store.engine.connect() as conn:
            db_alerts = {r.id: r.event_count for r in conn.execute(select(alerts.c.id, alerts.c.event_count))}

        def alerts_complete() -> bool:
            return all({a: max((c["data"]["event_count"] for c in w.changes("alert") if c["id"] == a), default=0)
                        for a in db_alerts} == db_alerts for w in watchers)

        assert wait_for(alerts_complete, timeout=30)
        time.sleep(1.0)  # a copy arriving late would show now

        # the work was really split: each process ingested some of the events
        split = [p.inserted(token) for p in procs]
        print(f"\nevents ingested per process: {split}")
        assert all(n > 0 for n in split) and sum(split) == EVENTS, f"inserted per process: {split}"
        # the database holds each event once, and one alert per walker gathering its four events
        with store.engine.connect() as conn:
            stored = [json.loads(p)["id"] if isinstance(p, str) else p["id"]
                      for p in conn.scalars(select(messages.c.payload).where(messages.c.type == "events"))]
            linked = Counter(conn.scalars(select(alert_events.c.alert_id)))
        assert sorted(stored) == sorted(sent)
        assert len(db_alerts) == WALKERS and set(db_alerts.values()) == {EVENTS // WALKERS}
        assert linked == Counter(db_alerts)
        origins = set()
        for w in watchers:
            # every event exactly once (the dedupe: each process hears its own batches back from the broker)
            assert sorted(c["id"] for c in w.changes("event")) == sorted(sent)
            ids = [b["id"] for b in w.batches]
            assert len(ids) == len(set(ids)), "a batch delivered twice"
            # every alert the rules opened, up to its last event, whichever process correlated it
            assert {c["id"] for c in w.changes("alert")} == set(db_alerts)
            origins |= {b["origin"] for b in w.batches}
        # both clients got the same batches, from both processes
        assert {b["id"] for b in watchers[0].batches} == {b["id"] for b in watchers[1].batches}
        assert len({o.rsplit(":", 1)[-1] for o in origins}) == 2, origins
    finally:
        for w in watchers:
            w.close()
        if site is not None:
            site.disconnect()
            site.loop_stop()
        for p in procs:
            p.stop()
        store.close()
        broker.stop()
