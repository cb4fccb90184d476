"""Camera adapter for the edge agent: a video source's line, zone and sensor events.

Registered as ``video`` under ``ridgeline.sensors``.  It runs the video pipeline on a
file or a stream and yields each event (line crossing, intrusion, loitering, sensor
offline/online) for the outbox, each event followed by its privacy-masked snapshot; a
stream runs until the agent stops it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ridgeline.model import MessageType
from ridgeline.model.sensor import SensorMessage
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import Locate, VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules, ZoneRule
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import FrameSource, StatusChange


class VideoAdapter:
    """Events from one camera."""

    name = "video"

    def __init__(self, site: str, source: str, lines: list[LineRule] | None = None,
                 zones: list[ZoneRule] | None = None, camera: str = "camera", detect_fps: float = 15.0,
                 min_height: float = 0.0, masks: Sequence[Sequence[tuple[float, float]]] = (),
                 locate: Locate | None = None, **_: Any) -> None:
        self.site = site
        self.source = FrameSource(source, detect_fps=detect_fps, colour=True)
        rate = self.source.fps / self.source.every
        self.pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=rate)),
                                      TrackRules(lines, zones, min_height=min_height), camera=camera,
                                      masks=masks, locate=locate)

    def messages(self) -> Iterator[SensorMessage]:
        for item in self.source:
            if isinstance(item, StatusChange):
                yield MessageType.EVENTS, self.pipeline.status_event(item)
                continue
            _tracks, events = self.pipeline.step(item)
            for event in events:
                yield MessageType.EVENTS, event
            for snap in self.pipeline.take_snapshots():
                yield MessageType.SNAPSHOTS, snap

    def close(self) -> None:
        self.source.close()
