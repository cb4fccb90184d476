"""Ingest through faults of the centre's own machine: a database locked by another process, a full
disk, a sensor clock that jumps ahead.  Ingest must stall visibly (``/health`` 503, stalled in
``/metrics``), never end, and store everything once the fault clears.

Each test reproduces a finding of issue 13 and prints its figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.api.server import serve_centre
from ridgeline.app.centre import Centre
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.outbox import Outbox
from ridgeline.transport.publisher import Publisher

from ..api.scraping import metrics, scraper_token
from ..broker import Mosquitto, free_port, probe
from ..conftest import wait_for
from .conftest import put_events


def health(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())




class Rig:
    """A centre (in this process, with /health on a free port) and one site publishing to it."""

    def __init__(self, broker: Mosquitto, db_url: str, tmp: Path) -> None:
        self.port = free_port()
        self.centre = Centre(db_url, BrokerConfig.from_url(broker.url("centre")),
                             stall_after_s=2.0, busy_timeout_s=1.0)
        self.outbox = Outbox(tmp / "o.db", "gorham")
        self.publisher = Publisher(self.outbox, "gorham", BrokerConfig.from_url(broker.url("gorham")),
                                   resend_after=3.0, max_backoff=4.0)
        self.broker = broker

    def start(self) -> None:
        self.centre.start()
        self.api = serve_centre(self.centre, self.port)
        self.token = scraper_token(self.centre.store)
        self.publisher.start()
        assert wait_for(lambda: self.centre.workers[0].counters.connected)

    def refuse_one(self) -> None:
        """A message the centre must dead-letter (a write, like any other, while the fault lasts)."""
        client, _, _ = probe(self.broker, "gorham")
        client.publish("ridgeline/v1/gorham/events", b"{not json", qos=1).wait_for_publish(5)
        client.disconnect()
        client.loop_stop()

    def stop(self) -> None:
        self.publisher.stop()
        self.api.stop()
        self.centre.stop()
        self.outbox.close()


@contextlib.contextmanager
def locked(db_url: str) -> Iterator[None]:
    """Another process's write lock on the centre's database (SQLite) or its messages table (PostgreSQL)."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import psycopg

    with psycopg.connect(db_url.replace("+psycopg", "")) as conn:
        conn.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()


