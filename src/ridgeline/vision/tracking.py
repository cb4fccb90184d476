"""Multi-object tracking: OC-SORT online, and offline finishing for whole sequences.

Online, ``Tracker`` wraps the ``trackers`` package's OC-SORT (Apache-2.0): a track is
reported once it was matched in ``min_hits`` consecutive frames (in the first frames too,
where OC-SORT itself confirms at once), and kept through ``lost_frames`` frames without a
match; optionally it keeps people whose motion blobs merge apart (``share_merged``, see
``Tracker``); and it says, for each track reported for the first time, the box it started
from (``Tracker.births``), for the rules to place it on the side of a line where it was first
seen.  Offline (``track_sequence``), nothing forces a
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
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import supervision as sv
from trackers import OCSORTTracker
from trackers.utils.iou import BaseIoU, DIoU, GIoU, IoU

from ridgeline.vision.detections import Detections

_Row = tuple[int, int, float, float, float, float]  # frame, track, x1, y1, x2, y2: a track's point, offline
Similarity = Literal["iou", "diou", "giou"]


def _similarity(name: Similarity) -> BaseIoU:
    """The box similarity OC-SORT matches with: IoU, or DIoU/GIoU that also score boxes apart."""
    return DIoU() if name == "diou" else GIoU() if name == "giou" else IoU()


@dataclass(frozen=True)
class TrackerSettings:
    """How tracks are started, kept and finished."""

    min_hits: int = 3  # OC-SORT's default confirmation
    lost_frames: int = 30  # OC-SORT's default lost-track buffer (frames at 30 fps, scaled to frame_rate online)
    frame_rate: float = 30.0
    iou_threshold: float = 0.3  # OC-SORT's default
    high_confidence: float = 0.6  # OC-SORT's default
    similarity: Similarity = "iou"  # box similarity for matching; "diou" also weighs the centres' distance
    timed: bool = False  # step the motion model by the frames' clock, so dropped frames count as time passed
    share_merged: bool = False  # a box that swallowed two or more people's tracks is shared among them

    @classmethod
    def profile(cls, name: Literal["default", "thermal"], **changes: Any) -> TrackerSettings:
        """The settings of a named profile, with ``changes`` (e.g. ``frame_rate``) applied.

        ``default``: OC-SORT's own defaults (``TrackerSettings()``, as ``eval/mot.py`` scores
        it) but matching by DIoU at 0.1, as ``thermal`` does and for its reason: a motion box
        changes shape as the parts of a car join and come apart again (``MotionSettings.parts``),
        and the part that goes on must still match the track whose centre it is near, not
        start a new one that is confirmed only after it crossed the line (on
        ``road_320x240_60fps.avi``, ``eval/road.py``: one car more, 26 of 27 before ``apart``).
        ``thermal``: people on foot seen by a fixed
        thermal camera through the motion detector's ``thermal`` profile — slow walkers whose
        boxes change shape as head, coat and legs come and go, who stop, and who pass each
        other.  Set on the VOT-TIR "birds" clip (``eval/thermal.py``):

        - ``min_hits`` 4: a bird crossing the trees or a one-off fragment is never confirmed;
        - ``lost_frames`` 60 (2 s): a person hidden behind another, or standing still long
          enough to fade into the background, keeps their track;
        - DIoU at 0.1: a box that shrank to the legs or grew by a waved coat still matches
          the track whose centre it is near, rather than starting a new one;
        - ``high_confidence`` 0.5: every motion box counts (their confidences start at 0.5);
        - ``timed``: a gap in the frames is a gap in time for the motion model;
        - ``share_merged``: two people whose motion blobs touch (walking side by side, one
          passing behind the other) keep their own tracks instead of one taking both.
        """
        if name == "default":
            base = cls(similarity="diou", iou_threshold=0.1)
        elif name == "thermal":
            base = cls(min_hits=4, lost_frames=60, iou_threshold=0.1, high_confidence=0.5, similarity="diou",
                       timed=True, share_merged=True)
        else:
            raise ValueError(f"unknown tracker profile {name!r}: expected default or thermal")
        return replace(base, **changes) if changes else base


@dataclass
class _Seen:
    """What the tracker keeps of a reported track, for sharing merged boxes."""

    box: np.ndarray  # its last box
    step: int  # the update that reported it last
    measured: int  # the last update that gave it a box of its own, not a share
    velocity: np.ndarray  # smoothed change of the box per update
    group: np.ndarray | None = None  # the merged box it was last shared in
    grouped: int = -1  # and when
    mates: tuple[int, ...] = ()  # the other tracks that box was shared with


class Tracker:
    """Online tracking, one frame at a time.

    With ``share_merged``, people whose motion blobs merge keep their tracks:

    - a detection that covers the predicted boxes of two or more confirmed tracks, each
      about as tall as the detection and each measured on its own within the lost-track
      buffer, and is wider than any of them by 30 % (people side by side or passing,
      not one person's head and legs, nor one person whose lost neighbour's prediction
      lingers on them), is replaced by one box per track: its predicted box moved inside
      the detection;
    - a track that comes out of such a group as a new track (its old one lost while hidden)
      takes the old one's id: a new track confirmed beside the group — the merged box it
      was last shared in, or its group-mates still seen now — by at most the lost
      member's width, within the lost-track buffer, is that member.

    Motion detectors merge people whose blobs touch; without this the merged box goes to
    one track and the other is lost, or taken over when they part.  A track is still an
    anonymous box over time: nothing but boxes and their timing is used.
    """

    def __init__(self, settings: TrackerSettings | None = None, confirm_online: bool = True) -> None:
        self.settings = s = settings or TrackerSettings()
        self._ocsort = OCSORTTracker(
            lost_track_buffer=s.lost_frames, frame_rate=s.frame_rate,
            minimum_consecutive_frames=s.min_hits if confirm_online else 1,
            minimum_iou_threshold=s.iou_threshold, high_conf_det_threshold=s.high_confidence,
            iou=_similarity(s.similarity),
        )
        self._seen: dict[int, _Seen] = {}
        self._alias: dict[int, int] = {}  # OC-SORT's id (from 1) -> the id reported for it
        self._newest = 0  # the highest OC-SORT id reported so far (it numbers tracks as it confirms them)
        self._hits: dict[int, int] = {}  # matches so far of the tracks not yet confirmed
        self._confirm = s.min_hits if confirm_online else 1
        self._step = 0
        self._first: dict[int, tuple[object, np.ndarray]] = {}  # id() of a live OC-SORT tracklet -> it, its first box
        self._reported: set[int] = set()  # the OC-SORT ids of live tracklets reported so far
        self.births: dict[int, np.ndarray] = {}  # tracks the last update reported first -> the box each started from

    def update(self, detections: Detections, time_s: float | None = None) -> Detections:
        """The boxes of the tracks matched in this frame, each with its track number (from
        1) and its detection's confidence and class; ``time_s``, the frame's time, is used
        where the settings say ``timed``."""
        self._step += 1
        self.births = {}
        boxes = np.asarray(detections.xyxy, dtype=np.float32).reshape(-1, 4)
        conf = np.asarray(detections.confidence, dtype=np.float32).reshape(-1)
        names = detections.class_name
        shared = np.zeros(len(boxes), dtype=bool)
        if self.settings.share_merged and self._seen and len(boxes):
            boxes, conf, names, shared = self._share(boxes, conf, names)
        dets = sv.Detections(xyxy=boxes, confidence=conf, class_id=np.zeros(len(conf), dtype=int),
                             data={"shared": shared, "class_name": names})
        out = self._ocsort.update(dets, timestamp=time_s if self.settings.timed else None)
        first = self._first_boxes()
        if out.tracker_id is None:
            return Detections.empty(tracked=True)
        n = len(out.xyxy)
        rows = [i for i, t in enumerate(out.tracker_id) if t is not None and t >= 0 and self._confirmed(int(t) + 1)]
        ids = raw = [int(out.tracker_id[i]) + 1 for i in rows]
        if self.settings.share_merged:
            was_shared = np.asarray(out.data.get("shared", np.zeros(n, dtype=bool)))
            ids = self._follow(ids, out.xyxy[rows], was_shared[rows].tolist())
        for r, tid in zip(raw, ids, strict=True):
            if r not in self._reported:
                self._reported.add(r)
                if tid == r and r in first:  # (a member who came out of a group goes on: no birth)
                    self.births[tid] = first[r]
        out_conf = out.confidence if out.confidence is not None else np.ones(n, dtype=np.float32)
        out_names = np.asarray(out.data.get("class_name", np.full(n, "motion", dtype=object)), dtype=object)
        return Detections(out.xyxy[rows].reshape(-1, 4), out_conf[rows], out_names[rows],
                          np.asarray(ids, dtype=np.int64))

    def _first_boxes(self) -> dict[int, np.ndarray]:
        """The box each confirmed OC-SORT tracklet started from, by its id (from 1).

        OC-SORT reports a track only once it has been matched ``min_hits`` times; a fast
        object has moved on by then (a car confirmed past the line it crossed while still
        tentative).  Each tracklet's first box is kept from the update that created it, so
        the rules can place a newly reported track where it was first seen."""
        live = {id(t): t for t in self._ocsort.tracks}
        self._first = {k: v for k, v in self._first.items() if k in live and v[0] is live[k]}
        for k, t in live.items():
            if k not in self._first:
                self._first[k] = (t, np.asarray(t.last_observation, dtype=np.float64).copy())
        confirmed = {t.tracker_id + 1: self._first[id(t)][1] for t in live.values() if t.tracker_id >= 0}
        self._reported &= set(confirmed)
        return confirmed

    def _follow(self, ids: list[int], boxes: np.ndarray, shared: list[bool]) -> list[int]:
        """The ids to report for OC-SORT's tracks (``share_merged``): a member who comes out
        of a group as a new track keeps its old id; and what is remembered of each."""
        found = list(zip(ids, boxes, shared, strict=True))
        now = {self._alias.get(t, t): box for t, box, _sh in found}
        for t, box, _sh in sorted(found, key=lambda f: f[0]):
            if t > self._newest:
                self._newest = t
                self._emerged(t, box, now)
        found = [(self._alias.get(t, t), box, sh) for t, box, sh in found]
        self._remember(found)
        return [t for t, _box, _sh in found]

    def _confirmed(self, tid: int) -> bool:
        """Whether a track OC-SORT reports has been matched ``min_hits`` times: OC-SORT
        itself confirms every track of its first ``min_hits`` frames at once, which for
        motion boxes are often the ghosts of things that stood there when the camera started."""
        if tid not in self._hits:
            if self._step > self._confirm + 1:
                return True  # past its first frames OC-SORT reports confirmed tracks only
            self._hits[tid] = 0
        if self._hits[tid] >= self._confirm:
            return True
        self._hits[tid] += 1
        return self._hits[tid] >= self._confirm

    def _share(self, boxes: np.ndarray, conf: np.ndarray, names: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The detections (boxes, confidences, classes, and whether each is a share) with each
        one that swallowed several tracks replaced by their shares."""
        horizon = self._ocsort.maximum_frames_without_update
        predicted = [(tid, seen.box + seen.velocity * min(self._step - seen.step, 3))
                     for tid, seen in self._seen.items() if self._step - seen.measured <= horizon]
        out_boxes, out_conf, out_names, shared = [], [], [], []
        taken: set[int] = set()
        for det, c, name in zip(boxes, conf, names, strict=True):
            height = det[3] - det[1]
            inside = [(tid, p) for tid, p in predicted if tid not in taken
                      and _covered(p, det) >= 0.5 and p[3] - p[1] >= 0.6 * height]
            widest = max((p[2] - p[0] for _t, p in inside), default=0.0)
            if len(inside) < 2 or det[2] - det[0] < 1.3 * widest:  # one person's box is no group
                out_boxes.append(det)
                out_conf.append(c)
                out_names.append(name)
                shared.append(False)
                continue
            for tid, p in inside:
                taken.add(tid)
                seen = self._seen[tid]
                seen.group, seen.grouped = det.astype(np.float64), self._step
                seen.mates = tuple(t for t, _p in inside if t != tid)
                out_boxes.append(_inside(p, det))
                out_conf.append(c)
                out_names.append(name)
                shared.append(True)
        return (np.asarray(out_boxes, dtype=np.float32), np.asarray(out_conf, dtype=np.float32),
                np.asarray(out_names, dtype=object), np.asarray(shared, dtype=bool))

    def _emerged(self, new: int, box: np.ndarray, now: dict[int, np.ndarray]) -> None:
        """A newly confirmed track beside the group a lost member was last shared in — the
        group's box then, or where its members still seen are now — is that member."""
        horizon = self._ocsort.maximum_frames_without_update
        best, gap_best = None, np.inf
        for tid, seen in self._seen.items():
            if tid in now or seen.group is None or self._step - seen.grouped > horizon:
                continue
            for g in [seen.group, *(now[m] for m in seen.mates if m in now)]:
                gap = max(g[0] - box[2], box[0] - g[2], 0.0)
                beside = min(g[3], box[3]) > max(g[1], box[1])
                if beside and gap <= seen.box[2] - seen.box[0] and gap < gap_best:
                    best, gap_best = tid, gap
        if best is None:
            return
        old = next((t for t, r in self._alias.items() if r == best), best)
        self._alias[new] = best
        # the member's old OC-SORT track must not come back under the same id
        self._ocsort.tracks = [t for t in self._ocsort.tracks if t.tracker_id + 1 != old]
        self._seen[best].group = None

    def _remember(self, found: list[tuple[int, np.ndarray, bool]]) -> None:
        """Keep each reported track's box and velocity (a share's velocity only decays:
        its box was the tracker's guess, not a measurement)."""
        for tid, box, was_shared in found:
            box = np.asarray(box, dtype=np.float64)
            before = self._seen.get(tid)
            if before is None:
                self._seen[tid] = _Seen(box, self._step, self._step, np.zeros(4))
                continue
            if was_shared:
                before.velocity = 0.8 * before.velocity
            else:
                before.velocity = 0.7 * before.velocity + 0.3 * (box - before.box) / max(self._step - before.step, 1)
                before.measured = self._step
            before.box, before.step = box, self._step
        horizon = self._ocsort.maximum_frames_without_update
        self._seen = {t: s for t, s in self._seen.items() if self._step - s.step <= horizon}
        live = {t.tracker_id + 1 for t in self._ocsort.tracks}  # a live camera makes new tracks for ever
        self._alias = {t: r for t, r in self._alias.items() if t in live}


