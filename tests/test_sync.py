"""Edge sites to the centre through a real Mosquitto, with faults: nothing lost, nothing doubled.

Three edge agents (``ridgeline edge``, real processes) replay 20,000 events each at a
steady rate into a Mosquitto the test starts on a free port from ``deploy/mosquitto/``;
the centre (``ridgeline serve``, a real process) ingests them into SQLite or PostgreSQL.
Meanwhile, in turn: the broker is killed (SIGKILL) and restarted twice; one site's link is
cut for 30 s (its traffic goes through a TCP relay the test closes and reopens); the centre
is killed with SIGKILL mid-ingest and restarted; an edge agent is killed with SIGKILL
mid-send and restarted.  Afterwards ``ridgeline store check`` must show every (site, seq)
exactly once, and every event of every file must be stored exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from ridgeline.model import Event, EventType, Severity, utc_now
from ridgeline.store.schema import messages

from .broker import LinkProxy, Mosquitto, free_port, vm_hwm_mb
from .conftest import EXAMPLE, wait_for

SECTOR = EXAMPLE / "sector.yaml"
SITES = ["shelburne", "gorham", "pinkham"]
EVENTS = int(os.environ.get("RIDGELINE_FAULT_EVENTS", "20000"))
RATE = 500.0  # events per second per site
RIDGELINE = str(Path(sys.executable).parent / "ridgeline")


def write_replay(path: Path, site: str, n: int) -> None:
    now = utc_now()
    with path.open("w") as fh:
        for i in range(n):
            ev = Event(type=EventType.LINE_CROSSING, time=now, severity=Severity.MEDIUM, sensor="cam",
                       detail={"site": site, "i": i})
            fh.write(json.dumps({"type": "events", "payload": ev.model_dump(mode="json")}) + "\n")


class Run:
    """The processes of one fault run."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.tmp = tmp
        self.db_url = url
        self.broker = Mosquitto(tmp / "broker", ["centre", *SITES])
        self.broker.start()
        self.proxy = LinkProxy(self.broker.port)
        self.proxy.start()
        self.centre: subprocess.Popen[bytes] | None = None
        self.edges: dict[str, subprocess.Popen[bytes]] = {}
        for site in SITES:
            write_replay(tmp / f"{site}.jsonl", site, EVENTS)

    def start_centre(self) -> None:
        self.centre = subprocess.Popen(
            [RIDGELINE, "serve", str(SECTOR), "--db", self.db_url, "--broker", self.broker.url("centre"),
             "--http-port", str(free_port()), "--audit-heads", str(self.tmp / "heads.txt"),
             "--tiles", str(self.tmp / "terrain.pmtiles")],
            stdout=subprocess.DEVNULL, stderr=open(self.tmp / "centre.log", "ab"),  # noqa: SIM115
        )

    def start_edge(self, site: str) -> None:
        port = self.proxy.port if site == SITES[0] else self.broker.port
        url = f"mqtt://{site}:pw-{site}@127.0.0.1:{port}"
        self.edges[site] = subprocess.Popen(
            [RIDGELINE, "edge", str(SECTOR), "--site", site, "--broker", url, "--replay",
             str(self.tmp / f"{site}.jsonl"), "--rate", str(RATE), "--outbox", str(self.tmp / f"{site}.outbox.db"),
             "--exit-when-drained", "--resend-after", "5"],
            stdout=subprocess.DEVNULL, stderr=open(self.tmp / f"edge-{site}.log", "ab"),  # noqa: SIM115
        )

    def kill_centre(self) -> None:
        assert self.centre is not None
        self.centre.send_signal(signal.SIGKILL)
        self.centre.wait()

    def stop(self) -> None:
        for p in [*self.edges.values(), self.centre]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        self.proxy.cut()
        self.broker.stop()


