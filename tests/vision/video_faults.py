"""Faults injected into video, to show that the pipeline does not cry wolf.

What a mast camera suffers: the infrared cut filter switching (gain and offset jump),
full-frame flicker (lightning, lights), a few pixels of shake (wind), speckle (rain, snow,
insects), and frames lost on the way.  Used by the robustness tests and ``eval/thermal.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

import numpy as np

from ridgeline.vision.video import Frame, StatusChange

Fault = Literal["none", "ir_switch", "flicker", "shake", "rain", "dropped"]
FAULTS: tuple[Fault, ...] = ("ir_switch", "flicker", "shake", "rain", "dropped")


def inject(frames: Iterable[Frame | StatusChange], fault: Fault, switch_at: int = 150,
           dropped: tuple[int, int] = (100, 130), seed: int = 0) -> Iterator[Frame]:
    """The frames with one fault: the infrared switch from frame ``switch_at`` on, flicker two
    frames in twenty, shake of up to 3 px, 1 % speckle, or the frames in ``dropped`` lost."""
    rng = np.random.default_rng(seed)
    for fr in frames:
        if isinstance(fr, StatusChange):
            continue
        y = fr.luma.astype(np.int16)
        if fault == "ir_switch" and fr.index >= switch_at:
            y = y // 2 + 90
        if fault == "flicker" and fr.index % 20 < 2:
            y = y + 60
        if fault == "shake":
            y = np.roll(y, (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), axis=(0, 1))
        if fault == "rain":
            y[rng.random(y.shape) < 0.01] = 255
        if fault == "dropped" and dropped[0] <= fr.index < dropped[1]:
            continue
        yield Frame(fr.index, fr.time_s, np.clip(y, 0, 255).astype(np.uint8))
