"""Motion detection built for night and thermal video.

Each frame is shrunk to a small luma image and normalised for contrast (its own mean and
spread), so an infrared switch or a gain change does not look like motion.  A running
average is the background; pixels that differ from it by more than ``threshold`` standard
units are foreground, but never more than ``max_levels`` grey levels apart: the frame's spread
measures how contrasted the whole scene is (dark woods beside a bright road widen it), not how
much a car differs from the road it drives on, and in such a scene 2.5 units is more than a
grey car's whole contrast.  Speckle (rain, snow, sensor noise, insects close to the lens) is
removed by a median filter and a morphological opening, and blobs smaller than
``min_area`` (in full-resolution pixels) are dropped.  When a large share of the frame
changes at once — a light switched, lightning, the camera moved or shook — the background
is reset to the new frame and nothing is reported for that frame.  Privacy masks are
polygons never analysed (and blacked out by whoever stores an image).

Optional stages, off in the ``default`` profile (whose behaviour they leave unchanged) and
on in the ``thermal`` one (``MotionSettings.profile("thermal")``), for a fixed thermal
camera watching people on foot — warm heads and legs, often a cold coat between, slow,
large in the frame, sometimes side by side, and often already in view when it starts:

- a turn test: a shift of the whole view against the background by more than
  ``turn_px`` (found by phase correlation, and matching clearly more of the frame than
  no shift) resets the background, however little of the frame the shift makes
  foreground — with a low threshold and jitter tolerance, that share is no longer a
  reliable sign of a moved camera;
- robust contrast: the frame is normalised by its median and inter-quartile spread
  rather than its mean and standard deviation, so warm people close to the camera do not
  change the scale of the whole frame (the camera's own gain changes still cancel), and
  a whole-frame change is judged by the median difference from the background rather
  than the mean, so one very warm person on a flat, cool night background is not one;
- jitter tolerance: a pixel is foreground only when it differs from *every* background
  pixel within ``jitter`` analysis pixels (the background's local minimum and maximum),
  so a camera shaking by a pixel or two and branches swaying in the wind are not motion,
  while a person, many pixels wide, still is;
- a per-pixel noise model: where the background itself keeps changing (leaves, water,
  heat shimmer) the threshold rises to ``noise_k`` times that pixel's learnt spread;
- selective update: the background (and its noise) is not learnt under foreground, so a
  slow walker is not absorbed into it;
- ghosts: a blob whose outline is an edge of the background but not of the frame
  (``ghost_edges`` times weaker there) is where something stood and left — the camera
  started with someone in view — and is taken into the background at once; any
  foreground pixel that has not changed for ``absorb_frames`` frames is taken in too;
- an upright join: the closing that joins the parts of one blob is ``join_height`` tall
  and ``join`` wide, and blobs stacked one above the other (``stack_gap``) are one, so a
  person's warm head and warm legs with a cold coat between become one box;
- people side by side: a blob whose column profile dips below ``split_valley`` times the
  peaks on either side is split there (two people whose blobs touch by an arm or a coat).

In both profiles boxes are merged only when they overlap by more than ``merge_overlap`` of
the smaller, not when they merely touch: two people side by side, or two cars in adjacent
lanes seen in perspective, touch; the fragments of one object overlap.

One stage is on in the ``default`` profile and off in the ``thermal`` one: parts that move
as one (``parts``, ``ridgeline.vision.parts``).  Seen from above, a car whose plain roof is
as grey as the road is two blobs, bonnet and boot; blobs whose optical flow agrees and
that lie one behind the other along their motion, close for their size, are one box.
People on foot are joined upright instead (``stack_gap``): two slow walkers one ahead of
the other move alike within the flow's precision, and the stage would join them.  With it
runs its converse (``ridgeline.vision.apart``): the moving objects of one frame, carried to
the next by their velocities, are cut apart again where one blob holds two of them side by
side — a car beside a truck whose shadow reaches it.

Detections are boxes in full-resolution pixels; persistence over frames (inertia) is the
tracker's job (a track is confirmed after several matches).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import cv2
import numpy as np

from ridgeline.vision.apart import Carried, Piece, box_of, carry, cut
from ridgeline.vision.detections import Detections
from ridgeline.vision.parts import PartSettings, objects, velocities

Profile = Literal["default", "thermal"]
PROFILES: tuple[Profile, ...] = ("default", "thermal")


@dataclass(frozen=True)
class MotionSettings:
    """How sensitive the detector is, and which optional stages run (see the module docstring)."""

    height: int = 180  # analysis height in pixels (width follows the aspect)
    threshold: float = 2.5  # foreground: difference from the background in contrast units
    learning_rate: float = 0.02  # background update per frame
    min_area: int = 300  # smallest blob, full-resolution pixels
    reset_fraction: float = 0.25  # share of the frame in the foreground at once that resets the background
    reset_mean: float = 1.0  # mean (median if robust_contrast) difference over the frame that resets it too
    median: int = 5  # median filter size on the analysis image (odd)
    join: int = 5  # blobs closer than this (analysis pixels) become one (``parts`` joins a car's bonnet and boot)
    masks: tuple[tuple[tuple[float, float], ...], ...] = field(default=())  # privacy polygons, full-res pixels
    robust_contrast: bool = False  # normalise by median and inter-quartile spread instead of mean and std
    jitter: int = 0  # analysis pixels of shake or sway tolerated (local min/max of the background); 0: off
    noise_k: float = 0.0  # threshold at least noise_k x the pixel's learnt spread; 0: off
    selective: bool = False  # the background is not learnt under foreground
    absorb_frames: int = 0  # unchanging foreground joins the background after this many frames; 0: never
    join_height: int = 0  # height of the joining closing (analysis pixels); 0: as wide as ``join``
    ghost_edges: float = 0.0  # a blob whose outline is this much weaker in the frame than the background: gone; 0: off
    split_valley: float = 0.0  # split a blob where its column profile dips below this share of its peaks; 0: off
    merge_overlap: float = 0.3  # merge boxes overlapping more than this share of the smaller; 0: any touch
    stack_gap: float = 0.0  # blobs one above the other this close (share of their joint height) are one; 0: off
    max_levels: float = 40.0  # the threshold never exceeds this many grey levels (8-bit luma); 0: no cap
    turn_px: float = 0.0  # a shift of the whole view beyond this (analysis pixels) resets the background; 0: off
    parts: PartSettings | None = field(default_factory=PartSettings)  # join blobs moving as one (parts.py); None: off

    @classmethod
    def profile(cls, name: Profile, **changes: Any) -> MotionSettings:
        """The settings of a named profile, with ``changes`` (e.g. ``masks``) applied.

        ``default``: visible-light day and night cameras, as the road tests measure them.
        Its threshold (2.5 units) was set on ``road_640x360.avi``, a washed-out scene whose
        unit is about 15 grey levels; ``max_levels`` (40) keeps about that sensitivity where a
        scene's spread is wider (``road_320x240_60fps.avi``: about 46 levels a unit, a car
        1-2.3 units from the road) rather than being tuned there (``eval/road.py`` says what
        else was tried).

        ``thermal``: a fixed thermal camera watching people on foot.  Its values were set
        on one real clip, VOT-TIR2015 "birds" (640 x 480, two people 10-20 m away, 150-210
        px tall, walking slowly across a park lawn; ``eval/thermal.py``), by looking at the
        foreground masks and boxes frame by frame and then at the evaluation's figures; the
        same script's docstring says how robust the result is to each of them.  Scale the
        pixel-sized ones (``height``, ``min_area``, ``join``, ``join_height``) with the
        size people appear at in other cameras.
        """
        if name == "default":
            return replace(cls(), **changes)
        if name != "thermal":
            raise ValueError(f"unknown motion profile {name!r}: expected one of {', '.join(PROFILES)}")
        thermal = cls(
            height=240,  # half of 480: a person 45 px wide stays 20+ analysis pixels wide
            threshold=1.0,  # a dark coat before a dark hedge differs by about one robust sigma
            min_area=600,  # full-res pixels: a person's legs at least, not a bird or a leaf
            join=5,  # 10 px: one person's legs join, two people a stride apart do not ...
            join_height=21,  # ... while a head, a shoulder and a hip 40 px apart do
            robust_contrast=True,
            jitter=1,  # 2 px at 480 lines: the shake the fault injector makes (up to 3 px) is absorbed
            noise_k=3.0,
            selective=True,
            ghost_edges=0.8,
            absorb_frames=20,  # about 1.5 s of unchanging foreground at the 12-15 fps analysed
            stack_gap=0.45,  # a cold coat may part head and legs by 45 % of the person's height
            split_valley=0.5,
            turn_px=4.0,  # 8 px at 480 lines: beyond the shake injected (3 px a side); a camera moved 10 px resets
            parts=None,  # slow walkers one ahead of the other move alike within the flow's precision: kept apart
        )
        return replace(thermal, **changes)


class MotionDetector:
    """Boxes of moving things, frame after frame."""

    def __init__(self, settings: MotionSettings | None = None) -> None:
        self.settings = settings or MotionSettings()
        self._background: np.ndarray | None = None
        self._variance: np.ndarray | None = None  # per-pixel spread of frame - background, where background
        self._static: np.ndarray | None = None  # frames each pixel has been unchanging foreground
        self._previous: np.ndarray | None = None  # the last analysed frame
        self._window: np.ndarray | None = None  # the Hanning window of the turn test
        self._scale = 1.0
        self._mask: np.ndarray | None = None
        self.resets = 0
        self._threshold = self.settings.threshold
        self._carried: list[Carried] = []  # the moving objects of the last frame, moved on by their velocity

    def _prepare(self, luma: np.ndarray) -> np.ndarray:
        h, w = luma.shape
        s = self.settings
        self._scale = h / s.height
        step = max(h // (2 * s.height), 1)  # a large frame is first thinned to every step-th pixel
        small = cv2.resize(luma[::step, ::step], (max(int(round(w / self._scale)), 1), s.height),
                           interpolation=cv2.INTER_AREA)
        if self._mask is None and s.masks:
            mask = np.ones(small.shape, dtype=np.uint8)
            for poly in s.masks:
                pts = np.round(np.asarray(poly, dtype=np.float64) / self._scale).astype(np.int32)
                cv2.fillPoly(mask, [pts], 0)
            self._mask = mask
        small = cv2.medianBlur(small, self.settings.median)
        f = small.astype(np.float32)
        if self._mask is not None:
            f[self._mask == 0] = float(f[self._mask == 1].mean()) if (self._mask == 1).any() else 0.0
        if s.robust_contrast:
            sample = f[::2, ::2] if self._mask is None else f[self._mask == 1]
            lo, mid, hi = np.percentile(sample, (25, 50, 75))
            centre, spread = float(mid), float(hi - lo) / 1.349  # the IQR of a normal spread is 1.349 sigma
        else:
            centre, spread = float(f.mean()), float(f.std())
        unit = max(spread, 1.0)  # this frame's contrast unit, in grey levels
        # the threshold in that unit, at most ``max_levels`` grey levels
        self._threshold = min(s.threshold, s.max_levels / unit) if s.max_levels > 0 else s.threshold
        return (f - centre) / unit

    def _difference(self, frame: np.ndarray, background: np.ndarray) -> np.ndarray:
        """How far each pixel is from the background: |frame - background|, or with ``jitter``
        the distance to the range the background spans within that radius."""
        r = self.settings.jitter
        if r <= 0:
            return np.abs(frame - background)
        kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
        high = cv2.dilate(background, kernel)
        low = cv2.erode(background, kernel)
        return np.maximum(np.maximum(frame - high, low - frame), 0.0)

    def _turned(self, frame: np.ndarray, background: np.ndarray) -> bool:
        """Whether the whole view moved against the background by more than ``turn_px``:
        the shift phase correlation finds must also make the background match clearly more
        of the frame than no shift does (people moving, or shake below ``turn_px``, do not)."""
        if self.settings.turn_px <= 0:
            return False
        if self._window is None or self._window.shape != frame.shape:
            self._window = cv2.createHanningWindow((frame.shape[1], frame.shape[0]), cv2.CV_32F)
        # phaseCorrelate may write into its inputs: give it copies
        (dx, dy), _response = cv2.phaseCorrelate(background.copy(), frame.copy(), self._window)
        if np.hypot(dx, dy) <= self.settings.turn_px:
            return False
        sx, sy = int(round(dx)), int(round(dy))
        h, w = frame.shape
        if abs(sx) >= w // 2 or abs(sy) >= h // 2:
            return False
        inner = (slice(abs(sy), h - abs(sy)), slice(abs(sx), w - abs(sx)))  # where the shift wraps nothing
        moved = np.roll(background, (sy, sx), axis=(0, 1))[inner]
        here = frame[inner]
        t = self._threshold
        # the share of the frame the shifted background matches, against the unshifted one's:
        # a moving person, however contrasted, changes a few per cent of it at most
        gain = float((np.abs(here - moved) < t).mean()) - float((np.abs(here - background[inner]) < t).mean())
        return gain > 0.05

    def _start(self, frame: np.ndarray) -> None:
        self._background = frame.copy()
        self._variance = np.zeros_like(frame)
        self._static = np.zeros(frame.shape, dtype=np.uint16)
        self._previous = frame

    def detect(self, luma: np.ndarray, bgr: np.ndarray | None = None) -> Detections:
        """Moving blobs, class ``motion``, in full-resolution pixels (``bgr``, which a
        model detector would use, is not needed: motion is found in the luma)."""
        s = self.settings
        frame = self._prepare(luma)
        empty = Detections.empty()
        if self._background is None or self._background.shape != frame.shape:
            self._start(frame)
            return empty
        background = self._background
        diff = self._difference(frame, background)
        if s.noise_k > 0 and self._variance is not None:
            fg = (diff > np.maximum(self._threshold, s.noise_k * np.sqrt(self._variance))).astype(np.uint8)
        else:
            fg = (diff > self._threshold).astype(np.uint8)
        if self._mask is not None:
            fg &= self._mask
        change = float(np.median(diff[::2, ::2])) if s.robust_contrast else float(diff.mean())
        if fg.mean() > s.reset_fraction or change > s.reset_mean or self._turned(frame, background):
            self._background = frame.copy()
            self._previous = frame
            if self._static is not None:
                self._static[:] = 0
            self.resets += 1
            self._carried = []
            return empty
        opened = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        # parts of one slow walker (head, legs) move separately: join what lies close
        join = np.ones((s.join_height or s.join, s.join), np.uint8)
        fg = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, join)
        # objects apart in the last frame stay apart (apart.py): ``owner`` says which each cut pixel went to
        fg, owner = cut(fg, self._carried) if s.parts is not None else (fg, None)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
        ghosts = self._ghosts(frame, opened, labels, n) if s.ghost_edges > 0 and n > 1 else np.zeros(n, dtype=bool)
        if ghosts.any():  # what left: the background shows through, take it in now
            gone = ghosts[labels]
            self._background[gone] = frame[gone]
            fg[gone] = 0
        before = self._previous  # the frame analysed last (``_learn`` moves it on)
        self._learn(frame, fg)
        pieces: list[Piece] = []  # each box's blob: its top left and its mask, in analysis pixels
        conf = []
        for x, y, blob in _stacks(labels, stats, ~ghosts, s.stack_gap):
            for a, b in _split(blob, s.split_valley) if s.split_valley > 0 else [(0, blob.shape[1])]:
                part = blob[:, a:b]
                if part.sum() * self._scale * self._scale < s.min_area:
                    continue
                rows = np.flatnonzero(part.any(axis=1))
                pieces.append((x + a, y + int(rows[0]), part[rows[0] : rows[-1] + 1]))
                x1, y1, x2, y2 = box_of(pieces[-1])
                conf.append(min(1.0, 0.5 + float(diff[y1:y2, x1:x2].mean()) / (4 * self._threshold)))
        self._carried = []
        if not pieces:
            return empty
        parts = [box_of(p) for p in pieces]
        boxes = [[v * self._scale for v in box] for box in parts]
        owners = [-1] * len(pieces) if owner is None else [_owner(owner, p) for p in pieces]
        if s.parts is not None and before is not None and len(boxes) > 1:
            v = velocities(frame, before, fg, parts)
            groups = objects(parts, v, s.parts)
            self._carried = carry(frame.shape, pieces, groups, v, s.parts.min_speed)
            boxes, conf = _join(boxes, conf, groups)
            owners = [_common(owners[i] for i in g) for g in groups]
        return Detections.of(*_merge(np.asarray(boxes, dtype=np.float32), np.asarray(conf, dtype=np.float32),
                                     s.merge_overlap, np.asarray(owners, dtype=np.int32)))

    def _ghosts(self, frame: np.ndarray, opened: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
        """Per blob label, whether it is a ghost: its outline is an edge of the background
        but not of the frame (``ghost_edges`` times weaker), as where something stood and left."""
        assert self._background is not None
        outline = (opened > 0) & (cv2.erode(opened, np.ones((3, 3), np.uint8)) == 0)
        at = labels[outline]
        in_frame = np.bincount(at, weights=_gradient(frame)[outline], minlength=n)
        in_background = np.bincount(at, weights=_gradient(self._background)[outline], minlength=n)
        ghost = in_frame < self.settings.ghost_edges * in_background
        ghost[0] = False
        return np.asarray(ghost)

    def _learn(self, frame: np.ndarray, fg: np.ndarray) -> None:
        """Update the background (and its noise and ghost bookkeeping) with this frame."""
        s = self.settings
        assert self._background is not None and self._variance is not None and self._static is not None
        free = (fg == 0).astype(np.uint8) if s.selective else None
        if s.noise_k > 0:
            residual = (frame - self._background) ** 2
            cv2.accumulateWeighted(residual, self._variance, s.learning_rate, mask=free)
        cv2.accumulateWeighted(frame, self._background, s.learning_rate, mask=free)
        if s.absorb_frames > 0 and self._previous is not None:
            unchanged = (fg > 0) & (np.abs(frame - self._previous) < self._threshold / 2)
            self._static = np.where(unchanged, self._static + 1, 0).astype(np.uint16)
            ghost = self._static >= s.absorb_frames
            if ghost.any():
                self._background[ghost] = frame[ghost]
                self._static[ghost] = 0
        self._previous = frame


def _gradient(image: np.ndarray) -> np.ndarray:
    """Edge strength: the magnitude of the Sobel gradient."""
    return np.asarray(cv2.magnitude(cv2.Sobel(image, cv2.CV_32F, 1, 0), cv2.Sobel(image, cv2.CV_32F, 0, 1)))


def _stacks(labels: np.ndarray, stats: np.ndarray, keep: np.ndarray, gap: float
            ) -> list[tuple[int, int, np.ndarray]]:
    """The blobs to box, as (x, y, mask of its bounding box): each kept component, or with
    ``gap`` > 0 the components stacked one above the other — overlapping by half the
    narrower's width, the vertical gap at most ``gap`` times their joint height — as one:
    in thermal video a person's cold coat often parts a warm head from warm legs."""
    ids = [i for i in range(1, len(stats)) if keep[i]]
    group = {i: i for i in ids}

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    if gap > 0:
        for k, i in enumerate(ids):
            xi, yi, wi, hi = (int(v) for v in stats[i][:4])
            for j in ids[k + 1 :]:
                xj, yj, wj, hj = (int(v) for v in stats[j][:4])
                across = min(xi + wi, xj + wj) - max(xi, xj)
                apart = max(yi, yj) - min(yi + hi, yj + hj)
                if across >= 0.5 * min(wi, wj) and apart <= gap * (max(yi + hi, yj + hj) - min(yi, yj)):
                    group[root(j)] = root(i)
    members: dict[int, list[int]] = {}
    for i in ids:
        members.setdefault(root(i), []).append(i)
    out = []
    for parts in members.values():
        x1 = min(int(stats[i][0]) for i in parts)
        y1 = min(int(stats[i][1]) for i in parts)
        x2 = max(int(stats[i][0] + stats[i][2]) for i in parts)
        y2 = max(int(stats[i][1] + stats[i][3]) for i in parts)
        out.append((x1, y1, np.isin(labels[y1:y2, x1:x2], parts)))
    return out


