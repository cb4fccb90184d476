"""Motion detection built for night and thermal video.

Each frame is shrunk to a small luma image and normalised for contrast (its own mean and
spread), so an infrared switch or a gain change does not look like motion.  A running
average is the background; pixels that differ from it by more than ``threshold`` standard
units are foreground.  Speckle (rain, snow, sensor noise, insects close to the lens) is
removed by a median filter and a morphological opening, and blobs smaller than
``min_area`` (in full-resolution pixels) are dropped.  When a large share of the frame
changes at once — a light switched, lightning, the camera moved or shook — the background
is reset to the new frame and nothing is reported for that frame.  Privacy masks are
polygons never analysed (and blacked out by whoever stores an image).

Detections are boxes in full-resolution pixels; persistence over frames (inertia) is the
tracker's job (a track is confirmed after several matches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass(frozen=True)
class MotionSettings:
    """How sensitive the detector is."""

    height: int = 180  # analysis height in pixels (width follows the aspect)
    threshold: float = 2.5  # foreground: difference from the background in contrast units
    learning_rate: float = 0.02  # background update per frame
    min_area: int = 300  # smallest blob, full-resolution pixels
    reset_fraction: float = 0.25  # share of the frame in the foreground at once that resets the background
    reset_mean: float = 1.0  # mean difference (contrast units) over the frame that resets it too
    median: int = 5  # median filter size on the analysis image (odd)
    join: int = 9  # blobs closer than this (analysis pixels) become one
    masks: tuple[tuple[tuple[float, float], ...], ...] = field(default=())  # privacy polygons, full-res pixels


class MotionDetector:
    """Boxes of moving things, frame after frame."""

    def __init__(self, settings: MotionSettings | None = None) -> None:
        self.settings = settings or MotionSettings()
        self._background: np.ndarray | None = None
        self._scale = 1.0
        self._mask: np.ndarray | None = None
        self.resets = 0

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
        return (f - f.mean()) / max(float(f.std()), 1.0)

    def detect(self, luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(boxes x1,y1,x2,y2 in full-resolution pixels, confidences) of moving blobs."""
        s = self.settings
        frame = self._prepare(luma)
        empty = (np.zeros((0, 4), dtype=np.float32), np.zeros(0, dtype=np.float32))
        if self._background is None or self._background.shape != frame.shape:
            self._background = frame.copy()
            return empty
        diff = np.abs(frame - self._background)
        fg = (diff > s.threshold).astype(np.uint8)
        if self._mask is not None:
            fg &= self._mask
        if fg.mean() > s.reset_fraction or float(diff.mean()) > s.reset_mean:
            self._background = frame.copy()
            self.resets += 1
            return empty
        cv2.accumulateWeighted(frame, self._background, s.learning_rate)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        # parts of one slow walker (head, legs) move separately: join what lies close
        fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, np.ones((s.join, s.join), np.uint8))
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
        boxes = []
        conf = []
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if area * self._scale * self._scale < s.min_area:
                continue
            boxes.append([x * self._scale, y * self._scale, (x + w) * self._scale, (y + h) * self._scale])
            region = diff[y : y + h, x : x + w]
            conf.append(min(1.0, 0.5 + float(region.mean()) / (4 * s.threshold)))
        if not boxes:
            return empty
        return _merge(np.asarray(boxes, dtype=np.float32), np.asarray(conf, dtype=np.float32))


def _merge(boxes: np.ndarray, conf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Join boxes that overlap (one object split in two blobs), until none do."""
    boxes = boxes.copy()
    conf = conf.copy()
    merged = True
    while merged and len(boxes) > 1:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    conf[i] = max(conf[i], conf[j])
                    boxes = np.delete(boxes, j, axis=0)
                    conf = np.delete(conf, j)
                    merged = True
                    break
            if merged:
                break
    return boxes, conf
