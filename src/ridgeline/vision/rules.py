"""Rules on tracks in the image: line crossing with direction, zone intrusion, loitering.

A track's place is its box's bottom centre (where a person or a vehicle touches the
ground).  A crossing counts when that point goes from one side of the line to the other
beyond a small dead band (so jitter on the line is not a crossing), stays there for the
line's ``inertia`` consecutive frames of that track (so a box that flickers across the
line — a person's box grown by a waved arm, a fragment — is not a crossing), and the
point where it settles lies between the line's ends.  A track the tracker confirmed only
after it crossed (a fast car, tentative for its first matches) starts on the side where it
was first seen, which the tracker hands over (``Tracker.births``), so that crossing counts.  An intrusion counts after
``inertia`` consecutive frames inside the zone, once per visit; loitering after
``seconds`` inside, once per visit.  Objects smaller than ``min_height`` pixels are ignored;
a track slower than ``min_speed`` (its ground point's pixels per second, smoothed) crosses no
line and intrudes in no zone — a swaying bush or a flag is not an intruder — though it may
loiter.  A rule with ``classes`` applies only to tracks of those classes (``person``,
``vehicle``…: the tracks' ``class_name``, which the pipeline sets to the detector's class
by majority over the track's life).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from ridgeline.vision.detections import Detections

Direction = Literal["any", "left_to_right", "right_to_left"]


@dataclass(frozen=True)
class LineRule:
    """A tripwire from p1 to p2; left and right as seen on the screen facing from p1 to p2."""

    id: str
    p1: tuple[float, float]
    p2: tuple[float, float]
    direction: Direction = "any"
    dead_band: float = 3.0
    inertia: int = 1  # frames a track must stay on the new side before the crossing counts
    classes: tuple[str, ...] = ()  # only tracks of these classes; empty: any


@dataclass(frozen=True)
class ZoneRule:
    """A polygon watched for intrusion (after ``inertia`` frames) and loitering (after ``loiter_s``)."""

    id: str
    polygon: tuple[tuple[float, float], ...]
    inertia: int = 3
    loiter_s: float | None = None
    classes: tuple[str, ...] = ()  # only tracks of these classes; empty: any


@dataclass(frozen=True)
class Hit:
    """What a rule found: kind (line_crossing, zone_intrusion, loitering), rule, track (the
    tracker's number), where (the track's ground point in pixels), detail."""

    kind: str
    rule: str
    track: int
    x: float
    y: float
    detail: dict[str, str | float]


@dataclass
class _TrackState:
    seen: float = 0.0
    side: dict[str, float] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)  # frames on the other side so far, per line
    last: tuple[float, float] | None = None
    speed: float = 0.0  # ground-point speed, pixels per second, smoothed
    inside: dict[str, int] = field(default_factory=dict)
    entered: dict[str, float] = field(default_factory=dict)
    reported: set[tuple[str, str]] = field(default_factory=set)


class TrackRules:
    """Applies lines and zones to the tracks of one camera."""

    def __init__(self, lines: list[LineRule] | None = None, zones: list[ZoneRule] | None = None,
                 min_height: float = 0.0, forget_s: float = 60.0, min_speed: float = 0.0) -> None:
        self.lines = lines or []
        self.min_speed = min_speed
        self.forget_s = forget_s  # a track unseen this long is gone: its state is dropped
        self.zones = zones or []
        self.min_height = min_height
        self._state: dict[int, _TrackState] = {}
        self._polys = {z.id: np.asarray(z.polygon, dtype=np.float32) for z in self.zones}

    def update(self, tracks: Detections, time_s: float, born: Mapping[int, np.ndarray] | None = None) -> list[Hit]:
        """The hits of this frame's tracks (boxes with ``tracker_id``; ``class_name`` is each
        track's class, ``motion`` where it has none).  ``born``: for tracks reported for the
        first time, the box each started from (``Tracker.births``): a track confirmed only
        after it crossed a line starts on the side it was first seen on, so that crossing
        counts (its speed is measured from this frame on)."""
        hits: list[Hit] = []
        foot, height = tracks.foot.tolist(), tracks.height.tolist()
        for i, tid in enumerate(tracks.track_ids.tolist()):
            if height[i] < self.min_height:
                continue
            px, py = foot[i]
            if tid not in self._state and born is not None and tid in born:
                self._state[tid] = self._born(born[tid], str(tracks.class_name[i]), tid, time_s)
            st = self._state.setdefault(tid, _TrackState())
            if st.last is not None and time_s > st.seen:
                step = float(np.hypot(px - st.last[0], py - st.last[1])) / (time_s - st.seen)
                st.speed += 0.3 * (step - st.speed)
            st.seen = time_s
            kind = str(tracks.class_name[i])
            slow = st.last is None or st.speed < self.min_speed
            for line in self.lines:
                if line.classes and kind not in line.classes:
                    continue
                hit = self._line(line, st, tid, px, py, quiet=slow)
                if hit is not None:
                    hits.append(hit)
            for zone in self.zones:
                if zone.classes and kind not in zone.classes:
                    continue
                hits.extend(self._zone(zone, st, tid, px, py, time_s, quiet=slow))
            st.last = (px, py)
        if len(self._state) > 64:  # a live camera sees new tracks for ever: keep only recent ones
            self._state = {t: s for t, s in self._state.items() if time_s - s.seen <= self.forget_s}
        return hits

    def _born(self, box: np.ndarray, kind: str, tid: int, time_s: float) -> _TrackState:
        """A track's state placed where it started: its side of each line it may cross."""
        st = _TrackState(seen=time_s)
        bx, by = (float(box[0]) + float(box[2])) / 2.0, float(box[3])
        for line in self.lines:
            if not line.classes or kind in line.classes:
                self._line(line, st, tid, bx, by)
        st.last = (bx, by)
        return st

    def _line(self, line: LineRule, st: _TrackState, tid: int, px: float, py: float,
              quiet: bool = False) -> Hit | None:
        (ax, ay), (bx, by) = line.p1, line.p2
        length = max(float(np.hypot(bx - ax, by - ay)), 1e-9)
        # signed distance in image pixels (y grows downwards): positive on the right of p1->p2
        # as seen on the screen, negative on its left
        d = ((bx - ax) * (py - ay) - (by - ay) * (px - ax)) / length
        side = 1.0 if d > line.dead_band else (-1.0 if d < -line.dead_band else 0.0)
        before = st.side.get(line.id)
        if before is None or st.last is None:
            if side != 0.0:
                st.side[line.id] = side
            return None
        if side == 0.0:
            return None
        if side == before:
            st.pending.pop(line.id, None)
            return None
        held = st.pending.get(line.id, 0) + 1
        if held < line.inertia:
            st.pending[line.id] = held
            return None
        st.pending.pop(line.id, None)
        st.side[line.id] = side
        # where the track settled on the new side must lie between the line's ends
        t = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / (length * length)
        if not 0.0 <= t <= 1.0:
            return None
        direction = "left_to_right" if before < side else "right_to_left"
        if quiet or (line.direction != "any" and direction != line.direction):
            return None  # (a track too slow still changes side: it must cross again to count)
        return Hit("line_crossing", line.id, tid, px, py, {"direction": direction})

    def _zone(self, zone: ZoneRule, st: _TrackState, tid: int, px: float, py: float, time_s: float,
              quiet: bool = False) -> list[Hit]:
        inside = cv2.pointPolygonTest(self._polys[zone.id], (px, py), False) >= 0
        if not inside:
            st.inside.pop(zone.id, None)
            st.entered.pop(zone.id, None)
            st.reported.discard((zone.id, "zone_intrusion"))
            st.reported.discard((zone.id, "loitering"))
            return []
        n = st.inside.get(zone.id, 0) + 1
        st.inside[zone.id] = n
        st.entered.setdefault(zone.id, time_s)
        hits = []
        if n >= zone.inertia and not quiet and (zone.id, "zone_intrusion") not in st.reported:
            st.reported.add((zone.id, "zone_intrusion"))
            hits.append(Hit("zone_intrusion", zone.id, tid, px, py, {}))
        waited = time_s - st.entered[zone.id]
        if zone.loiter_s is not None and waited >= zone.loiter_s and (zone.id, "loitering") not in st.reported:
            st.reported.add((zone.id, "loitering"))
            hits.append(Hit("loitering", zone.id, tid, px, py, {"seconds": round(waited, 1)}))
        return hits
