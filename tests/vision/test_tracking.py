"""The tracker on scenes with known truth: identities kept, gaps bridged, flickers dropped."""

from __future__ import annotations

import numpy as np

from ridgeline.vision.mot import Boxes
from ridgeline.vision.tracking import TrackerSettings, track_sequence


def scene(missing: dict[int, set[int]], frames: int = 60, flicker: bool = False) -> Boxes:
    """Two people walking towards each other along parallel lanes; ``missing[obj]`` are
    frames where the detector missed that person; with ``flicker`` a one-frame false box."""
    rows = []
    for f in range(1, frames + 1):
        for obj, (x0, vx, y) in enumerate(((20.0, 6.0, 100.0), (420.0, -6.0, 160.0))):
            if f in missing.get(obj, set()):
                continue
            x = x0 + vx * f
            rows.append((f, x, y, x + 40, y + 100, 0.9))
        if flicker and f == 30:
            rows.append((f, 600.0, 10.0, 620.0, 30.0, 0.7))
    a = np.array(rows)
    return Boxes(a[:, 0].astype(np.int64), np.full(len(a), -1), a[:, 1:5], a[:, 5])


def test_two_people_keep_their_identities() -> None:
    rows = track_sequence(scene({}))
    ids = {r[1] for r in rows}
    assert len(ids) == 2
    assert len(rows) == 120  # every frame of both, from the first (confirmed retroactively)


def test_bridged_gaps_are_filled_and_a_flicker_is_dropped() -> None:
    gap = set(range(20, 26))
    rows = track_sequence(scene({0: gap}, flicker=True), TrackerSettings())
    assert len({r[1] for r in rows}) == 2  # same person before and after the gap, no flicker track
    first = sorted(r for r in rows if r[2] < 300 and r[0] < 40)
    frames = [r[0] for r in first]
    assert set(gap) <= set(frames)  # interpolated
    filled = next(r for r in first if r[0] == 22)
    assert abs(filled[2] - (20.0 + 6.0 * 22)) < 3.0  # on the straight line it walks


def test_gaps_longer_than_the_tracker_keeps_are_not_filled() -> None:
    rows = track_sequence(scene({0: set(range(10, 40))}, frames=70), TrackerSettings(lost_frames=5))
    person = [r for r in rows if r[3] < 130]  # the upper lane
    assert not any(10 <= r[0] < 40 for r in person)
