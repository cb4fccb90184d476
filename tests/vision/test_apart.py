"""Objects that were apart stay apart: a car driving beside a truck whose shadow reaches it is
still a box, a track and a crossing of its own; the parts of one car are never cut apart.

The scene is ``road_320x240_60fps.avi``'s missed car (frame 273, issue 18) drawn plainly: a
car and a truck abreast in two lanes, driving down the frame, apart at first and then
joined by the truck's shadow on the road between them.
"""

from __future__ import annotations

import cv2
import numpy as np

from ridgeline.vision.apart import Carried, abreast, cut
from ridgeline.vision.detections import Detections
from ridgeline.vision.motion import MotionDetector, MotionSettings
from ridgeline.vision.rules import LineRule, TrackRules
from ridgeline.vision.tracking import Tracker, TrackerSettings

from .test_parts import frame

SPEED = 6.0  # pixels a frame, down the frame


def road(t: int, rng: np.random.Generator, shadow_from: int = 12) -> np.ndarray:
    """``test_parts``' grey road with a textured car (50 x 70) in the left lane and a textured
    truck (90 x 140) 30 px to its right, both driving down; from frame ``shadow_from`` the
    truck's shadow (dark, flat) fills the road between them."""
    y = SPEED * t
    img = frame([(200.0, 20.0 + y, 50, 70), (280.0, y, 90, 140)], rng)
    if t >= shadow_from:
        img[int(round(40.0 + y)) : int(round(90.0 + y)), 250:280] = 45
    return img


def boxes(settings: MotionSettings, frames: int = 40) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    det = MotionDetector(settings)
    det.detect(frame([], rng))
    return [det.detect(road(t, rng)).xyxy for t in range(frames)]


def test_a_car_beside_a_truck_stays_a_box_of_its_own_when_the_trucks_shadow_reaches_it() -> None:
    joined = boxes(MotionSettings(parts=None))
    assert all(len(b) == 1 for b in joined[14:34])  # without the stage the shadow makes them one blob
    kept = boxes(MotionSettings())
    assert all(len(b) == 2 for b in kept[3:34])
    for t in range(14, 34):
        car, truck = sorted(kept[t].tolist())
        assert car[0] <= 202 and car[2] <= 290  # the car's box: its own lane, at most the shadow beside it
        assert truck[0] >= 240 and truck[2] >= 368
        assert abs(car[3] - (90 + SPEED * t)) <= 8  # its bottom (the ground point) follows the car


def test_the_car_beside_the_truck_crosses_the_line_once_and_so_does_the_truck() -> None:
    line = LineRule("across", (0.0, 200.0), (640.0, 200.0))  # driving down the frame: left to right of it
    rng = np.random.default_rng(3)
    det = MotionDetector(MotionSettings())
    tracker = Tracker(TrackerSettings.profile("default", frame_rate=15))
    rules = TrackRules([line])
    det.detect(frame([], rng))
    found = []
    for t in range(45):
        tracks = tracker.update(det.detect(road(t, rng)), time_s=t / 15)
        tracks = Detections(tracks.xyxy, tracks.confidence, np.full(len(tracks), "motion", dtype=object),
                            tracks.tracker_id)
        found.extend(h for h in rules.update(tracks, t / 15))
    assert len(found) == 2
    assert sorted(h.x for h in found)[0] < 250 < sorted(h.x for h in found)[1]  # the car (x 200-250), the truck
    assert all(h.detail["direction"] == "left_to_right" for h in found)


def carried(mask: np.ndarray, velocity: tuple[float, float]) -> Carried:
    ys, xs = np.nonzero(mask)
    return Carried(mask, np.array(velocity), np.array([xs.mean(), ys.mean()]))


def test_a_blob_holding_two_objects_side_by_side_is_cut_between_them() -> None:
    left, right = np.zeros((60, 80), bool), np.zeros((60, 80), bool)
    left[10:40, 10:30] = True
    right[10:50, 45:70] = True
    fg = (left | right).astype(np.uint8)
    fg[20:30, 30:45] = 1  # a shadow between them makes one blob
    down = (0.0, 3.0)
    out, owner = cut(fg, [carried(left, down), carried(right, down)])
    assert cv2.connectedComponents(fg)[0] == 2 and cv2.connectedComponents(out)[0] == 3
    assert (owner[left] == 0).all() and (owner[right] == 1).all()
    assert out[left].all() and out[right].all()  # the seam falls between them, not through either


def test_parts_one_behind_the_other_are_not_cut() -> None:
    bonnet, boot = np.zeros((80, 60), bool), np.zeros((80, 60), bool)
    bonnet[10:30, 20:40] = True
    boot[40:60, 20:40] = True
    fg = (bonnet | boot).astype(np.uint8)
    fg[30:40, 25:35] = 1
    down = (0.0, 3.0)
    a, b = carried(bonnet, down), carried(boot, down)
    assert not abreast(a, b)
    out, owner = cut(fg, [a, b])
    assert (out == fg).all() and owner is None  # no pixel went to either
    # side by side for one's way of moving but in line for the other's: not cut either
    assert not abreast(carried(bonnet, (3.0, 0.0)), carried(boot, down))