def test_a_locked_database_stalls_ingest_visibly_and_loses_nothing(broker: Mosquitto, tmp_path: Path,
                                                                   db_url: str) -> None:
    """Finding 3, the lock: held past every timeout, with a refusal to dead-letter meanwhile."""
    rig = Rig(broker, db_url, tmp_path)
    rig.start()
    try:
        put_events(rig.outbox, 500)
        assert rig.publisher.wait_drained(30)
        with locked(db_url):
            put_events(rig.outbox, 1000, start=500)
            rig.publisher.notify()
            rig.refuse_one()
            assert wait_for(lambda: health(rig.port)[0] == 503, timeout=20)
            code, body = health(rig.port)
            text = metrics(rig.port, rig.token)
            print(f"\nlocked: /health {code} {body['ingest']}; errors so far {rig.centre.workers[0].counters.errors}")
            assert body["ingest"] == "stalled" and 'ridgeline_ingest_stalled{worker="w1"} 1.0' in text
            time.sleep(3.0)
        assert rig.publisher.wait_drained(60), f"backlog {rig.outbox.backlog()}"
        assert wait_for(lambda: health(rig.port)[0] == 200, timeout=10)
        (report,) = rig.centre.store.check(["gorham"])
        worker = rig.centre.workers[0]
        print(f"after the lock: stored {report.received} of 1500, dead letters "
              f"{rig.centre.store.dead_letter_counts()}, worker restarts {worker.counters.restarts}")
        assert (report.received, report.missing, report.duplicates) == (1500, 0, 0)
        assert rig.centre.store.dead_letter_counts() == {"malformed_json": 1}
        assert worker.alive() and worker.counters.restarts == 0
    finally:
        rig.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs: a real file system to fill (the tests run as root with CAP_SYS_ADMIN, as `make test`
    needs for its Debian packages anyway)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.fail(f"the disk-full test needs to mount a tmpfs (root with CAP_SYS_ADMIN, as `make test` runs): "
                    f"{done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Fill a file system to the last byte; the file that did it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (65536, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) == size:
                    pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_stalls_ingest_visibly_and_loses_nothing(broker: Mosquitto, tmp_path: Path,
                                                            small_disk: Path) -> None:
    """Finding 3, the disk: the centre's SQLite file on a tmpfs filled to the last byte."""
    rig = Rig(broker, f"sqlite:///{small_disk / 'centre.db'}", tmp_path)
    rig.start()
    try:
        put_events(rig.outbox, 200)
        assert rig.publisher.wait_drained(30)
        filler = fill(small_disk)
        put_events(rig.outbox, 2000, start=200)
        rig.publisher.notify()
        rig.refuse_one()
        assert wait_for(lambda: health(rig.port)[0] == 503, timeout=20)
        code, body = health(rig.port)
        print(f"\ndisk full: /health {code} {body['ingest']}: {body['last_error']}")
        assert "full" in str(body["last_error"])
        time.sleep(2.0)
        os.unlink(filler)
        assert rig.publisher.wait_drained(60), f"backlog {rig.outbox.backlog()}"
        (report,) = rig.centre.store.check(["gorham"])
        print(f"after room was made: stored {report.received} of 2200, dead letters "
              f"{rig.centre.store.dead_letter_counts()}, worker alive {rig.centre.workers[0].alive()}")
        assert (report.received, report.missing, report.duplicates) == (2200, 0, 0)
        assert rig.centre.store.dead_letter_counts() == {"malformed_json": 1}
        assert health(rig.port)[0] == 200
    finally:
        rig.stop()


def test_a_sensor_clock_ahead_is_stored_flagged(broker: Mosquitto, tmp_path: Path, db_url: str) -> None:
    """Finding 4: a site's clock ten minutes ahead for 20 s, then right again."""
    rig = Rig(broker, db_url, tmp_path)
    rig.start()
    try:
        put_events(rig.outbox, 1000, ahead=timedelta(minutes=10))
        put_events(rig.outbox, 100, start=1000)
        rig.publisher.notify()
        assert rig.publisher.wait_drained(30)
        (report,) = rig.centre.store.check(["gorham"])
        print(f"\nclock 10 min ahead: stored {report.received} of 1100, {report.clock_ahead} flagged, "
              f"dead letters {rig.centre.store.dead_letter_counts()}")
        assert (report.received, report.clock_ahead, report.missing) == (1100, 1000, 0)
        assert rig.centre.store.dead_letter_counts() == {}
        assert 'ridgeline_site_clock_ahead_total{site="gorham"} 1000.0' in metrics(rig.port, rig.token)
    finally:
        rig.stop()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_that_ends_is_started_again(broker: Mosquitto, tmp_path: Path) -> None:
    """The watchdog: a worker thread that ended anyway is restarted, and what it held is redelivered."""
    rig = Rig(broker, f"sqlite:///{tmp_path / 'c.db'}", tmp_path)
    worker = rig.centre.workers[0]
    stop = threading.Event()
    original = worker._handle

    def dies_once(batch: list[object]) -> None:
        if not stop.is_set():
            stop.set()
            raise SystemExit("a worker ending in a way no handler expects")
        original(batch)  # type: ignore[arg-type]

    worker._handle = dies_once  # type: ignore[method-assign]
    rig.start()
    try:
        put_events(rig.outbox, 300)
        rig.publisher.notify()
        assert rig.publisher.wait_drained(60), f"backlog {rig.outbox.backlog()}"
        (report,) = rig.centre.store.check()
        assert (report.received, worker.counters.restarts) == (300, 1)
    finally:
        rig.stop()
