"""A live RTSP stream that drops and comes back, for minutes: reconnection and flat memory.

Acceptance point 5: the pipeline reconnects to a stream that drops, emits ``sensor_offline``
and ``sensor_online`` events, and its memory stays flat over a long run.  This script runs
the same set-up as ``tests/vision/test_stream.py`` for ``--minutes`` (default 10): Debian's
ffmpeg publishes the road clip (looped, H.264) to Debian's ``rtsp-server-perl`` relay, the
pipeline (motion, tracker, a line rule) plays it from the relay through ``FrameSource``, and
every ``--drop-every`` seconds the relay and the publisher are killed for ``--down``
seconds and started again on the same ports.  Each minute it prints the process's resident
memory (RSS, from ``/proc/self/status``), frames analysed and events so far; at the end
the RSS at start (taken ``--warmup`` seconds after the first frames, once imports, codec
and buffers are in place) and at the end, and the offline/online events counted against
the drops made.

Run from the repository root: ``.venv/bin/python -m eval.rtsp_soak [--minutes 10]``.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from ridgeline.model import EventType
from ridgeline.transport.embedded import wait_for
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules
from ridgeline.vision.tracking import Tracker, TrackerSettings
from tests.vision.rtsp_camera import RtspCamera

ROAD = Path(__file__).resolve().parents[1] / "tests" / "data" / "video" / "road_640x360.avi"


def rss_mib() -> float:
    """This process's resident set size in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run")
    parser.add_argument("--drop-every", type=float, default=120.0, help="seconds between drops")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the stream stays down")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds before the start RSS is taken")
    args = parser.parse_args()

    camera = RtspCamera(ROAD)
    camera.up()
    source = camera.open(detect_fps=10, stall_s=2.0)
    pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=10)),
                             TrackRules([LineRule("road", (0.0, 200.0), (640.0, 200.0))]), camera="cam-1")
    runner = threading.Thread(target=lambda: pipeline.run(source, keep_tracks=False), daemon=True)
    runner.start()

    def counts() -> tuple[int, int, int, int]:
        r = pipeline.result  # the run's figures so far
        kinds = [e.type for e in r.events]
        return (r.frames, kinds.count(EventType.SENSOR_OFFLINE), kinds.count(EventType.SENSOR_ONLINE),
                r.track_count)

    drops = 0
    try:
        if not wait_for(lambda: counts()[0] > 10, 30):
            raise RuntimeError("no frames from the stream")
        time.sleep(args.warmup)
        t0 = time.monotonic()
        start_rss = rss_mib()
        print(f"start: RSS {start_rss:.1f} MiB, frames {counts()[0]}", flush=True)
        minute = 1
        next_drop = t0 + args.drop_every
        end = t0 + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(0.5)
            now = time.monotonic()
            if now >= next_drop and now + args.down + 30 < end:
                camera.down()
                drops += 1
                time.sleep(args.down)
                camera.up()
                next_drop = time.monotonic() + args.drop_every
            if now - t0 >= minute * 60:
                frames, off, on, rows = counts()
                print(f"minute {minute}: RSS {rss_mib():.1f} MiB, frames {frames}, drops {drops}, "
                      f"offline {off}, online {on}, tracks {rows}", flush=True)
                minute += 1
        wait_for(lambda: counts()[2] >= drops, 30)
        frames, off, on, rows = counts()
        end_rss = rss_mib()
        print(f"end: RSS {end_rss:.1f} MiB ({end_rss - start_rss:+.1f} MiB over {args.minutes:g} min), "
              f"frames {frames}, drops made {drops}, sensor_offline {off}, sensor_online {on}, "
              f"tracks {rows}", flush=True)
    finally:
        source.close()
        camera.down()


if __name__ == "__main__":
    main()
