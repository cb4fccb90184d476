"""Throughput and latency of the sync path against raw Mosquitto, in one run.

(1) Raw broker: a minimal paho publisher sends N messages of an envelope's size with QoS 1
    (1,000 in flight) to a minimal paho subscriber (QoS 1), through a Mosquitto started
    from ``deploy/mosquitto``: messages per second end to end.
(2) Ridgeline end to end, for SQLite (WAL, synchronous=FULL at both ends) and PostgreSQL:
    ``ridgeline edge --replay`` (as fast as it goes) -> durable outbox -> Mosquitto ->
    ``ridgeline serve`` -> committed row.  Sustained events/s is N over the span between the
    first and the last row's commit-batch stamp; latency, at a steady 1,000 events/s, is
    each row's batch stamp at the centre minus its event time (the file's events are 1 ms
    apart and ``--retime`` plays them as if happening now, so an event's time is when the
    edge read it; both clocks are this machine's).  Peak RSS of the edge and centre processes (VmHWM).

Run from the repository root: ``.venv/bin/python -m bench.ingest [--events 50000]
[--latency-seconds 20] [--no-postgresql]``.  Needs Debian's mosquitto; PostgreSQL at
``RIDGELINE_TEST_PG`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, func, select

from ridgeline.model import Event, EventType, Severity, utc_now
from ridgeline.store.schema import messages
from tests.broker import Mosquitto, free_port, vm_hwm_mb
from tests.postgres import PG_URL, drop_database, fresh_database, unreachable

REPO = Path(__file__).resolve().parents[1]
SECTOR = REPO / "examples" / "white-mountains" / "sector.yaml"
RIDGELINE = str(Path(sys.executable).parent / "ridgeline")


def event_line(i: int, rate: float = 0.0) -> str:
    """One replay line; with a rate, event i happens i / rate seconds after the first."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    when = t0 + timedelta(seconds=i / rate) if rate > 0 else utc_now()
    ev = Event(type=EventType.LINE_CROSSING, time=when, severity=Severity.MEDIUM, sensor="cam", detail={"i": i})
    return json.dumps({"type": "events", "payload": ev.model_dump(mode="json")})


def raw_broker(broker: Mosquitto, n: int, size: int) -> float:
    """Messages per second, publisher to subscriber, QoS 1."""
    got = 0
    done = threading.Event()

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        nonlocal got
        got += 1
        if got >= n:
            done.set()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub", protocol=mqtt.MQTTv5)
    sub.username_pw_set("centre", "pw-centre")
    sub.max_inflight_messages_set(1000)
    sub.on_message = on_message
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("ridgeline/v1/+/+", qos=1)
    sub.loop_start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub", protocol=mqtt.MQTTv5)
    pub.username_pw_set("shelburne", "pw-shelburne")
    pub.max_inflight_messages_set(1000)
    pub.max_queued_messages_set(0)
    pub.connect("127.0.0.1", broker.port)
    pub.loop_start()
    time.sleep(0.5)
    payload = b"x" * size
    t = time.perf_counter()
    for _ in range(n):
        pub.publish("ridgeline/v1/shelburne/events", payload, qos=1)
    done.wait(300)
    elapsed = time.perf_counter() - t
    for c in (pub, sub):
        c.disconnect()
        c.loop_stop()
    return n / elapsed