def _split(blob: np.ndarray, valley: float, depth: int = 3) -> list[tuple[int, int]]:
    """Column ranges of a blob split where its column profile dips below ``valley`` times
    the lower of the peaks on either side: upright people side by side whose blobs touch
    (an arm, a coat) come apart; one person, whose torso fills the columns between the
    legs, does not."""
    counts = np.convolve(blob.sum(axis=0).astype(np.float64), np.ones(3) / 3, mode="same")
    w = len(counts)
    if depth == 0:
        return [(0, w)]
    left = np.maximum.accumulate(counts)
    right = np.maximum.accumulate(counts[::-1])[::-1]
    edge = max(2, int(0.15 * blob.shape[0]))  # each part at least as wide as a slim person
    if w < 2 * edge + 1:
        return [(0, w)]
    inner = slice(edge, w - edge)
    ratio = counts[inner] / np.maximum(np.minimum(left[inner], right[inner]), 1e-9)
    at = int(np.argmin(ratio))
    if ratio[at] >= valley:
        return [(0, w)]
    cut = at + edge
    return ([(a, b) for a, b in _split(blob[:, :cut], valley, depth - 1)]
            + [(cut + a, cut + b) for a, b in _split(blob[:, cut:], valley, depth - 1)])


def _join(boxes: list[list[float]], conf: list[float], groups: list[list[int]]
          ) -> tuple[list[list[float]], list[float]]:
    """One box (and the highest confidence) for each group of boxes."""
    out = [[min(boxes[i][0] for i in g), min(boxes[i][1] for i in g), max(boxes[i][2] for i in g),
            max(boxes[i][3] for i in g)] for g in groups]
    return out, [max(conf[i] for i in g) for g in groups]


