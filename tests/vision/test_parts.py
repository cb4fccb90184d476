"""Parts that move as one: a car seen from above whose plain roof hides it between bonnet and
boot is one box, one track and one crossing; two people side by side stay two.

What tells them apart: a car's parts lie one *behind* the other along the way it moves
(bonnet ahead, boot behind, the roof between), at one velocity; two people walking side by
side lie next to each other *across* the way they move, and two walking one behind the
other keep apart while their speeds differ.  Two things one close behind the other at the
same speed are joined (the last test shows it): nothing in boxes and motion separates them.
"""

from __future__ import annotations

import numpy as np

from ridgeline.vision.detections import Detections
from ridgeline.vision.motion import MotionDetector, MotionSettings
from ridgeline.vision.parts import PartSettings, objects
from ridgeline.vision.rules import LineRule, TrackRules
from ridgeline.vision.tracking import Tracker, TrackerSettings

Part = tuple[float, float, int, int]  # x, y (top left), width, height, in frame pixels


def frame(parts: list[Part], rng: np.random.Generator) -> np.ndarray:
    """A 640 x 360 grey road (luma 100, sensor noise) with textured bright parts drawn on it;
    each part's texture is its own and moves with it (as a bonnet's or a coat's does)."""
    img = rng.normal(100.0, 4.0, (360, 640))
    for k, (x, y, w, h) in enumerate(parts):
        texture = np.random.default_rng(k).uniform(150.0, 250.0, (h, w))
        x0, y0 = int(round(x)), int(round(y))
        x1, y1 = max(x0, 0), max(y0, 0)
        x2, y2 = min(x0 + w, 640), min(y0 + h, 360)
        if x2 > x1 and y2 > y1:
            img[y1:y2, x1:x2] = texture[y1 - y0 : y2 - y0, x1 - x0 : x2 - x0]
    return np.clip(img, 0, 255).astype(np.uint8)


def car(t: int) -> list[Part]:
    """A car driving right at 12 px a frame seen from above: boot (30 px) and bonnet (36 px)
    bright, the 30 px roof between as grey as the road (the proportions of the red car in
    ``road_640x360.avi``)."""
    x = 60.0 + 12.0 * t
    return [(x, 150.0, 30, 50), (x + 60.0, 150.0, 36, 50)]


def boxes_over(scene: list[list[Part]], settings: MotionSettings) -> list[np.ndarray]:
    """The detector's boxes, frame by frame (the scene starts on the empty road)."""
    rng = np.random.default_rng(7)
    det = MotionDetector(settings)
    det.detect(frame([], rng))
    return [det.detect(frame(parts, rng)).xyxy for parts in scene]


def crossings(scene: list[list[Part]], settings: MotionSettings, line: LineRule) -> list[str]:
    """The directions of the line crossings the detector, tracker and rules report."""
    rng = np.random.default_rng(7)
    det = MotionDetector(settings)
    tracker = Tracker(TrackerSettings(frame_rate=15))
    rules = TrackRules([line])
    det.detect(frame([], rng))
    found: list[str] = []
    for i, parts in enumerate(scene):
        tracks = tracker.update(det.detect(frame(parts, rng)), time_s=i / 15)
        tracks = Detections(tracks.xyxy, tracks.confidence, np.full(len(tracks), "motion", dtype=object),
                            tracks.tracker_id)
        found.extend(str(h.detail["direction"]) for h in rules.update(tracks, i / 15))
    return found


MIDDLE = LineRule("mid", (320.0, 0.0), (320.0, 360.0))  # drawn top to bottom: driving right is right_to_left


def test_a_car_split_by_its_roof_is_one_box_and_one_crossing() -> None:
    scene = [car(t) for t in range(40)]
    joined = boxes_over(scene, MotionSettings())
    apart = boxes_over(scene, MotionSettings(parts=None))
    assert all(len(b) == 2 for b in apart[2:35])  # the roof parts the blobs: without the stage, two
    assert all(len(b) == 1 for b in joined[2:35])  # with it, one box from boot to bonnet
    x1, y1, x2, y2 = joined[20][0]
    assert x1 <= 60 + 12 * 20 and x2 >= 60 + 12 * 20 + 95 and y1 <= 152 and y2 >= 198
    assert crossings(scene, MotionSettings(), MIDDLE) == ["right_to_left"]
    assert crossings(scene, MotionSettings(parts=None), MIDDLE) == ["right_to_left"] * 2  # one car, two counts


def two_people(t: int, across: bool) -> list[Part]:
    """Two people 24 x 60 px walking down the frame (towards the camera) at 5 px a frame,
    exactly in step, 24 px apart: side by side (``across``) or one behind the other."""
    y = 60.0 + 5.0 * t
    if across:
        return [(300.0, y, 24, 60), (348.0, y, 24, 60)]
    return [(300.0, y, 24, 60), (300.0, y + 84.0, 24, 60)]


def test_two_people_side_by_side_stay_two() -> None:
    scene = [two_people(t, across=True) for t in range(40)]
    found = boxes_over(scene, MotionSettings())
    assert all(len(b) == 2 for b in found[2:])
    assert all(abs(float(b[0][0]) - float(b[1][0])) > 40 for b in found[2:])
    across_road = LineRule("across", (0.0, 200.0), (640.0, 200.0))  # walking down: left to right of it
    assert crossings(scene, MotionSettings(), across_road) == ["left_to_right"] * 2
    # the same two one behind the other, in step, are one: only how they stand across their way tells
    in_file = boxes_over([two_people(t, across=False) for t in range(40)], MotionSettings())
    assert all(len(b) == 1 for b in in_file[2:30])


def test_two_people_one_behind_the_other_at_different_speeds_stay_two() -> None:
    """Walking right in file, the one behind at 12 px a frame (6 analysis pixels), the one
    ahead at 2 (1): their velocities differ by 5 analysis pixels, twice what the flow's
    precision (1) and the share of speed allowed (a quarter of 6) forgive."""
    scene = [[(100.0 + 12.0 * t, 150.0, 24, 60), (250.0 + 2.0 * t, 150.0, 24, 60)] for t in range(10)]
    found = boxes_over(scene, MotionSettings())
    assert all(len(b) == 2 for b in found[2:])


def test_a_column_of_cars_each_faster_than_the_one_ahead_is_not_one_object() -> None:
    """Cars nose to tail coming towards the camera, 20 analysis pixels long with 8 between:
    perspective makes each one's image speed a little higher than the one's ahead of it.  Each
    neighbouring pair moves alike within the tolerance, so a chain of pairs would join the
    column; the two ends do not, and a rigid object's parts all move alike."""
    boxes = [(100, 10 + 28 * k, 120, 30 + 28 * k) for k in range(4)]
    column = [np.array([0.0, speed]) for speed in (2.0, 3.5, 5.5, 8.0)]
    groups = objects(boxes, column, PartSettings())
    assert len(groups) >= 2 and all(len(g) <= 2 for g in groups)
    # bonnet, roof rack and boot of one van at one velocity are one object, joined through the rack
    van = [(100, 10, 120, 30), (100, 45, 120, 55), (100, 70, 120, 90)]
    assert objects(van, [np.array([0.0, 6.0])] * 3, PartSettings()) == [[0, 1, 2]]
