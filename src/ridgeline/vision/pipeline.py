"""The video pipeline: frames -> motion -> tracks -> rules -> events, with its figures.

Wiring only: ``FrameSource`` decodes, ``MotionDetector`` finds moving blobs, ``Tracker``
follows them (confirmed after several matches, which is the detector's inertia), and
``TrackRules`` turns tracks into line crossings, intrusions and loitering.  Each hit
becomes an ``Event`` of the sync model, stamped with the video's clock.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from ridgeline.model import Event, EventType, ObjectClass, Position, Severity, utc_now
from ridgeline.vision.detections import Detections, TrackId
from ridgeline.vision.detector import Detector
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.rules import Hit, TrackRules
from ridgeline.vision.tracking import Tracker
from ridgeline.vision.video import Frame, StatusChange

_KINDS = {"line_crossing": EventType.LINE_CROSSING, "zone_intrusion": EventType.ZONE_INTRUSION,
          "loitering": EventType.LOITERING}


def _object_class(name: str) -> ObjectClass:
    """The model's class for a detector's class name (anything unknown is plain motion)."""
    try:
        return ObjectClass(name)
    except ValueError:
        return ObjectClass.MOTION


@dataclass(frozen=True)
class TrackEvent:
    """An event and the track it is about, for whoever draws or follows that track."""

    track: TrackId
    event: Event


FrameHook = Callable[[Frame, Detections, list[TrackEvent]], None]  # a frame, its tracks, its events


@dataclass
class PipelineResult:
    """What a run produced and how fast."""

    frames: int = 0
    seconds: float = 0.0
    events: list[Event] = field(default_factory=list)
    tracked: list[Detections] = field(default_factory=list)  # each frame's tracks, only if the run keeps them
    track_ids: set[int] = field(default_factory=set)
    background_resets: int = 0

    @property
    def tracks(self) -> Detections:
        """Every kept tracked box with its frame (from 1) and track number."""
        return Detections.merge(self.tracked)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    @property
    def track_count(self) -> int:
        return len(self.track_ids)


class VideoPipeline:
    """One camera's analytics."""

    def __init__(self, detector: Detector, tracker: Tracker, rules: TrackRules,
                 camera: str = "camera", start: datetime | None = None, snapshots: Path | None = None,
                 masks: tuple[tuple[tuple[float, float], ...], ...] = ()) -> None:
        self.detector = detector
        self.tracker = tracker
        self.rules = rules
        self.camera = camera
        self.start = start or utc_now()
        self._votes: dict[int, Counter[str]] = {}
        self.result = PipelineResult()
        self.snapshots = snapshots
        self._masks = [np.round(np.asarray(m)).astype(np.int32) for m in masks]

    def step(self, frame: Frame) -> tuple[Detections, list[Event]]:
        """One frame: confirmed tracks and the events they caused."""
        tracks, found = self.analyse(frame)
        return tracks, [f.event for f in found]

    def analyse(self, frame: Frame) -> tuple[Detections, list[TrackEvent]]:
        """One frame: confirmed tracks (``class_name`` each track's class so far) and the
        events they caused, each with its track."""
        detections = self.detector.detect(frame.luma, frame.bgr)
        tracks = self.tracker.update(detections, frame.time_s)
        self._vote(tracks, detections)
        tracks = replace(tracks, class_name=np.array([self.track_class(t) for t in tracks.track_ids.tolist()],
                                                     dtype=object))
        found = []
        for hit in self.rules.update(tracks, frame.time_s):
            track = TrackId(self.camera, hit.track)
            found.append(TrackEvent(track, self._event(hit, track, frame)))
        if found and self.snapshots is not None:
            found = [replace(f, event=f.event.model_copy(update={"snapshot": self._snapshot(frame, f, tracks)}))
                     for f in found]
        return tracks, found

    def _vote(self, tracks: Detections, detections: Detections) -> None:
        """Each track's class: the detections it overlaps most vote, the majority wins."""
        boxes, classes = detections.xyxy, detections.class_name
        if not len(boxes) or all(c == "motion" for c in classes):
            return
        for tid, box in zip(tracks.track_ids.tolist(), tracks.xyxy, strict=True):
            x1 = np.maximum(boxes[:, 0], box[0])
            y1 = np.maximum(boxes[:, 1], box[1])
            x2 = np.minimum(boxes[:, 2], box[2])
            y2 = np.minimum(boxes[:, 3], box[3])
            inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
            union = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
                     + (box[2] - box[0]) * (box[3] - box[1]) - inter)
            iou = inter / np.maximum(union, 1e-9)
            k = int(np.argmax(iou))
            if iou[k] >= 0.3:
                self._votes.setdefault(tid, Counter())[classes[k]] += 1
        if len(self._votes) > 256:  # a live camera sees new tracks for ever
            live = set(tracks.track_ids.tolist())
            self._votes = {t: v for t, v in self._votes.items() if t in live}

    def track_class(self, tid: int) -> str:
        """The class most of a track's detections had (``motion`` where the detector has none)."""
        votes = self._votes.get(tid)
        return votes.most_common(1)[0][0] if votes else "motion"

    def _snapshot(self, frame: Frame, found: TrackEvent, tracks: Detections) -> str:
        """A JPEG of the frame with privacy masks blacked out and the track boxed; its file name."""
        assert self.snapshots is not None
        img = frame.bgr.copy() if frame.bgr is not None else cv2.cvtColor(frame.luma, cv2.COLOR_GRAY2BGR)
        for poly in self._masks:
            cv2.fillPoly(img, [poly], (0, 0, 0))
        for box in tracks.xyxy[tracks.track_ids == found.track.number]:
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            cv2.rectangle(img, (x1, y1), (x2, y2), (0, 0, 255), 2)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        name = f"{found.event.id}.jpg"
        cv2.imwrite(str(self.snapshots / name), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
        return name

    def _event(self, hit: Hit, track: TrackId, frame: Frame) -> Event:
        """The event of a rule's hit: the one place a track id takes its wire form."""
        return Event(
            type=_KINDS[hit.kind], time=self.start + timedelta(seconds=frame.time_s),
            severity=Severity.HIGH if hit.kind != "loitering" else Severity.MEDIUM, sensor=self.camera,
            zone=hit.rule, object_id=str(track),
            object_class=_object_class(self.track_class(hit.track)),
            position=Position(x=round(hit.x, 1), y=round(hit.y, 1)),
            detail={**hit.detail, "frame": frame.index},
        )

    def status_event(self, change: StatusChange) -> Event:
        """The camera going offline or coming back, as an event."""
        return Event(
            type=EventType.SENSOR_ONLINE if change.online else EventType.SENSOR_OFFLINE,
            time=self.start + timedelta(seconds=change.time_s), severity=Severity.MEDIUM, sensor=self.camera,
            detail={"reason": change.reason} if change.reason else {},
        )

    def run(self, frames: Iterable[Frame | StatusChange], on_frame: Callable[[PipelineResult], None] | None = None,
            annotate: FrameHook | None = None, keep_tracks: bool = True) -> PipelineResult:
        """Run over an iterable of frames (a stream: until it is closed); ``self.result`` holds
        the figures so far, so an interrupted run keeps them.  ``keep_tracks``: keep every
        tracked box in ``result.tracks`` (for a MOTChallenge file); without it only the track
        count grows, so a stream watched for days holds its memory."""
        result = self.result = PipelineResult()
        t0 = time.perf_counter()
        for frame in frames:
            if isinstance(frame, StatusChange):
                result.events.append(self.status_event(frame))
                continue
            tracks, found = self.analyse(frame)
            result.frames += 1
            result.events.extend(f.event for f in found)
            result.track_ids.update(tracks.track_ids.tolist())
            if keep_tracks:  # a live stream runs for days: its boxes are kept only when asked for
                result.tracked.append(replace(tracks, frame=np.full(len(tracks), frame.index + 1, dtype=np.int64)))
            if annotate is not None:
                annotate(frame, tracks, found)
            result.seconds = time.perf_counter() - t0
            if on_frame is not None:
                on_frame(result)
        if isinstance(self.detector, MotionDetector):
            result.background_resets = self.detector.resets
        return result
