"""Parts that move as one: the motion blobs of one rigid object joined into one box.

Seen from above, a car whose plain roof is as grey as the road becomes two moving blobs,
bonnet and boot (and a van with a roof rack three).  Background subtraction cannot see
the roof — it did not change — so the parts are joined by how they move instead: the
parts of a rigid object move together, at one velocity.

Each blob's velocity is measured in the image itself, not from its box (a part's box
changes shape from frame to frame): dense optical flow (OpenCV's DIS) from this frame to
the one analysed before it, over the region the blobs occupy, and the median of the flow
over the blob's foreground pixels — the many pixels of a part vote, so a few mismatched
ones do not move it.  Two blobs are parts of one object when:

- both move (at least ``min_speed``): standing things give no evidence;
- their velocities agree to within the flow's ``precision`` plus ``tolerance`` of their
  speed (perspective makes a car's nearer end move a little faster in the image);
- one is *behind* the other along their common direction of motion: across the motion
  their extents share at least ``across`` of the narrower one's — a bonnet and a boot lie
  on the line the car drives along;
- the gap between them along the motion is no longer than ``gap`` times the longer part's
  length along it — small relative to the parts' own size.

What keeps two people walking side by side (or two cars passing in adjacent lanes) apart
is the third test: they move in parallel, shoulder to shoulder, so across their motion they
lie next to each other, not one behind the other.  (Once their blobs touch they are one blob and
this stage has nothing to keep apart: ``ridgeline.vision.apart`` cuts such a blob between the
objects this stage found in the frame before.)  Two people one behind the other are
kept apart by the second while their speeds differ by more than the precision and the
tolerance — which slow walkers' speeds do not: on the thermal clip (``eval/thermal.py``,
people about 2 analysis pixels a frame, one ahead of the other as seen from the side) the
stage joins the two people and adds a false crossing, so the ``thermal`` profile leaves it
off.  What no test here tells apart is two things close behind one another at the same
velocity (a car and its trailer are rightly one; two cars nose to tail in a jam are joined
while the gap between them is shorter than a car).  The joining is per frame; the tracker confirms an
object only after several frames of it (its ``min_hits``).  Parts are joined transitively
(bonnet, roof rack, boot), but only while every two of them move alike: perspective makes each
car of a column a little faster in the image than the one ahead of it, and a chain of such
pairs would otherwise join the whole column.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in analysis pixels


class PartSettings(BaseModel):
    """When motion blobs are parts of one object (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_speed: float = Field(default=1.0, gt=0.0, description=(
        "Parts slower than this (analysis pixels per analysed frame) give no evidence: both must move."))
    precision: float = Field(default=1.0, ge=0.0, description=(
        "How far two parts' median flows may differ by measurement alone (analysis pixels per frame)."))
    tolerance: float = Field(default=0.25, ge=0.0, le=1.0, description=(
        "Share of the parts' speed their velocities may also differ by (perspective: a car's nearer "
        "end moves faster in the image)."))
    across: float = Field(default=0.5, gt=0.0, le=1.0, description=(
        "Share of the narrower part's extent across the motion that the parts must share: one "
        "behind the other, not side by side."))
    gap: float = Field(default=1.0, ge=0.0, description=(
        "Longest gap between the parts along the motion, as a share of the longer part's length along it."))


def _bytes(frame: np.ndarray) -> np.ndarray:
    """A contrast-normalised frame as 8-bit grey for the flow (4 standard units either side of the mean)."""
    return np.clip(frame * 32.0 + 128.0, 0, 255).astype(np.uint8)


def velocities(frame: np.ndarray, before: np.ndarray, fg: np.ndarray, boxes: Sequence[Box]) -> list[np.ndarray]:
    """Each box's velocity (dx, dy, analysis pixels per analysed frame) from ``before`` to
    ``frame``: the median flow over its foreground pixels (``fg``).  The flow is computed
    over the whole frame: its coarse scales, which find large displacements, need the
    context a crop around the blobs lacks."""
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    # flow from this frame back to the one before: where each foreground pixel came from
    back = np.asarray(dis.calc(_bytes(frame), _bytes(before), np.zeros((*frame.shape, 2), np.float32)))
    out = []
    for bx1, by1, bx2, by2 in boxes:
        mask = fg[by1:by2, bx1:bx2] > 0
        flow = back[by1:by2, bx1:bx2][mask]
        out.append(-np.median(flow, axis=0).astype(np.float64) if len(flow) else np.zeros(2))
    return out


def _together(va: np.ndarray, vb: np.ndarray, s: PartSettings) -> bool:
    """Whether two parts' velocities say they move as one."""
    slow, fast = sorted((float(np.hypot(*va)), float(np.hypot(*vb))))
    return slow >= s.min_speed and float(np.hypot(*(va - vb))) <= s.precision + s.tolerance * fast


def _extent(box: Box, axis: np.ndarray) -> tuple[float, float]:
    """The box's extent along a unit vector."""
    corners = [float(x * axis[0] + y * axis[1]) for x in (box[0], box[2]) for y in (box[1], box[3])]
    return min(corners), max(corners)


def _in_line(a: Box, b: Box, direction: np.ndarray, s: PartSettings) -> bool:
    """Whether box ``b`` lies behind or ahead of box ``a`` along ``direction`` (a unit
    vector), close enough for their size."""
    (a0, a1), (b0, b1) = _extent(a, np.array([-direction[1], direction[0]])), _extent(
        b, np.array([-direction[1], direction[0]]))
    if min(a1, b1) - max(a0, b0) < s.across * min(a1 - a0, b1 - b0):
        return False  # side by side across the motion
    (a0, a1), (b0, b1) = _extent(a, direction), _extent(b, direction)
    return max(a0, b0) - min(a1, b1) <= s.gap * max(a1 - a0, b1 - b0)


def objects(boxes: Sequence[Box], v: Sequence[np.ndarray], settings: PartSettings) -> list[list[int]]:
    """The boxes (analysis pixels) grouped into objects given each one's velocity (``velocities``):
    lists of indices, each box in exactly one, the parts that move as one together."""
    n = len(boxes)
    alike = [[_together(v[i], v[j], settings) for j in range(n)] for i in range(n)]
    # candidate pairs, the most alike first: they move as one and lie one behind the other
    pairs = sorted((float(np.hypot(*(v[i] - v[j]))), i, j) for i in range(n) for j in range(i + 1, n)
                   if alike[i][j] and _in_line(boxes[i], boxes[j], _heading(v[i], v[j]), settings))
    group = {i: [i] for i in range(n)}  # a group's first member -> its members
    first = list(range(n))
    for _difference, i, j in pairs:
        a, b = first[i], first[j]
        # every two parts of one rigid object move alike, not only neighbours: a column of
        # cars, each a little faster than the one ahead as perspective has it, is not one object
        if a == b or not all(alike[p][q] for p in group[a] for q in group[b]):
            continue
        for k in group[b]:
            first[k] = a
        group[a].extend(group.pop(b))
    return [sorted(members) for members in group.values()]


def _heading(va: np.ndarray, vb: np.ndarray) -> np.ndarray:
    """The unit vector of two parts' mean velocity."""
    mean = (va + vb) / 2.0
    return np.asarray(mean / float(np.hypot(*mean)))
