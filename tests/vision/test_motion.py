"""The motion detector on synthetic scenes: a mover is found; light changes and noise are not."""

from __future__ import annotations

import numpy as np

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
        boxes, conf = det.detect(scene(t, rng))
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
    boxes, _ = det.detect(shifted)
    assert len(boxes) == 0 and det.resets == 1


def test_light_changes_rain_and_privacy_masks() -> None:
    rng = np.random.default_rng(2)
    quiet = MotionDetector()
    for t in range(12):  # an infrared switch halfway and speckle rain all along, nothing moving
        frame = np.clip(rng.normal(90, 6, (360, 640)) + (60 if t > 6 else 0), 0, 255)
        frame[rng.random(frame.shape) < 0.01] = 255
        boxes, _ = quiet.detect(frame.astype(np.uint8))
        assert len(boxes) == 0, t
    masked = MotionDetector(MotionSettings(masks=(((0.0, 150.0), (640.0, 150.0), (640.0, 300.0), (0.0, 300.0)),)))
    for t in range(10):
        boxes, _ = masked.detect(scene(t, rng))
        assert len(boxes) == 0  # the walker's lane is never analysed
