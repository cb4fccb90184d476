"""The edge agent: several sensors at once, log records forwarded with a rate limit, presence with a last will."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ridgeline.app.centre import Centre
from ridgeline.app.edge_agent import EdgeAgent, LogForwarder
from ridgeline.model import Event, EventType, MessageType, Severity, utc_now
from ridgeline.model.sensor import SensorAdapter, SensorMessage
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.outbox import Outbox
from tests.broker import Mosquitto
from tests.conftest import EXAMPLE


def test_log_records_are_forwarded_and_rate_limited(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", "s1")
    forwarder = LogForwarder(outbox, rate=5.0)
    logger = logging.getLogger("ridgeline.test-forwarding")
    logger.addHandler(forwarder)
    logger.setLevel(logging.INFO)
    try:
        for i in range(50):
            logger.warning("line %d", i)
        time.sleep(0.5)
        logger.warning("after the burst")
    finally:
        logger.removeHandler(forwarder)
    logs = [p for p in outbox.pending(1000) if p.type == MessageType.LOGS]
    assert 5 <= len(logs) <= 8  # the bucket's five, then what half a second refilled
    assert '"suppressed":' in logs[-1].payload and '"suppressed":0' not in logs[-1].payload
    assert "after the burst" in logs[-1].payload


def test_a_killed_site_is_marked_offline_by_its_last_will(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path / "broker", ["centre", "gorham"])
    broker.start()
    centre = Centre(f"sqlite:///{tmp_path / 'c.db'}", BrokerConfig.from_url(broker.url("centre")),
                    )
    centre.start()
    replay = tmp_path / "r.jsonl"
    replay.write_text("")
    edge = subprocess.Popen(
        [str(Path(sys.executable).parent / "ridgeline"), "edge", str(EXAMPLE / "sector.yaml"), "--site", "gorham",
         "--broker", broker.url("gorham"), "--replay", str(replay), "--outbox", str(tmp_path / "o.db")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        status = centre.workers[0].counters.status
        deadline = time.monotonic() + 30
        while status.get("gorham") is not True and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.get("gorham") is True
        edge.send_signal(signal.SIGKILL)
        edge.wait()
        deadline = time.monotonic() + 30
        while status.get("gorham") is not False and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.get("gorham") is False
        assert centre.health()["sites_online"] == []
    finally:
        if edge.poll() is None:
            edge.kill()
        centre.stop()
        broker.stop()


class FailingAdapter:
    """A sensor that says a few things and then breaks (a stand-in: no real sensor fails on cue)."""

    name = "failing"

    def __init__(self, says: int) -> None:
        self.says = says

    def messages(self) -> Iterator[SensorMessage]:
        for i in range(self.says):
            yield MessageType.EVENTS, Event(type=EventType.LINE_CROSSING, time=utc_now(), severity=Severity.LOW,
                                            sensor="failing", detail={"i": i})
        raise OSError("the serial port went away")

    def close(self) -> None:
        pass


def test_several_adapters_run_at_once_and_one_failing_stops_no_other(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, select

    from ridgeline.store.schema import messages
    from ridgeline.transport.replay import ReplayAdapter

    for name in ("a", "b"):
        now = utc_now()
        (tmp_path / f"{name}.jsonl").write_text("".join(
            json.dumps({"type": "events", "payload": Event(
                type=EventType.ZONE_INTRUSION, time=now, severity=Severity.MEDIUM, sensor=name, detail={"i": i},
            ).model_dump(mode="json")}) + "\n" for i in range(40)
        ))
    broker = Mosquitto(tmp_path / "broker", ["centre", "gorham"])
    broker.start()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    centre = Centre(db, BrokerConfig.from_url(broker.url("centre")))
    centre.start()
    try:
        adapters: list[SensorAdapter] = [ReplayAdapter("gorham", tmp_path / "a.jsonl", rate=200.0),
                                         FailingAdapter(5), ReplayAdapter("gorham", tmp_path / "b.jsonl")]
        agent = EdgeAgent("gorham", tmp_path / "o.db", BrokerConfig.from_url(broker.url("gorham")), adapters,
                          forward_logs=False)
        assert agent.run(exit_when_drained=True, timeout=120)
        assert agent.failed == ["failing: the serial port went away"] and agent.produced == 85
        with create_engine(db).connect() as conn:
            rows = conn.execute(select(messages.c.payload).where(messages.c.type == "events")).all()
        by_sensor = Counter(p["sensor"] for (p,) in rows)
        assert by_sensor == {"a": 40, "b": 40, "failing": 5}  # what the broken one said before it broke, too
    finally:
        centre.stop()
        broker.stop()


def test_the_camera_adapter_yields_the_pipelines_events() -> None:
    from ridgeline.app.edge_site import load_adapter
    from ridgeline.vision.rules import LineRule

    road = EXAMPLE.parents[1] / "tests" / "data" / "video" / "road_640x360.avi"
    adapter = load_adapter("video", "gorham", source=str(road), lines=[LineRule("mid", (320, 0), (320, 360))],
                           camera="gorham-cam", min_height=12)
    got = list(adapter.messages())
    adapter.close()
    # each event, then its snapshot
    assert [m[0] for m in got] == [MessageType.EVENTS, MessageType.SNAPSHOTS] * 5
    assert {m[1].sensor for m in got} == {"gorham-cam"}  # type: ignore[attr-defined]
    assert [m[1].snapshot for m in got[::2]] == [m[1].id for m in got[1::2]]  # type: ignore[attr-defined]


def test_a_coastal_site_sends_vessel_behaviours_through_the_broker(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, select

    from ridgeline.store.schema import messages
    from tests.maritime.scenario import offshore, write_csv
    from tests.maritime.test_behaviour import meeting

    csv = write_csv(tmp_path / "receiver.csv", *meeting(offshore(30), 10.0))
    broker = Mosquitto(tmp_path / "broker", ["centre", "gorham"])
    broker.start()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    centre = Centre(db, BrokerConfig.from_url(broker.url("centre")))
    centre.start()
    try:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "ridgeline"), "edge", str(EXAMPLE / "sector.yaml"), "--site", "gorham",
             "--broker", broker.url("gorham"), "--ais", str(csv), "--outbox", str(tmp_path / "o.db"),
             "--exit-when-drained"],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        with create_engine(db).connect() as conn:
            rows = conn.execute(select(messages.c.type, messages.c.payload).where(messages.c.site == "gorham")).all()
        events = [p for t, p in rows if t == "events" and p["type"] == "encounter"]
        tracks = {p["id"] for t, p in rows if t == "tracks"}
        assert [e["detail"]["ongoing"] for e in sorted(events, key=lambda e: e["detail"]["ongoing"])] == [False, True]
        final = next(e for e in events if not e["detail"]["ongoing"])
        assert set(final["detail"]["tracks"].split(",")) <= tracks
        assert final["object_id"] == "mmsi:211000001+mmsi:211000002"
    finally:
        centre.stop()
        broker.stop()