def _covered(box: np.ndarray, by: np.ndarray) -> float:
    """The share of ``box`` inside ``by``."""
    inter = max(0.0, min(box[2], by[2]) - max(box[0], by[0])) * max(0.0, min(box[3], by[3]) - max(box[1], by[1]))
    area = (box[2] - box[0]) * (box[3] - box[1])
    return float(inter / area) if area > 0 else 0.0


def _inside(box: np.ndarray, within: np.ndarray) -> np.ndarray:
    """``box`` moved sideways into ``within`` (and cut to it where it is larger)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    shift = max(within[0] - x1, 0.0) + min(within[2] - x2, 0.0)
    x1, x2 = max(x1 + shift, float(within[0])), min(x2 + shift, float(within[2]))
    return np.array([x1, max(y1, float(within[1])), x2, min(y2, float(within[3]))], dtype=np.float32)


def track_sequence(
    detections: Detections, settings: TrackerSettings | None = None, progress: Callable[[int], None] | None = None
) -> Detections:
    """Track a whole sequence of detections (with their ``frame`` column) and finish it
    offline (see the module docstring): the tracks' boxes, with frame and track number."""
    settings = settings or TrackerSettings()
    tracker = Tracker(settings, confirm_online=False)
    matched: dict[int, list[_Row]] = {}
    last = int(detections.frames.max()) if len(detections) else 0
    for frame in range(1, last + 1):
        found = tracker.update(detections.at(frame))
        for tid, box in zip(found.track_ids.tolist(), found.xyxy, strict=True):
            x1, y1, x2, y2 = (float(v) for v in box)
            matched.setdefault(tid, []).append((frame, tid, x1, y1, x2, y2))
        if progress is not None:
            progress(frame)
    rows: list[_Row] = []
    used: set[tuple[int, int]] = set()  # (frame, detection index) already in a track at birth
    for points in sorted(matched.values(), key=lambda pts: min(p[0] for p in pts)):
        if len(points) < settings.min_hits:
            continue  # never confirmed
        points.sort()
        birth = _birth(points, detections, settings.iou_threshold, used)
        rows.extend(_bridge(([birth] if birth else []) + points, settings.lost_frames))
    if not rows:
        return Detections.empty(tracked=True, sequence=True)
    a = np.asarray(sorted(rows), dtype=np.float64)
    return Detections.of(a[:, 2:], tracker_id=a[:, 1], frame=a[:, 0])


def _birth(points: list[_Row], detections: Detections, iou_threshold: float,
           used: set[tuple[int, int]]) -> _Row | None:
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


def _bridge(points: list[_Row], max_gap: int) -> list[_Row]:
    """The track's matched frames with the gaps it bridged filled by linear interpolation."""
    out: list[_Row] = []
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