def _owner(owner: np.ndarray, piece: Piece) -> int:
    """The carried object a blob's pixels were cut for (the most of them), -1 if none."""
    x, y, blob = piece
    at = owner[y : y + blob.shape[0], x : x + blob.shape[1]][blob]
    at = at[at >= 0]
    return int(np.bincount(at).argmax()) if len(at) else -1


def _common(owners: Iterable[int]) -> int:
    """The one carried object all of a group's parts were cut for, -1 if none or several."""
    found = {o for o in owners if o >= 0}
    return found.pop() if len(found) == 1 else -1


def _merge(boxes: np.ndarray, conf: np.ndarray, overlap: float = 0.0, owners: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Join boxes that overlap (one object split in two blobs), until none do; with
    ``overlap`` > 0, only boxes whose intersection is more than that share of the smaller one.
    Boxes cut apart for two different ``owners`` (carried objects, ``apart.py``; -1: none)
    are not joined: the cut kept them apart on better evidence than their boxes' overlap."""
    boxes = boxes.copy()
    conf = conf.copy()
    owners = np.full(len(boxes), -1, dtype=np.int32) if owners is None else owners.copy()
    merged = True
    while merged and len(boxes) > 1:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                apart = owners[i] >= 0 and owners[j] >= 0 and owners[i] != owners[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3] and (
                        overlap <= 0 or _overlap(a, b) > overlap) and not apart:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    conf[i] = max(conf[i], conf[j])
                    owners[i] = max(owners[i], owners[j])
                    boxes = np.delete(boxes, j, axis=0)
                    conf = np.delete(conf, j)
                    owners = np.delete(owners, j)
                    merged = True
                    break
            if merged:
                break
    return boxes, conf


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """The intersection of two boxes as a share of the smaller one's area."""
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(inter / smaller) if smaller > 0 else 1.0