def test_faults_lose_nothing_and_double_nothing(tmp_path: Path, db_url: str) -> None:
    run = Run(tmp_path, db_url)
    try:
        run.start_centre()
        time.sleep(2.0)
        for site in SITES:
            run.start_edge(site)
        steps: list[str] = []
        # (a) the broker is killed and restarted, twice
        for _ in range(2):
            time.sleep(3.0)
            run.broker.kill()
            time.sleep(1.0)
            run.broker.start()
            steps.append("broker killed and restarted")
        # (b) one site's link is cut for 30 s; (c) and (d) happen during the cut
        time.sleep(2.0)
        run.proxy.cut()
        cut_at = time.monotonic()
        steps.append(f"{SITES[0]} link cut")
        time.sleep(3.0)
        run.kill_centre()  # (c) mid-ingest
        time.sleep(2.0)
        run.start_centre()
        steps.append("centre killed and restarted")
        time.sleep(3.0)
        run.edges[SITES[1]].send_signal(signal.SIGKILL)  # (d) mid-send
        run.edges[SITES[1]].wait()
        time.sleep(1.0)
        run.start_edge(SITES[1])
        steps.append(f"{SITES[1]} edge killed and restarted")
        time.sleep(max(0.0, 30.0 - (time.monotonic() - cut_at)))
        run.proxy.restore()
        steps.append(f"{SITES[0]} link restored after 30 s")
        deadline = time.monotonic() + 240
        for site, proc in run.edges.items():
            left = max(deadline - time.monotonic(), 1)
            try:
                code = proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                pytest.fail(f"edge {site} did not drain: {(tmp_path / f'edge-{site}.log').read_text()[-3000:]}")
            assert code == 0, f"edge {site} failed: {(tmp_path / f'edge-{site}.log').read_text()[-3000:]}"
        time.sleep(1.0)
        check = subprocess.run([RIDGELINE, "store", "check", "--db", db_url], capture_output=True, text=True)
        print("\n".join(steps))
        print(check.stdout)
        assert check.returncode == 0, check.stdout + check.stderr
        engine = create_engine(db_url)
        with engine.connect() as conn:
            rows = conn.execute(select(messages.c.site, messages.c.payload).where(messages.c.type == "events")).all()
        engine.dispose()
        for site in SITES:
            seen = Counter(p["detail"]["i"] for s, p in rows if s == site)
            assert len(seen) == EVENTS, f"{site}: {EVENTS - len(seen)} events lost"
            assert max(seen.values()) == 1, f"{site}: events stored twice"
    finally:
        run.stop()


STORM_EVENTS = int(os.environ.get("RIDGELINE_STORM_EVENTS", "20000"))
STORM_OUTAGE_S = float(os.environ.get("RIDGELINE_STORM_OUTAGE_S", "20"))
STORM_RESEND_S = float(os.environ.get("RIDGELINE_STORM_RESEND_S", "5"))


def test_a_centre_outage_brings_no_resend_storm(tmp_path: Path) -> None:
    """Finding 5 of issue 13: with the broker up and the centre down, the edge sent its whole
    unconfirmed window again every resend period, and the broker queued every copy."""
    broker = Mosquitto(tmp_path / "broker", ["centre", "gorham"])
    broker.start()
    write_replay(tmp_path / "gorham.jsonl", "gorham", STORM_EVENTS)
    db = f"sqlite:///{tmp_path / 'centre.db'}"

    port = free_port()

    def serve() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [RIDGELINE, "serve", str(SECTOR), "--db", db, "--broker", broker.url("centre"), "--http-port",
             str(port)], stdout=subprocess.DEVNULL, stderr=open(tmp_path / "centre.log", "ab"),
        )

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                return bool(json.loads(answer.read())["healthy"])
        except OSError:  # not listening yet, or 503 while the worker connects
            return False

    centre = serve()  # the centre has run before: the broker keeps its session, and queues for it
    # (until its worker has connected: a centre stopped before that left the broker no session)
    assert wait_for(healthy, timeout=60), (tmp_path / "centre.log").read_text()[-2000:]
    centre.terminate()
    centre.wait(30)
    edge = subprocess.Popen(
        [RIDGELINE, "edge", str(SECTOR), "--site", "gorham", "--broker", broker.url("gorham"), "--replay",
         str(tmp_path / "gorham.jsonl"), "--outbox", str(tmp_path / "o.db"), "--exit-when-drained",
         "--resend-after", str(STORM_RESEND_S)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(STORM_OUTAGE_S)
        broker_peak = vm_hwm_mb(broker.pid())
        centre = serve()
        try:
            _, errors = edge.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            edge.kill()
            pytest.fail(f"the edge did not drain: {edge.communicate()[1][-2000:]}")
        assert edge.returncode == 0, errors[-2000:]
        summary = next(line for line in errors.splitlines() if "produced" in line)
        produced = int(summary.split("produced ")[1].split(",")[0])
        sent = int(summary.split("sent ")[1].split(",")[0])
        broker_peak = max(broker_peak, vm_hwm_mb(broker.pid()))
        centre_peak = vm_hwm_mb(centre.pid)
        engine = create_engine(db)
        with engine.connect() as conn:
            stored = len(conn.execute(select(messages.c.id).where(messages.c.type == "events")).all())
        engine.dispose()
        print(f"\ncentre down {STORM_OUTAGE_S:.0f} s with the broker up, {STORM_EVENTS} events, resend after "
              f"{STORM_RESEND_S:.0f} s: stored {stored} of {produced}; {sent / produced:.3f} envelopes sent per "
              f"event; peak RSS broker {broker_peak:.0f} MB, centre {centre_peak:.0f} MB")
        assert stored == produced == STORM_EVENTS
        assert sent / produced < 1.1
    finally:
        for proc in (edge, centre):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        broker.stop()
