"""Objects that were apart stay apart: a blob that swallowed two moving objects is cut between them.

A car driving beside a truck, or two cars abreast in adjacent lanes, touch in the image as
they pass (a shadow on the road between them is enough), and background subtraction makes
them one blob: one box, one track, and the car that was beside the truck is lost as it
crosses the line.  The frames before knew better: there the two were apart, and the parts
stage (``ridgeline.vision.parts``) had measured each one's velocity and found them two
objects.

So each moving object of one frame is *carried* to the next: its pixels moved by its
velocity.  A blob of the next frame that holds at least ``share`` of the carried pixels of
two or more objects lying side by side (``abreast``: the line between their centres runs
more across the way each of them moves than along it) is cut between them — each of its
pixels goes to the carried object nearest to it — and the pieces are boxed as blobs of
their own, never merged again for their boxes' overlap.  Objects one behind the other are
not cut apart however differently the flow says they move: on a big, plain car close to the
camera the flows of its bonnet and boot disagree by several pixels a frame
(``road_640x360.avi`` at frame 75), and a cut there would split the car.  The pieces go on
to the parts stage like any blobs.  Objects too slow for the flow to measure
(``PartSettings.min_speed``) are not carried: without a velocity there is no telling where
they went.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

Piece = tuple[int, int, np.ndarray]  # x, y (top left, analysis pixels) and the blob's mask in its box


def box_of(piece: Piece) -> tuple[int, int, int, int]:
    """A piece's box: x1, y1, x2, y2 in analysis pixels."""
    x, y, blob = piece
    return x, y, x + blob.shape[1], y + blob.shape[0]


@dataclass(frozen=True)
class Carried:
    """A moving object carried to the next frame."""

    mask: np.ndarray  # its pixels moved by its velocity (boolean, the analysis frame)
    velocity: np.ndarray  # analysis pixels per analysed frame
    centre: np.ndarray  # of its moved pixels


def abreast(a: Carried, b: Carried) -> bool:
    """Whether two objects are side by side: the line between their centres is further
    across the way each of them moves than along it."""
    offset = b.centre - a.centre
    for v in (a.velocity, b.velocity):
        d = v / float(np.hypot(*v))
        along = abs(float(offset @ d))
        across = abs(float(offset @ np.array([-d[1], d[0]])))
        if across <= along:
            return False
    return True


def carry(shape: tuple[int, int], pieces: Sequence[Piece], groups: Sequence[Sequence[int]],
          velocity: Sequence[np.ndarray], min_speed: float) -> list[Carried]:
    """Where each moving object (a group of ``pieces``, each with its ``velocity`` in analysis
    pixels per analysed frame) will be in the next frame: its pixels, as a boolean mask of the
    analysis frame, moved by the object's velocity (its pieces' mean, weighted by their pixels).
    Objects slower than ``min_speed`` are left out."""
    carried: list[Carried] = []
    for group in groups:
        v = np.average([velocity[i] for i in group], axis=0, weights=[float(pieces[i][2].sum()) for i in group])
        if float(np.hypot(*v)) < min_speed:
            continue
        mask = np.zeros(shape, dtype=np.uint8)
        for i in group:
            x, y, blob = pieces[i]
            mask[y : y + blob.shape[0], x : x + blob.shape[1]] |= blob.astype(np.uint8)
        shift = np.array([[1.0, 0.0, v[0]], [0.0, 1.0, v[1]]], dtype=np.float32)
        moved = cv2.warpAffine(mask, shift, (shape[1], shape[0]), flags=cv2.INTER_NEAREST, borderValue=0)
        ys, xs = np.nonzero(moved)
        if len(xs):
            carried.append(Carried(moved > 0, np.asarray(v, dtype=np.float64), np.array([xs.mean(), ys.mean()])))
    return carried


def cut(fg: np.ndarray, carried: Sequence[Carried], share: float = 0.5) -> tuple[np.ndarray, np.ndarray | None]:
    """``fg`` (uint8 foreground) with every blob that holds at least ``share`` of the carried
    pixels of two or more objects side by side (``abreast``) cut between them — a seam two
    pixels wide is cleared where the pixels nearest one object meet those nearest another —
    and, per pixel, the carried object (its index) it went to, -1 outside the blobs cut
    (None when no blob was cut)."""
    if len(carried) < 2:
        return fg, None
    n, labels = cv2.connectedComponents(fg, connectivity=8)
    # how many of each carried object's pixels fall on each blob, and how many it has
    on = np.stack([np.bincount(labels[c.mask], minlength=n) for c in carried])
    total = on.sum(axis=1)
    out, owner = fg, None
    for blob in range(1, n):
        within = [k for k in range(len(carried)) if on[k, blob] > 0 and on[k, blob] >= share * total[k]]
        held = [k for k in within if any(abreast(carried[k], carried[o]) for o in within if o != k)]
        if len(held) < 2:
            continue
        if owner is None:
            out, owner = fg.copy(), np.full(fg.shape, -1, dtype=np.int32)
        inside = labels == blob
        ys, xs = np.nonzero(inside)
        box = (slice(int(ys.min()), int(ys.max()) + 1), slice(int(xs.min()), int(xs.max()) + 1))
        here = inside[box]
        # each pixel's distance to each held object's carried pixels in the blob
        distance = np.stack([cv2.distanceTransform(np.where(carried[k].mask[box] & here, 0, 1).astype(np.uint8),
                                                   cv2.DIST_L2, 3) for k in held])
        nearest = np.argmin(distance, axis=0)
        seam = np.zeros(here.shape, dtype=bool)
        for k in range(len(held)):
            mine = (nearest == k) & here
            seam |= (cv2.dilate(mine.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & here & (nearest != k)
        out[box][seam] = 0
        owner[box][here] = np.asarray(held)[nearest[here]]
    return out, owner
