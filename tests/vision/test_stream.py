"""A live RTSP stream that drops and comes back: the source reconnects and says so.

The stream: Debian's ffmpeg publishes the road clip (looped, H.264, two keyframes a
second) to Debian's ``rtsp-server-perl`` relay on free ports; the pipeline plays it from
the relay.  Then the server and the publisher are killed (the camera's stream is gone,
connections refused) and, a few seconds later, started again on the same ports.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ridgeline.model import EventType
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import PipelineResult, VideoPipeline
from ridgeline.vision.rules import TrackRules
from ridgeline.vision.tracking import Tracker
from tests.vision.rtsp_camera import RtspCamera

from ..conftest import wait_for

ROAD = Path(__file__).resolve().parents[1] / "data" / "video" / "road_640x360.avi"


def test_a_dropped_stream_goes_offline_and_comes_back_online() -> None:
    camera = RtspCamera(ROAD)
    camera.up()
    source = None
    try:
        source = camera.open(detect_fps=10, stall_s=2.0)
        pipeline = VideoPipeline(MotionDetector(), Tracker(), TrackRules(), camera="cam-1")
        frames: list[int] = []
        result: list[PipelineResult] = []

        def on_frame(r: PipelineResult) -> None:
            frames.append(r.frames)
            result[:] = [r]

        runner = threading.Thread(target=lambda: pipeline.run(source, on_frame=on_frame), daemon=True)
        runner.start()
        assert wait_for(lambda: len(frames) > 10, 20), "no frames from the stream"
        camera.down()
        kinds = lambda: [e.type for e in result[0].events] if result else []  # noqa: E731
        assert wait_for(lambda: EventType.SENSOR_OFFLINE in kinds(), 20), "no offline event"
        before = len(frames)
        time.sleep(3.0)
        camera.up()
        assert wait_for(lambda: EventType.SENSOR_ONLINE in kinds(), 40), "no online event"
        assert wait_for(lambda: len(frames) > before + 10, 20), "frames did not resume"
        assert kinds().count(EventType.SENSOR_OFFLINE) == 1 and kinds().count(EventType.SENSOR_ONLINE) == 1
    finally:
        if source is not None:
            source.close()
        camera.down()
