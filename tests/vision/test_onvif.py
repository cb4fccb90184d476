"""The ONVIF PTZ adapter against a stand-in camera (no real one can run here; see onvif_fake.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ridgeline.errors import PtzLinkError
from ridgeline.vision.detections import Detections
from ridgeline.vision.onvif import OnvifPtz
from ridgeline.vision.ptz import PtzController, PtzLimits
from tests.broker import free_port
from tests.vision.onvif_fake import FakeOnvifCamera


@pytest.fixture
def camera() -> FakeOnvifCamera:
    cam = FakeOnvifCamera()
    yield cam  # type: ignore[misc]
    cam.stop()


def test_the_controller_drives_a_real_protocol_head(camera: FakeOnvifCamera) -> None:
    limits = PtzLimits()
    head = OnvifPtz("127.0.0.1", camera.port, "operator", "secret", limits=limits)
    try:
        controller = PtzController(limits)
        # a track right of centre and low in the view: pan right, tilt down, zoom in (it is small)
        box = np.array([1500.0, 700.0, 1560.0, 800.0])
        state = head.move(*controller.command(head.state, box, (1920, 1080), 0.3), 0.3)
        op, sent = camera.requests[-2]
        assert op == "ContinuousMove" and sent["profile"] == "main"
        assert sent["x"] > 0 and sent["y"] < 0 and sent["zoom"] > 0  # ONVIF tilt is upwards
        assert sent["timeout"] == pytest.approx(0.3)
        assert camera.requests[-1][0] == "GetStatus"
        time.sleep(0.35)
        state = head.status()
        assert state.pan > 0 and state.tilt > 0 and state.zoom > limits.min_zoom
        head.move(0.0, 0.0, 0.0, 0.3)  # nothing to follow: the head stops
        assert camera.requests[-2][0] == "Stop"
        head.home()
        assert camera.requests[-1][0] == "GotoHomePosition" and head.status().pan == 0.0
        assert {op for op, _ in camera.requests} >= {"GetServices", "GetProfiles"}
    finally:
        head.close()


def test_a_head_that_does_not_answer_is_a_clear_error() -> None:
    with pytest.raises(PtzLinkError, match=r"onvif 127\.0\.0\.1:\d+"):
        OnvifPtz("127.0.0.1", free_port(), "operator", "secret", timeout_s=1.0)


def test_follow_keeps_its_target_and_steers_the_head_at_a_bounded_rate(camera: FakeOnvifCamera) -> None:
    from ridgeline.vision.ptz import PtzFollow

    head = OnvifPtz("127.0.0.1", camera.port, None, None)
    try:
        follow = PtzFollow(head, (1920, 1080), rate_hz=5.0)
        small = np.array([100.0, 100.0, 140.0, 180.0])
        big = np.array([1500.0, 600.0, 1600.0, 800.0])
        for k in range(10):  # one second at 10 frames a second
            follow(k * 0.1, Detections.of([small, big], tracker_id=[1, 2]), [1] if k == 0 else [])
        moves = [f for op, f in camera.requests if op == "ContinuousMove"]
        assert follow.target == 1  # named by an event: kept although track 2 is larger
        assert len(moves) == 5 and all(m["x"] < 0 and m["y"] > 0 for m in moves)  # left and up, towards track 1
    finally:
        head.close()
