"""Multi-object tracking: OC-SORT online, and offline finishing for whole sequences.

Online, ``Tracker`` wraps the ``trackers`` package's OC-SORT (Apache-2.0): a track is
reported once it was matched in ``min_hits`` consecutive frames, and kept through
``lost_frames`` frames without a match.  Offline (``track_sequence``), nothing forces a
decision at each frame, so two things OC-SORT must give up online come back:

- retroactive confirmation: a track that reaches ``min_hits`` matches is reported from
  its first frame — the detection that started it — not from its ``min_hits``-th;
- bridged gaps: where the tracker lost an object and found it again (an occlusion, a
  missed detection), the frames between are filled by linear interpolation — only gaps
  the tracker itself bridged, so at most ``lost_frames`` long.

On TUD-Campus with public detections this lifts OC-SORT from HOTA 48.8 to 58.3
(``eval/mot.py``).  Nothing here identifies anyone: a track is an anonymous box over time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import supervision as sv
from trackers import OCSORTTracker

from ridgeline.vision.mot import Boxes

TrackRow = tuple[int, int, float, float, float, float]  # frame, id, x1, y1, x2, y2


@dataclass(frozen=True)
class TrackerSettings:
    """How tracks are started, kept and finished."""

    min_hits: int = 3  # OC-SORT's default confirmation
    lost_frames: int = 30  # OC-SORT's default lost-track buffer
    frame_rate: float = 30.0
    iou_threshold: float = 0.3  # OC-SORT's default
    high_confidence: float = 0.6  # OC-SORT's default


class Tracker:
    """Online tracking, one frame at a time."""

    def __init__(self, settings: TrackerSettings | None = None, confirm_online: bool = True) -> None:
        self.settings = s = settings or TrackerSettings()
        self._ocsort = OCSORTTracker(
            lost_track_buffer=s.lost_frames, frame_rate=s.frame_rate,
            minimum_consecutive_frames=s.min_hits if confirm_online else 1,
            minimum_iou_threshold=s.iou_threshold, high_conf_det_threshold=s.high_confidence,
        )

    def update(self, xyxy: np.ndarray, confidence: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(track id from 1, box) for the tracks matched in this frame."""
        dets = sv.Detections(
            xyxy=np.asarray(xyxy, dtype=np.float32).reshape(-1, 4),
            confidence=np.asarray(confidence, dtype=np.float32).reshape(-1),
            class_id=np.zeros(len(confidence), dtype=int),
        )
        out = self._ocsort.update(dets)
        if out.tracker_id is None:
            return []
        return [(int(t) + 1, b) for b, t in zip(out.xyxy, out.tracker_id, strict=True) if t is not None and t >= 0]


def track_sequence(
    detections: Boxes, settings: TrackerSettings | None = None, progress: Callable[[int], None] | None = None
) -> list[TrackRow]:
    """Track a whole sequence of detections and finish it offline (see the module docstring)."""
    settings = settings or TrackerSettings()
    tracker = Tracker(settings, confirm_online=False)
    matched: dict[int, list[TrackRow]] = {}
    last = int(detections.frame.max()) if len(detections) else 0
    for frame in range(1, last + 1):
        here = detections.at(frame)
        for tid, box in tracker.update(here.xyxy, here.conf):
            matched.setdefault(tid, []).append((frame, tid, *map(float, box)))  # type: ignore[arg-type]
        if progress is not None:
            progress(frame)
    rows: list[TrackRow] = []
    used: set[tuple[int, int]] = set()  # (frame, detection index) already in a track at birth
    for points in sorted(matched.values(), key=lambda pts: min(p[0] for p in pts)):
        if len(points) < settings.min_hits:
            continue  # never confirmed
        points.sort()
        birth = _birth(points, detections, settings.iou_threshold, used)
        rows.extend(_bridge(([birth] if birth else []) + points, settings.lost_frames))
    return sorted(rows)


def _birth(points: list[TrackRow], detections: Boxes, iou_threshold: float,
           used: set[tuple[int, int]]) -> TrackRow | None:
    """The detection that started a track, one frame before its first match.

    OC-SORT creates a track from an unmatched detection and reports it from its first
    match on; offline, that first detection is the one of the frame before that overlaps
    the track's first box, extrapolated one frame back, the most.
    """
    frame, tid = points[0][0], points[0][1]
    if frame <= 1:
        return None
    here = detections.at(frame - 1)
    if not len(here):
        return None
    first = np.array(points[0][2:])
    guess = first - (np.array(points[1][2:]) - first) if len(points) > 1 and points[1][0] == frame + 1 else first
    ious = _iou(guess, here.xyxy)
    best = int(np.argmax(ious))
    key = (frame - 1, best)
    if ious[best] < iou_threshold or key in used:
        return None
    used.add(key)
    x1, y1, x2, y2 = (float(v) for v in here.xyxy[best])
    return (frame - 1, tid, x1, y1, x2, y2)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return np.asarray(inter / np.maximum(area - inter, 1e-9))


def _bridge(points: list[TrackRow], max_gap: int) -> list[TrackRow]:
    """The track's matched frames with the gaps it bridged filled by linear interpolation."""
    out: list[TrackRow] = []
    for a, b in zip(points, [*points[1:], None], strict=True):
        out.append(a)
        if b is None or not 1 < b[0] - a[0] <= max_gap + 1:
            continue
        box_a, box_b = np.array(a[2:]), np.array(b[2:])
        for f in range(a[0] + 1, b[0]):
            w = (f - a[0]) / (b[0] - a[0])
            x1, y1, x2, y2 = (1 - w) * box_a + w * box_b
            out.append((f, a[1], float(x1), float(y1), float(x2), float(y2)))
    return out