class Pipeline:
    """A centre process on one database, and edge processes sending to it."""

    def __init__(self, broker: Mosquitto, db_url: str, work: Path) -> None:
        self.broker = broker
        self.db_url = db_url
        self.work = work
        port = free_port()
        self.centre = subprocess.Popen(
            [RIDGELINE, "serve", str(SECTOR), "--db", db_url, "--broker", broker.url("centre"),
             "--http-port", str(port)],
            stdout=subprocess.DEVNULL, stderr=open(work / "centre.log", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read())
                if health["broker"]:
                    break
            except OSError:
                time.sleep(0.2)
        self.engine = create_engine(db_url)

    def count(self, site: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).where(messages.c.site == site)) or 0)

    def send(self, site: str, n: int, rate: float) -> tuple[float, float]:
        """Replay n events from ``site``; returns (wall seconds until all committed, edge peak MB)."""
        replay = self.work / f"{site}.jsonl"
        replay.write_text("\n".join(event_line(i, rate) for i in range(n)) + "\n")
        t = time.perf_counter()
        edge = subprocess.Popen(
            [RIDGELINE, "edge", str(SECTOR), "--site", site, "--broker", self.broker.url(site), "--replay",
             str(replay), "--rate", str(rate), "--retime", "--outbox", str(self.work / f"{site}.outbox.db")],
            stdout=subprocess.DEVNULL, stderr=open(self.work / f"edge-{site}.log", "ab"),  # noqa: SIM115
        )
        peak = 0.0
        deadline = time.monotonic() + 600
        while self.count(site) < n:
            if time.monotonic() > deadline:
                raise SystemExit(f"{site}: only {self.count(site)} of {n} rows after 10 minutes")
            if edge.poll() is not None:
                raise SystemExit(f"edge {site} died: {(self.work / f'edge-{site}.log').read_text()[-2000:]}")
            peak = max(peak, vm_hwm_mb(edge.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - t
        peak = max(peak, vm_hwm_mb(edge.pid))
        edge.terminate()
        edge.wait(30)
        return wall, peak

    def span_rate(self, site: str) -> float:
        with self.engine.connect() as conn:
            lo, hi, n = conn.execute(
                select(func.min(messages.c.received), func.max(messages.c.received), func.count())
                .where(messages.c.site == site)
            ).one()
        return n / max((hi - lo).total_seconds(), 1e-6)

    def latencies_ms(self, site: str) -> list[float]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(messages.c.time, messages.c.received).where(messages.c.site == site)).all()
        return sorted((r - t).total_seconds() * 1000 for t, r in rows)

    def close(self) -> float:
        peak = vm_hwm_mb(self.centre.pid)
        self.centre.terminate()
        self.centre.wait(30)
        self.engine.dispose()
        return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="events for the throughput runs")
    parser.add_argument("--latency-seconds", type=float, default=20.0, help="length of the 1,000/s run")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ridgeline-bench-ingest-"))
    broker = Mosquitto(work / "broker", ["centre", "shelburne", "gorham"])
    broker.start()
    try:
        size = len(event_line(0)) + 150  # the envelope around the payload
        raw = raw_broker(broker, args.events, size)
        print(f"raw Mosquitto, QoS 1, {size}-byte messages, paho publisher -> paho subscriber: {raw:,.0f} msg/s")
        dbs = [("SQLite", f"sqlite:///{work / 'centre.db'}", None)]
        if not args.no_postgresql:
            reason = unreachable()
            if reason:
                print(f"PostgreSQL skipped: {reason}")
            else:
                url, name = fresh_database(PG_URL)
                dbs.append(("PostgreSQL", url, name))
        for label, url, pg_name in dbs:
            run_dir = work / label.lower()
            run_dir.mkdir()
            pipeline = Pipeline(broker, url, run_dir)
            wall, edge_peak = pipeline.send("shelburne", args.events, 0)
            sustained = pipeline.span_rate("shelburne")
            n_lat = int(1000 * args.latency_seconds)
            _, edge_peak2 = pipeline.send("gorham", n_lat, 1000.0)
            lat = pipeline.latencies_ms("gorham")
            centre_peak = pipeline.close()
            p50, p99 = statistics.median(lat), lat[int(0.99 * (len(lat) - 1))]
            print(
                f"{label}: {args.events:,} events edge -> outbox -> broker -> centre -> committed row: "
                f"sustained {sustained:,.0f} events/s (bar 10,000 for SQLite), {sustained / raw:.2f}x raw broker; "
                f"wall with process start-up {args.events / wall:,.0f}/s\n"
                f"    at a steady 1,000 events/s for {args.latency_seconds:.0f} s: latency p50 {p50:.0f} ms, "
                f"p99 {p99:.0f} ms (bar 250 ms), max {lat[-1]:.0f} ms\n"
                f"    peak RSS: centre {centre_peak:.0f} MB, edge {max(edge_peak, edge_peak2):.0f} MB",
                flush=True,
            )
            if pg_name:
                drop_database(pg_name, PG_URL)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
