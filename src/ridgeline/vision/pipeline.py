"""The video pipeline: frames -> motion -> tracks -> rules -> events, with its figures.

Wiring only: ``FrameSource`` decodes, ``MotionDetector`` finds moving blobs, ``Tracker``
follows them (confirmed after several matches, which is the detector's inertia), and
``TrackRules`` turns tracks into line crossings, intrusions and loitering.  Each hit
becomes an ``Event`` of the sync model, stamped with the video's clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from ridgeline.model import Event, EventType, ObjectClass, Position, Severity, utc_now
from ridgeline.vision.detector import Detector, MotionBoxes
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.rules import Hit, TrackRules
from ridgeline.vision.tracking import Tracker, TrackRow
from ridgeline.vision.video import Frame, StatusChange

_KINDS = {"line_crossing": EventType.LINE_CROSSING, "zone_intrusion": EventType.ZONE_INTRUSION,
          "loitering": EventType.LOITERING}


@dataclass
class PipelineResult:
    """What a run produced and how fast."""

    frames: int = 0
    seconds: float = 0.0
    events: list[Event] = field(default_factory=list)
    tracks: list[TrackRow] = field(default_factory=list)  # every box, only if the run keeps them
    track_ids: set[int] = field(default_factory=set)
    background_resets: int = 0

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    @property
    def track_count(self) -> int:
        return len(self.track_ids)


class VideoPipeline:
    """One camera's analytics."""

    def __init__(self, detector: MotionDetector | Detector, tracker: Tracker, rules: TrackRules,
                 camera: str = "camera", start: datetime | None = None, snapshots: Path | None = None,
                 masks: tuple[tuple[tuple[float, float], ...], ...] = ()) -> None:
        self.detector: Detector = MotionBoxes(detector) if isinstance(detector, MotionDetector) else detector
        self.tracker = tracker
        self.rules = rules
        self.camera = camera
        self.start = start or utc_now()
        self.result = PipelineResult()
        self.snapshots = snapshots
        self._masks = [np.round(np.asarray(m)).astype(np.int32) for m in masks]

    def step(self, frame: Frame) -> tuple[list[tuple[int, np.ndarray]], list[Event]]:
        """One frame: confirmed tracks and the events they caused."""
        boxes, conf, _classes = self.detector.detect(frame.luma, frame.bgr)
        tracks = self.tracker.update(boxes, conf, frame.time_s)
        hits = self.rules.update(tracks, frame.time_s)
        events = [self._event(h, frame) for h in hits]
        if events and self.snapshots is not None:
            events = [e.model_copy(update={"snapshot": self._snapshot(frame, e, tracks)}) for e in events]
        return tracks, events

    def _snapshot(self, frame: Frame, event: Event, tracks: list[tuple[int, np.ndarray]]) -> str:
        """A JPEG of the frame with privacy masks blacked out and the track boxed; its file name."""
        assert self.snapshots is not None
        img = frame.bgr.copy() if frame.bgr is not None else cv2.cvtColor(frame.luma, cv2.COLOR_GRAY2BGR)
        for poly in self._masks:
            cv2.fillPoly(img, [poly], (0, 0, 0))
        for tid, box in tracks:
            if event.object_id == f"{self.camera}-{tid}":
                x1, y1, x2, y2 = (int(round(v)) for v in box)
                cv2.rectangle(img, (x1, y1), (x2, y2), (0, 0, 255), 2)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        name = f"{event.id}.jpg"
        cv2.imwrite(str(self.snapshots / name), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
        return name

    def _event(self, hit: Hit, frame: Frame) -> Event:
        return Event(
            type=_KINDS[hit.kind], time=self.start + timedelta(seconds=frame.time_s),
            severity=Severity.HIGH if hit.kind != "loitering" else Severity.MEDIUM, sensor=self.camera,
            zone=hit.rule, object_id=f"{self.camera}-{hit.track}", object_class=ObjectClass.MOTION,
            position=Position(x=round(hit.x, 1), y=round(hit.y, 1)),
            detail={**hit.detail, "frame": frame.index},
        )

    def run(self, frames: Iterable[Frame | StatusChange], on_frame: Callable[[PipelineResult], None] | None = None,
            annotate: Callable[[Frame, list[tuple[int, np.ndarray]], list[Event]], None] | None = None,
            keep_tracks: bool = True) -> PipelineResult:
        """Run over an iterable of frames (a stream: until it is closed); ``self.result`` holds
        the figures so far, so an interrupted run keeps them.  ``keep_tracks``: keep every
        tracked box in ``result.tracks`` (for a MOTChallenge file); without it only the track
        count grows, so a stream watched for days holds its memory."""
        result = self.result = PipelineResult()
        t0 = time.perf_counter()
        for frame in frames:
            if isinstance(frame, StatusChange):
                result.events.append(Event(
                    type=EventType.SENSOR_ONLINE if frame.online else EventType.SENSOR_OFFLINE,
                    time=self.start + timedelta(seconds=frame.time_s), severity=Severity.MEDIUM, sensor=self.camera,
                    detail={"reason": frame.reason} if frame.reason else {},
                ))
                continue
            tracks, events = self.step(frame)
            result.frames += 1
            result.events.extend(events)
            for tid, box in tracks:
                result.track_ids.add(tid)
                if keep_tracks:  # a live stream runs for days: its boxes are kept only when asked for
                    x1, y1, x2, y2 = (float(v) for v in box)
                    result.tracks.append((frame.index + 1, tid, x1, y1, x2, y2))
            if annotate is not None:
                annotate(frame, tracks, events)
            result.seconds = time.perf_counter() - t0
            if on_frame is not None:
                on_frame(result)
        if isinstance(self.detector, MotionBoxes):
            result.background_resets = self.detector.motion.resets
        return result
