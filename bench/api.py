"""The live feed under load: edges -> Mosquitto -> ``ridgeline serve`` -> 50 WebSocket clients.

Edges (one paho client per site, MQTT 5, QoS 1, ``--per-message`` envelopes to a message: 1
by default, the most MQTT messages for the events) send line-crossing events at a paced
total rate (default 1,000/s); each event carries the moment the edge read it
(``detail.read_ns``, this machine's clock).  A ``ridgeline serve`` process (SQLite by
default, ``--db`` for PostgreSQL) ingests them, the rules turn them into alert updates, and
its live feed (``/api/v1/live``) pushes each commit's changes to every WebSocket client.
The clients (asyncio ``websockets``, in a process of their own; the batch texts are the same
for all, so each distinct one is parsed once, lest the harness be what is measured) stamp
each batch as it arrives and record, per (event, client), arrival minus read time; each batch's ``time`` (the
centre's commit) splits that into read -> commit (broker hop, batch wait, commit with the
rules) and commit -> client (announce, fan-out, WebSocket).

One more client connects with a tiny receive buffer and reads nothing: the centre must tell
it ``{"type": "dropped"}`` and close it with 1013 once it is ``--live-queue`` batches behind,
and the centre's memory (sampled each second, and VmHWM) must stay bounded meanwhile.

There is no reference tool for this path: the reference is the target of issue 15's
acceptance 4, p99 from the edge reading an event to every client receiving it <= 500 ms,
with no event lost by a client that keeps up.

Run from the repository root: ``.venv/bin/python -m bench.api [--rate 1000] [--seconds 20]
[--clients 50] [--sites 4] [--db postgresql+psycopg://...]``.  Needs Debian's mosquitto.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from rich.console import Console
from rich.table import Table

from ridgeline.model import Envelope, Event, Role, new_id
from ridgeline.transport.embedded import free_port
from ridgeline.transport.wire import encode_batch
from tests.broker import Mosquitto, vm_hwm_mb

REPO = Path(__file__).resolve().parents[1]
SECTOR = REPO / "examples" / "white-mountains" / "sector.yaml"
TARGET_P99_MS = 500.0
PASSWORD = "a long enough passphrase"
#: seconds the clients may take, once the edges are done, to receive every event
DRAIN_S = 30.0


def vm_rss_mb(pid: int) -> float:
    """Resident memory of a process now, MB (VmRSS); NaN once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far; NaN once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


# -- the WebSocket clients (a process of their own) ------------------------------------------------


#: batch id -> (the centre's commit time, each event's read time), ns: the clients all get the same text, so
#: each distinct batch is parsed once and the harness is not what it measures
Batches = dict[str, tuple[int, np.ndarray]]


def _parse(text: str, batches: Batches) -> str:
    """The batch's id (the text starts with it), parsing the batch the first time it is seen."""
    bid = text[7:text.find('"', 7)] if text.startswith('{"id":"') else ""
    if bid not in batches or not bid:
        batch = json.loads(text)
        bid = batch.get("id") or f"?{len(batches)}"
        committed = int(datetime.fromisoformat(batch["time"]).timestamp() * 1e9) if "time" in batch else 0
        reads = [c["data"]["detail"].get("read_ns", 0) for c in batch.get("changes", ()) if c["kind"] == "event"]
        batches[bid] = (committed, np.asarray(reads, dtype=np.int64))
    return bid


async def _client(url: str, token: str, batches: Batches, arrivals: list[tuple[str, int]], seen: list[int],
                  ready: asyncio.Event, stop: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None,
                       open_timeout=30, ping_interval=None) as ws:
        json.loads(await ws.recv())  # hello
        ready.set()
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            now = time.time_ns()
            bid = _parse(str(text), batches)
            arrivals.append((bid, now))
            seen[0] += batches[bid][1].size


