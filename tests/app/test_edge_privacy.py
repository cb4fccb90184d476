"""Privacy masks end to end: a camera site -> broker -> centre, where every stored snapshot
has its masked pixels at exactly 0 and each crossing arrives with its snapshot."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from ridgeline.app.centre import Centre
from ridgeline.app.edge_agent import EdgeAgent
from ridgeline.model import Event, MessageType
from ridgeline.store.db import Store
from ridgeline.store.schema import messages
from ridgeline.transport.broker import BrokerConfig
from ridgeline.vision.adapter import VideoAdapter
from ridgeline.vision.privacy import PrivacyMask
from ridgeline.vision.rules import LineRule
from tests.broker import Embedded, Mosquitto
from tests.conftest import ROOT

ROAD = ROOT / "tests" / "data" / "video" / "road_640x360.avi"
#: the pavement, bottom right, and the far barrier, top: beside the road, not on it
MASKS = [[(450.0, 360.0), (640.0, 240.0), (640.0, 360.0)], [(0.0, 0.0), (640.0, 0.0), (640.0, 30.0), (0.0, 30.0)]]


@pytest.mark.parametrize("kind", [Mosquitto, Embedded])
def test_crossings_reach_the_centre_with_masked_snapshots(tmp_path: Path, kind: type[Mosquitto | Embedded]) -> None:
    broker = kind(tmp_path / "broker", ["centre", "gorham"])
    broker.start()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    centre = Centre(db, BrokerConfig.from_url(broker.url("centre")))
    centre.start()
    try:
        adapter = VideoAdapter("gorham", str(ROAD), lines=[LineRule("mid", (320, 0), (320, 360))],
                               camera="gorham-cam", min_height=12, masks=MASKS)
        agent = EdgeAgent("gorham", tmp_path / "o.db", BrokerConfig.from_url(broker.url("gorham")), adapter,
                          forward_logs=False)
        assert agent.run(exit_when_drained=True, timeout=120)
    finally:
        centre.stop()
        broker.stop()
    store = Store(db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(messages.c.type, messages.c.payload).where(messages.c.site == "gorham")).all()
    events = [Event.model_validate(p) for t, p in rows if t == MessageType.EVENTS.value]
    assert [e.detail["direction"] for e in events] == ["right_to_left"] * 5
    assert sum(t == MessageType.SNAPSHOTS.value for t, _ in rows) == 5
    covered = PrivacyMask(MASKS).covered((360, 640))
    for e in events:
        assert e.snapshot is not None
        snap = store.snapshot(e.snapshot, site="gorham")
        assert snap is not None and snap.event == e.id and snap.sensor == "gorham-cam"
        img = cv2.imdecode(np.frombuffer(snap.image, np.uint8), cv2.IMREAD_COLOR)
        assert img.shape == (360, 640, 3)
        assert not img[covered].any()  # every masked pixel exactly 0
        assert img[~covered].mean() > 50  # and the road is there
    store.close()
