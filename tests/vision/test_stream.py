"""A live RTSP stream that drops and comes back: the source reconnects and says so.

The stream: Debian's ffmpeg publishes the road clip (looped, H.264, two keyframes a
second) to Debian's ``rtsp-server-perl`` relay on free ports; the pipeline plays it from
the relay.  Then the server and the publisher are killed (the camera's stream is gone,
connections refused) and, a few seconds later, started again on the same ports.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

from ridgeline.model import EventType
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import PipelineResult, VideoPipeline
from ridgeline.vision.rules import TrackRules
from ridgeline.vision.tracking import Tracker
from ridgeline.vision.video import FrameSource, VideoError

from ..broker import free_port
from ..conftest import wait_for

ROAD = Path(__file__).resolve().parents[1] / "data" / "video" / "road_640x360.avi"


def publish(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(ROAD), "-c:v", "libx264",
         "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-f", "rtsp", f"rtsp://127.0.0.1:{port}/cam"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def start_relay(client_port: int, source_port: int) -> subprocess.Popen[bytes]:
    """The relay, its RTP ports away from any other relay's (the default range is shared)."""
    rtp = 30000 + 2 * (client_port % 10000)
    return subprocess.Popen(
        ["rtsp-server-perl", "-c", str(client_port), "-s", str(source_port), "--rtp_start_port", str(rtp)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0



def test_a_dropped_stream_goes_offline_and_comes_back_online() -> None:
    client_port, source_port = free_port(), free_port()
    relay = start_relay(client_port, source_port)
    assert wait_for(lambda: _listening(source_port) and _listening(client_port), 10), "the relay did not start"
    publisher = publish(source_port)
    source = None
    try:
        deadline = time.monotonic() + 20
        while source is None:
            try:
                source = FrameSource(f"rtsp://127.0.0.1:{client_port}/cam", detect_fps=10, stall_s=2.0)
            except VideoError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)  # the publisher is still starting
        pipeline = VideoPipeline(MotionDetector(), Tracker(), TrackRules(), camera="cam-1")
        frames: list[int] = []
        result: list[PipelineResult] = []

        def on_frame(r: PipelineResult) -> None:
            frames.append(r.frames)
            result[:] = [r]

        runner = threading.Thread(target=lambda: pipeline.run(source, on_frame=on_frame), daemon=True)
        runner.start()
        assert wait_for(lambda: len(frames) > 10, 20), "no frames from the stream"
        publisher.kill()
        publisher.wait()
        relay.kill()
        relay.wait()
        kinds = lambda: [e.type for e in result[0].events] if result else []  # noqa: E731
        assert wait_for(lambda: EventType.SENSOR_OFFLINE in kinds(), 20), "no offline event"
        before = len(frames)
        time.sleep(3.0)
        relay = start_relay(client_port, source_port)
        assert wait_for(lambda: _listening(source_port), 10), "the relay did not restart"
        publisher = publish(source_port)
        assert wait_for(lambda: EventType.SENSOR_ONLINE in kinds(), 40), "no online event"
        assert wait_for(lambda: len(frames) > before + 10, 20), "frames did not resume"
        assert kinds().count(EventType.SENSOR_OFFLINE) == 1 and kinds().count(EventType.SENSOR_ONLINE) == 1
    finally:
        if source is not None:
            source.close()
        publisher.kill()
        relay.kill()