async def _slow(url: str, token: str, stop: asyncio.Event, out: dict[str, Any]) -> None:
    """A client that reads nothing until the end (a 4 KiB receive buffer, one message queued)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.split(":")[2].split("/")[0])))
    sock.setblocking(False)
    async with connect(url, sock=sock, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None,
                       max_queue=1, ping_interval=None, open_timeout=30) as ws:
        await ws.recv()  # hello
        await stop.wait()
        out.update(batches=0, dropped_notice=False, close_code=None)
        try:
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if msg.get("type") == "dropped":
                    out["dropped_notice"] = True
                else:
                    out["batches"] += 1
        except ConnectionClosed as exc:
            out["close_code"] = exc.rcvd.code if exc.rcvd is not None else None
        except TimeoutError:
            out["close_code"] = "still open"


def clients_main(url: str, token: str, n: int, ready: MpEvent, stop: MpEvent, expected: Any,
                 results: Connection) -> None:
    """Run ``n`` clients and the slow one until ``stop``; send back the latencies and counts."""

    async def run() -> dict[str, Any]:
        batches: Batches = {}
        arrivals: list[list[tuple[str, int]]] = [[] for _ in range(n)]
        seen = [[0] for _ in range(n)]
        readies = [asyncio.Event() for _ in range(n)]
        halt = asyncio.Event()
        slow: dict[str, Any] = {}
        tasks = [asyncio.create_task(_client(url, token, batches, arrivals[i], seen[i], readies[i], halt))
                 for i in range(n)]
        slow_task = asyncio.create_task(_slow(url, token, halt, slow))
        for r in readies:
            await r.wait()
        await asyncio.sleep(0.5)  # the slow client's hello
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        # the edges are done: let the clients catch up (or give up after DRAIN_S)
        end = time.monotonic() + DRAIN_S
        while min(k[0] for k in seen) < expected.value and time.monotonic() < end:
            await asyncio.sleep(0.1)
        halt.set()
        await asyncio.gather(*tasks, slow_task, return_exceptions=True)
        lat, commit, received, twice = [], [], [], []
        for mine in arrivals:
            distinct = {bid for bid, _t in mine}
            received.append(sum(batches[bid][1].size for bid in distinct))
            twice.append(len(mine) - len(distinct))
            for bid, t in mine:
                committed, reads = batches[bid]
                if reads.size:
                    lat.append(t - reads)
                    commit.append(committed - reads)
        return {
            "latency_ns": np.concatenate(lat) if lat else np.zeros(0, np.int64),
            "commit_ns": np.concatenate(commit) if commit else np.zeros(0, np.int64),
            "received": received,
            "twice": twice,
            "slow": slow,
            "batches": len(batches),
            "errors": [repr(t.exception()) for t in tasks if t.done() and t.exception() is not None],
        }

    results.send(asyncio.run(run()))


# -- the edges ---------------------------------------------------------------------------------------


def edge_clients(broker: Mosquitto, sites: list[str]) -> list[mqtt.Client]:
    out = []
    for site in sites:
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=site, protocol=mqtt.MQTTv5)
        c.username_pw_set(site, broker.password(site))
        c.max_inflight_messages_set(1000)
        c.max_queued_messages_set(0)
        c.connect("127.0.0.1", broker.port)
        c.loop_start()
        out.append(c)
    return out


def wire(site: str, seq: int, read_ns: int) -> bytes:
    """An events envelope as the edge sends it, written out directly: the edges share this machine's
    cores with the centre, so they spend as little as they can (``main`` checks one against the models)."""
    at = datetime.fromtimestamp(read_ns / 1e9, UTC).isoformat()
    return (f'{{"id":"{new_id()}","site":"{site}","seq":{seq},"type":"events","time":"{at}","sent":"{at}",'
            f'"payload":{{"id":"{new_id()}","type":"line_crossing","time":"{at}","severity":"medium",'
            f'"sensor":"cam","detail":{{"read_ns":{read_ns}}}}}}}').encode()


def send_events(edges: list[mqtt.Client], sites: list[str], rate: float, seconds: float,
                per_message: int = 1) -> tuple[int, float]:
    """Events at ``rate`` per second in all, round the sites, ``per_message`` envelopes to an MQTT
    message (as an edge's publisher groups what its outbox holds); (sent, seconds it took)."""
    total = int(rate * seconds)
    seqs = [0] * len(sites)
    held: list[list[bytes]] = [[] for _ in sites]
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        k = i % len(sites)
        seqs[k] += 1
        held[k].append(wire(sites[k], seqs[k], time.time_ns()))
        if len(held[k]) >= per_message or i >= total - len(sites):
            wires, held[k] = held[k], []
            edges[k].publish(f"ridgeline/v1/{sites[k]}/events", wires[0] if len(wires) == 1 else encode_batch(wires),
                             qos=1)
    return total, time.perf_counter() - start


# -- the run ----------------------------------------------------------------------------------------


def inserted(port: int, token: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith('ridgeline_ingest_messages_total{result="inserted"}'):
                return int(float(line.split()[-1]))
    return -1


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second from all edges together")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the edges send")
    parser.add_argument("--clients", type=int, default=50, help="WebSocket clients that keep up")
    parser.add_argument("--sites", type=int, default=4, help="edge sites sending")
    parser.add_argument("--per-message", type=int, default=1,
                        help="envelopes in one MQTT message (an edge's publisher groups up to 200)")
    parser.add_argument("--db", default=None, help="centre database URL (default: SQLite in a temporary folder); "
                        "'postgresql': a new database at RIDGELINE_TEST_PG, or on a server of its own "
                        "(tests/postgres.py)")
    parser.add_argument("--live-queue", type=int, default=100,
                        help="the centre's --live-queue: batches a client may fall behind before it is dropped")
    args = parser.parse_args()
    env = Envelope.model_validate_json(wire("site-1", 1, time.time_ns()))
    Event.model_validate(env.payload)  # what the edges send is what the models say
    console = Console(width=110)
    work = Path(tempfile.mkdtemp(prefix="ridgeline-bench-api-"))
    sites = [f"site-{i + 1}" for i in range(args.sites)]
    db, pg_name = args.db or f"sqlite:///{work / 'centre.db'}", None
    if db == "postgresql":
        from tests.postgres import fresh_database

        db, pg_name = fresh_database()
    broker = Mosquitto(work / "broker", ["centre", *sites])
    broker.start()
    from ridgeline.app.operators import add_operator
    from ridgeline.app.sessions import issue_bearer_token
    from ridgeline.store.db import Store

    store = Store(db)
    add_operator(store, "bench", Role.VIEWER, PASSWORD, by="bench")
    token = issue_bearer_token(store, "bench", "bench.api", "bench")
    store.close()
    port = free_port()
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    log = work / "centre.log"
    centre = subprocess.Popen(
        [sys.executable, "-m", "ridgeline", "serve", str(SECTOR), "--db", db, "--broker",
         f"mqtt://127.0.0.1:{broker.port}", "--username", "centre", "--password", broker.password("centre"),
         "--http-port", str(port), "--plain-http", "--live-queue", str(args.live_queue),
         "--case-key", str(work / "centre.key")],
        cwd=work, env=environ, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    spawn = mp.get_context("spawn")
    ready, stop = spawn.Event(), spawn.Event()
    expected = spawn.Value("q", 0)
    receive, send = spawn.Pipe(duplex=False)
    clients: Any = None
    edges: list[mqtt.Client] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                    if json.loads(answer.read())["healthy"]:
                        break
            except (OSError, ValueError):
                pass
            if centre.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the centre did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        clients = spawn.Process(target=clients_main, args=(f"ws://127.0.0.1:{port}/api/v1/live", token,
                                                            args.clients, ready, stop, expected, send),
                                daemon=True)
        clients.start()
        if not ready.wait(60):
            raise SystemExit("the WebSocket clients did not connect")
        edges = edge_clients(broker, sites)
        time.sleep(0.5)
        rss: list[float] = []
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(1.0):
                rss.append(vm_rss_mb(centre.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        console.print(f"sending {args.rate:,.0f} events/s for {args.seconds:.0f} s from {args.sites} sites "
                  f"({args.per_message} to an MQTT message) to {args.clients} clients (+1 that reads nothing) ...")
        pids = {"centre": centre.pid, "clients": clients.pid, "edges (this process)": os.getpid(),
                "mosquitto": broker.pid()}
        cpu0 = {k: cpu_s(v) for k, v in pids.items()}
        sent, took = send_events(edges, sites, args.rate, args.seconds, args.per_message)
        deadline = time.monotonic() + 30
        while inserted(port, token) < sent and time.monotonic() < deadline:
            time.sleep(0.2)
        stored = inserted(port, token)
        expected.value = sent
        stop.set()
        result = receive.recv() if receive.poll(DRAIN_S + 30) else None
        sampling.set()
        cpu = {k: cpu_s(v) - cpu0[k] for k, v in pids.items()}
        if result is None:
            raise SystemExit("the clients sent no result")
        peak = vm_hwm_mb(centre.pid)
        report(console, args, sent, took, stored, result, rss, peak)
        console.print("CPU seconds from the first event until every client had them all: "
                      + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()) + f" (machine: {os.cpu_count()} cores)")
    finally:
        stop.set()
        for c in edges:
            c.disconnect()
            c.loop_stop()
        if clients is not None:
            clients.join(10)
        centre.terminate()
        try:
            centre.wait(30)
        except subprocess.TimeoutExpired:
            centre.kill()
        broker.stop()
        if pg_name is not None:
            from tests.postgres import drop_database

            drop_database(pg_name)


def report(console: Console, args: argparse.Namespace, sent: int, took: float, stored: int, result: dict[str, Any],
           rss: list[float], peak: float) -> None:
    lat = result["latency_ns"] / 1e6
    commit = result["commit_ns"] / 1e6
    fanout = lat - commit
    received = result["received"]
    kind = (args.db or "sqlite").split(":")[0].split("+")[0]
    table = Table(title=f"Live feed on {kind}: {args.clients} WebSocket clients, {args.sites} sites, {sent:,} "
                        f"events in {took:.1f} s ({sent / took:,.0f}/s), {args.per_message} to an MQTT message")
    for col in ("ms, per (event, client)", "p50", "p95", "p99", "max"):
        table.add_column(col, justify="left" if col.startswith("ms") else "right")
    for label, values in (("edge read -> client received", lat), ("  edge read -> centre commit", commit),
                          ("  centre commit -> client received", fanout)):
        if values.size:
            p = np.percentile(values, [50, 95, 99])
            table.add_row(label, *(f"{v:.0f}" for v in p), f"{values.max():.0f}")
    console.print(table)
    lost = [sent - r for r in received]
    errors = "; client errors: " + "; ".join(result["errors"][:3]) if result["errors"] else ""
    console.print(f"events stored by the centre: {stored:,} of {sent:,}; events received per client: "
                  f"min {min(received):,}, max {max(received):,} (lost: {sum(max(x, 0) for x in lost):,} "
                  f"over {len(received)} clients), batches received twice: {sum(result['twice'])}{errors}")
    half = len(rss) // 2
    console.print(f"centre memory: peak RSS {peak:.0f} MB (VmHWM); RSS each second: first {rss[0]:.0f} MB, "
                  f"middle {rss[half]:.0f} MB, last {rss[-1]:.0f} MB" if rss else f"centre peak RSS {peak:.0f} MB")
    slow = result["slow"]
    console.print(f"the client that reads nothing (--live-queue {args.live_queue}): "
                  f"{'told it was dropped' if slow.get('dropped_notice') else 'NOT told it was dropped'}, "
                  f"close code {slow.get('close_code')}, after {slow.get('batches', 0)} batches held in buffers "
                  f"(the centre sent {result['batches']} batches in all)")
    if lat.size:
        p99 = float(np.percentile(lat, 99))
        ok = p99 <= TARGET_P99_MS and all(x <= 0 for x in lost)
        console.print(f"verdict: {'PASS' if ok else 'MISS'}: p99 {p99:.0f} ms against the target of "
                      f"{TARGET_P99_MS:.0f} ms, {sum(max(x, 0) for x in lost):,} events lost by clients that keep up")


if __name__ == "__main__":
    main()
