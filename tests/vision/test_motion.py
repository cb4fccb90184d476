"""The motion detector on synthetic scenes: a mover is found; light changes and noise are not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ridgeline.vision.motion import MotionDetector, MotionSettings


def scene(t: int, rng: np.random.Generator, brightness: int = 0, rain: float = 0.0) -> np.ndarray:
    img = np.clip(rng.normal(90, 6, (360, 640)), 0, 255)
    if t >= 3:  # a warm walker comes in and moves right
        img[200:260, 100 + 8 * t : 130 + 8 * t] = 200
    img = img + brightness
    if rain:
        img[rng.random(img.shape) < rain] = 255
    return np.clip(img, 0, 255).astype(np.uint8)


def test_a_moving_object_is_boxed() -> None:
    rng = np.random.default_rng(0)
    det = MotionDetector()
    for t in range(10):
        found = det.detect(scene(t, rng))
        boxes, conf = found.xyxy, found.confidence
    assert len(boxes) == 1 and (conf > 0.5).all()
    x1, y1, x2, y2 = boxes[0]
    assert x1 <= 100 + 8 * 9 + 30 and x2 >= 100 + 8 * 9 and y1 <= 200 and y2 >= 255


def test_a_whole_frame_change_resets_instead_of_alarming() -> None:
    rng = np.random.default_rng(1)
    det = MotionDetector()
    stripes = np.where((np.arange(640) // 20) % 2 == 0, 60.0, 160.0)[None, :].repeat(360, axis=0)
    still = np.clip(stripes + rng.normal(0, 6, (360, 640)), 0, 255).astype(np.uint8)
    for _ in range(5):
        det.detect(still)
    shifted = np.roll(still, 20, axis=1)  # the camera turned
    boxes = det.detect(shifted).xyxy
    assert len(boxes) == 0 and det.resets == 1


def test_light_changes_rain_and_privacy_masks() -> None:
    rng = np.random.default_rng(2)
    quiet = MotionDetector()
    for t in range(12):  # an infrared switch halfway and speckle rain all along, nothing moving
        frame = np.clip(rng.normal(90, 6, (360, 640)) + (60 if t > 6 else 0), 0, 255)
        frame[rng.random(frame.shape) < 0.01] = 255
        boxes = quiet.detect(frame.astype(np.uint8)).xyxy
        assert len(boxes) == 0, t
    masked = MotionDetector(MotionSettings(masks=(((0.0, 150.0), (640.0, 150.0), (640.0, 300.0), (0.0, 300.0)),)))
    for t in range(10):
        boxes = masked.detect(scene(t, rng)).xyxy
        assert len(boxes) == 0  # the walker's lane is never analysed


def thermal_scene(people: list[float], rng: np.random.Generator, shake: int = 0) -> np.ndarray:
    """A 640 x 480 thermal frame: a textured cool background (hedge-like noise and a row of
    bright windows, the same in every frame) and, for each x in ``people``, an upright
    person 40 px wide and 180 tall whose head and legs are warm and whose coat, a third of
    their height, is exactly as cool as the background behind it; ``shake`` rolls the
    frame by up to that many pixels."""
    texture = np.random.default_rng(99)
    noise = np.clip(100 + texture.normal(0, 8, (480, 640)), 0, 255)
    for x in texture.integers(0, 620, 12):  # windows: sharp edges that a shake would make "move"
        noise[40:60, x : x + 14] = 200
    img: np.ndarray = cv2.GaussianBlur(noise, (3, 3), 0)
    for x in people:
        x0 = int(x)
        img[120:150, x0 + 10 : x0 + 30] = 190  # head (the coat below it, down to 210, adds nothing)
        img[210:300, x0 + 4 : x0 + 16] = 185  # legs
        img[210:300, x0 + 24 : x0 + 36] = 185
    img = img + rng.normal(0, 1.5, img.shape)
    if shake:
        img = np.roll(img, (int(rng.integers(-shake, shake + 1)), int(rng.integers(-shake, shake + 1))), axis=(0, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def test_the_thermal_profile_boxes_a_cold_coated_walker_whole_and_ignores_shake() -> None:
    rng = np.random.default_rng(3)
    det = MotionDetector(MotionSettings.profile("thermal"))
    for t in range(20):
        boxes = det.detect(thermal_scene([100.0 + 3 * t] if t >= 5 else [], rng, shake=2)).xyxy
        if t >= 5:
            assert len(boxes) == 1, t  # head and legs are one person, the shaken windows nothing
    x1, y1, x2, y2 = boxes[0]
    assert y1 <= 125 and y2 >= 295 and x2 - x1 < 60  # head to feet, one person wide
    still = MotionDetector(MotionSettings.profile("thermal"))
    for _ in range(20):
        boxes = still.detect(thermal_scene([], rng, shake=2)).xyxy  # the profile's tolerance at 480 lines
        assert len(boxes) == 0
    assert still.resets == 0  # the shake is tolerated, not reset on
    boxes = still.detect(np.roll(thermal_scene([], rng), 25, axis=1)).xyxy  # the camera turned
    assert len(boxes) == 0 and still.resets == 1


def test_the_ghost_of_someone_in_view_at_start_goes_and_touching_people_stay_two() -> None:
    rng = np.random.default_rng(4)
    det = MotionDetector(MotionSettings.profile("thermal"))
    for t in range(25):  # in view from the first frame, then walks right
        boxes = det.detect(thermal_scene([200.0 + 6 * t], rng)).xyxy
    assert len(boxes) == 1 and boxes[0][0] > 300  # where they stood is background again
    pair = MotionDetector(MotionSettings.profile("thermal"))
    for t in range(12):  # two people walking side by side, 4 px apart
        boxes = pair.detect(thermal_scene([300.0 + 2 * t, 344.0 + 2 * t] if t >= 2 else [], rng)).xyxy
    assert len(boxes) == 2 and abs(float(boxes[0][0]) - float(boxes[1][0])) > 30


def test_profiles_are_named() -> None:
    assert MotionSettings.profile("default") == MotionSettings()
    assert MotionSettings.profile("thermal", masks=()).robust_contrast
    with pytest.raises(ValueError, match="unknown motion profile"):
        MotionSettings.profile("infrared")  # type: ignore[arg-type]
