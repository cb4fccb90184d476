"""The video pipeline: frames -> motion -> tracks -> rules -> events, with its figures.

Wiring only: ``FrameSource`` decodes, ``MotionDetector`` finds moving blobs, ``Tracker``
follows them (confirmed after several matches, which is the detector's inertia), and
``TrackRules`` turns tracks into line crossings, intrusions and loitering.  Each hit
becomes an ``Event`` of the sync model, stamped with the video's clock.

Privacy masks black each frame before anything else sees it (detector, annotator,
snapshot), so a masked region is never analysed.  Every event gets one masked snapshot
(``take_snapshots`` hands them over) and, where a ``locate`` hook is given (pixel -> lon,
lat, e.g. ``geo.ground_locator``), a map position for its foot point.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from ridgeline.errors import VideoError
from ridgeline.model import Event, EventType, ObjectClass, Position, Severity, utc_now
from ridgeline.model.snapshot import MAX_JPEG_BYTES, MAX_WIDTH, Snapshot
from ridgeline.vision.detections import Detections, TrackId
from ridgeline.vision.detector import Detector
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.privacy import PrivacyMask, encode_jpeg
from ridgeline.vision.rules import Hit, TrackRules
from ridgeline.vision.tracking import Tracker
from ridgeline.vision.video import Frame, StatusChange

log = logging.getLogger(__name__)

#: pixel (x, y) -> (lon, lat) on the ground, or None where the pixel shows no ground
Locate = Callable[[float, float], tuple[float, float] | None]
#: snapshots kept for ``take_snapshots`` at most (a caller that never takes them holds no more)
_PENDING_SNAPSHOTS = 64

_KINDS = {"line_crossing": EventType.LINE_CROSSING, "zone_intrusion": EventType.ZONE_INTRUSION,
          "loitering": EventType.LOITERING}


def _object_class(name: str) -> ObjectClass:
    """The model's class for a detector's class name (anything unknown is plain motion)."""
    try:
        return ObjectClass(name)
    except ValueError:
        return ObjectClass.MOTION


def _statistics_without_masks(detector: Detector, privacy: PrivacyMask) -> None:
    """Let a motion detector leave the masks out of its frame statistics: a large black
    region would otherwise flatten its contrast and hide real motion elsewhere."""
    motion = detector if isinstance(detector, MotionDetector) else getattr(detector, "motion", None)
    if privacy and isinstance(motion, MotionDetector) and not motion.settings.masks:
        motion.settings = replace(motion.settings, masks=privacy.polygons)


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
                 masks: Sequence[Sequence[tuple[float, float]]] | PrivacyMask = (),
                 locate: Locate | None = None) -> None:
        self.detector = detector
        self.tracker = tracker
        self.rules = rules
        self.camera = camera
        self.start = start or utc_now()
        self._votes: dict[int, Counter[str]] = {}
        self.result = PipelineResult()
        self.snapshots = snapshots
        self.privacy = masks if isinstance(masks, PrivacyMask) else PrivacyMask(masks)
        self.locate = locate
        _statistics_without_masks(self.detector, self.privacy)
        self._pending: deque[Snapshot] = deque(maxlen=_PENDING_SNAPSHOTS)
        self.masked_frame: Frame | None = None  # the last frame as the stages saw it (masked)

    def step(self, frame: Frame) -> tuple[Detections, list[Event]]:
        """One frame: confirmed tracks and the events they caused (each naming its snapshot)."""
        tracks, found = self.analyse(frame)
        return tracks, [f.event for f in found]

    def mask(self, frame: Frame) -> Frame:
        """The frame with its privacy masks black in every plane (the frame itself if none)."""
        if not self.privacy:
            return frame
        return replace(frame, luma=self.privacy.apply(frame.luma),
                       bgr=None if frame.bgr is None else self.privacy.apply(frame.bgr))

    def take_snapshots(self) -> list[Snapshot]:
        """The snapshots made for events since the last call, oldest first."""
        out = list(self._pending)
        self._pending.clear()
        return out

    def analyse(self, frame: Frame) -> tuple[Detections, list[TrackEvent]]:
        """One frame: confirmed tracks (``class_name`` each track's class so far) and the
        events they caused, each with its track and its snapshot (the frame masked first)."""
        frame = self.masked_frame = self.mask(frame)
        detections = self.detector.detect(frame.luma, frame.bgr)
        tracks = self.tracker.update(detections, frame.time_s)
        self._vote(tracks, detections)
        tracks = replace(tracks, class_name=np.array([self.track_class(t) for t in tracks.track_ids.tolist()],
                                                     dtype=object))
        found = []
        for hit in self.rules.update(tracks, frame.time_s, born=self.tracker.births):
            track = TrackId(self.camera, hit.track)
            found.append(TrackEvent(track, self._event(hit, track, frame)))
        return tracks, [replace(f, event=self._with_snapshot(frame, f, tracks)) for f in found]

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

    def _with_snapshot(self, frame: Frame, found: TrackEvent, tracks: Detections) -> Event:
        """The event naming its snapshot (kept for ``take_snapshots``, and written to the
        snapshot folder if there is one); the event alone if the image cannot be made."""
        try:
            snap = self._snapshot(frame, found, tracks)
        except VideoError as exc:  # an event is never lost for want of its image
            log.warning("%s: no snapshot for event %s: %s", self.camera, found.event.id, exc)
            return found.event
        self._pending.append(snap)
        if self.snapshots is not None:
            self.snapshots.mkdir(parents=True, exist_ok=True)
            (self.snapshots / f"{snap.id}.jpg").write_bytes(snap.image())
        return found.event.model_copy(update={"snapshot": snap.id})

    def _snapshot(self, frame: Frame, found: TrackEvent, tracks: Detections) -> Snapshot:
        """A JPEG of the (already masked) frame, scaled to at most ``MAX_WIDTH`` wide, the
        track boxed, the masks blacked again on whole blocks so compression keeps them 0."""
        img = frame.bgr.copy() if frame.bgr is not None else cv2.cvtColor(frame.luma, cv2.COLOR_GRAY2BGR)
        for box in tracks.xyxy[tracks.track_ids == found.track.number]:
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            cv2.rectangle(img, (x1, y1), (x2, y2), (0, 0, 255), 2)
        h, w = img.shape[:2]
        scale = min(1.0, MAX_WIDTH / w)
        if scale < 1.0:
            img = cv2.resize(img, (MAX_WIDTH, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        jpeg = encode_jpeg(img, self.privacy, scale, max_bytes=MAX_JPEG_BYTES)
        return Snapshot.of_jpeg(jpeg, event=found.event.id, sensor=self.camera, time=found.event.time,
                                width=img.shape[1], height=img.shape[0])

    def _position(self, hit: Hit) -> Position:
        """The hit's pixel (its foot point) and, where the locate hook finds ground there, its place."""
        where = self.locate(hit.x, hit.y) if self.locate is not None else None
        lon, lat = where if where is not None else (None, None)
        return Position(x=round(hit.x, 1), y=round(hit.y, 1), lon=lon, lat=lat)

    def _event(self, hit: Hit, track: TrackId, frame: Frame) -> Event:
        """The event of a rule's hit: the one place a track id takes its wire form."""
        return Event(
            type=_KINDS[hit.kind], time=self.start + timedelta(seconds=frame.time_s),
            severity=Severity.HIGH if hit.kind != "loitering" else Severity.MEDIUM, sensor=self.camera,
            zone=hit.rule, object_id=str(track),
            object_class=_object_class(self.track_class(hit.track)),
            position=self._position(hit),
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
                annotate(self.masked_frame or frame, tracks, found)
            result.seconds = time.perf_counter() - t0
            if on_frame is not None:
                on_frame(result)
        if isinstance(self.detector, MotionDetector):
            result.background_resets = self.detector.resets
        return result
