"""Camera adapter for the edge agent: a video source's line, zone and sensor events.

Registered as ``video`` under ``ridgeline.sensors``.  It runs the video pipeline on a
file or a stream and yields each event (line crossing, intrusion, loitering, sensor
offline/online) for the outbox, each event followed by its privacy-masked snapshot; a
stream runs until the agent stops it.  Built from a
sector file's camera (``sensor=``), it applies everything that camera says: privacy masks
(never analysed), lines, zones, profile, classes, model, speed and size limits; its
events carry the camera's id as ``sensor``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ridgeline.config.sector import SensorConfig
from ridgeline.model import MessageType
from ridgeline.model.sensor import SensorMessage
from ridgeline.vision.motion import MotionDetector, MotionSettings, Profile
from ridgeline.vision.pipeline import Locate, VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules, ZoneRule
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import FrameSource, StatusChange

Masks = tuple[tuple[tuple[float, float], ...], ...]


def camera_rules(sensor: SensorConfig) -> tuple[list[LineRule], list[ZoneRule], Masks]:
    """A configured camera's tripwires, zones and privacy masks as the engine's rules."""
    only = tuple(c.value for c in sensor.classes)
    lines = [LineRule(ln.id, ln.points[0], ln.points[1], direction=ln.direction, inertia=ln.inertia, classes=only)
             for ln in sensor.lines]
    zones = [ZoneRule(z.id, tuple(z.polygon), inertia=z.inertia, loiter_s=z.loiter_s, classes=only)
             for z in sensor.zones]
    masks = tuple(tuple(m) for m in sensor.masks)
    return lines, zones, masks


class VideoAdapter:
    """Events from one camera.

    ``sensor``: the camera's entry in the sector file; its settings replace ``lines``,
    ``zones``, ``camera``, ``detect_fps``, ``min_height`` and ``masks``.  ``model``: the ONNX detector
    file (the sector's ``model`` resolved against the sector file's folder).  ``locate``: pixel to
    (lon, lat), which puts the camera's events on the map; ``locate_for``: builds it from the
    picture's size, once the video is open.
    """

    name = "video"

    def __init__(self, site: str, source: str, lines: list[LineRule] | None = None,
                 zones: list[ZoneRule] | None = None, camera: str = "camera", detect_fps: float = 15.0,
                 min_height: float = 0.0, masks: Sequence[Sequence[tuple[float, float]]] = (),
                 sensor: SensorConfig | None = None, model: Path | None = None, locate: Locate | None = None,
                 locate_for: Callable[[int, int], Locate] | None = None, **_: Any) -> None:
        self.site = site
        polygons: Masks = tuple(tuple(m) for m in masks)
        profile: Profile = "default"
        min_speed = 0.0
        if sensor is not None:
            lines, zones, polygons = camera_rules(sensor)
            camera, detect_fps, min_height = sensor.id, sensor.detect_fps, sensor.min_height
            profile, min_speed = sensor.profile, sensor.min_speed
        self.camera = camera
        self.source = FrameSource(source, detect_fps=detect_fps, colour=True)
        rate = self.source.fps / self.source.every
        try:
            if locate is None and locate_for is not None:
                locate = locate_for(self.source.width, self.source.height)
            if model is not None:
                from ridgeline.vision.detector import OnnxDetector

                detector: Any = OnnxDetector(model, masks=polygons)
            else:
                detector = MotionDetector(MotionSettings.profile(profile, masks=polygons))
        except BaseException:
            self.source.close()
            raise
        self.pipeline = VideoPipeline(
            detector, Tracker(TrackerSettings.profile(profile, frame_rate=rate)),
            TrackRules(lines, zones, min_height=min_height, min_speed=min_speed), camera=camera, masks=polygons,
            locate=locate,
        )

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
