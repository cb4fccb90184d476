"""The tracker on scenes with known truth: identities kept, gaps bridged, flickers dropped,
people whose boxes merge kept apart."""

from __future__ import annotations

import numpy as np

from ridgeline.vision.detections import Detections
from ridgeline.vision.tracking import Tracker, TrackerSettings, track_sequence

Row = tuple[int, int, float, float, float, float]  # frame, track, x1, y1, x2, y2


def rows_of(tracks: Detections) -> list[Row]:
    """Tracked boxes as rows, in the tracker's order."""
    return [(f, t, *b) for f, t, b in zip(tracks.frames.tolist(), tracks.track_ids.tolist(), tracks.xyxy.tolist(),
                                           strict=True)]


def scene(missing: dict[int, set[int]], frames: int = 60, flicker: bool = False) -> Detections:
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
    return Detections.of(a[:, 1:5], a[:, 5], tracker_id=np.full(len(a), -1), frame=a[:, 0].astype(np.int64))


def test_two_people_keep_their_identities() -> None:
    rows = rows_of(track_sequence(scene({})))
    ids = {r[1] for r in rows}
    assert len(ids) == 2
    assert len(rows) == 120  # every frame of both, from the first (confirmed retroactively)


def test_bridged_gaps_are_filled_and_a_flicker_is_dropped() -> None:
    gap = set(range(20, 26))
    rows = rows_of(track_sequence(scene({0: gap}, flicker=True), TrackerSettings()))
    assert len({r[1] for r in rows}) == 2  # same person before and after the gap, no flicker track
    first = sorted(r for r in rows if r[2] < 300 and r[0] < 40)
    frames = [r[0] for r in first]
    assert set(gap) <= set(frames)  # interpolated
    filled = next(r for r in first if r[0] == 22)
    assert abs(filled[2] - (20.0 + 6.0 * 22)) < 3.0  # on the straight line it walks


def test_gaps_longer_than_the_tracker_keeps_are_not_filled() -> None:
    rows = rows_of(track_sequence(scene({0: set(range(10, 40))}, frames=70), TrackerSettings(lost_frames=5)))
    person = [r for r in rows if r[3] < 130]  # the upper lane
    assert not any(10 <= r[0] < 40 for r in person)


def box(x: float, y: float = 100.0, w: float = 40.0, h: float = 160.0) -> list[float]:
    return [x, y, x + w, y + h]


def run_online(frames: list[list[list[float]]], settings: TrackerSettings) -> list[dict[int, float]]:
    """Per frame, {track id: box centre x} of an online tracker fed these boxes."""
    tracker = Tracker(settings)
    out = []
    for i, boxes in enumerate(frames):
        found = tracker.update(Detections.of(np.array(boxes, dtype=np.float32), np.full(len(boxes), 0.9)),
                               time_s=i / 12.5)
        out.append({tid: float(b[0] + b[2]) / 2 for tid, b in zip(found.track_ids.tolist(), found.xyxy, strict=True)})
    return out


def test_a_track_is_confirmed_after_min_hits_from_the_first_frame_on() -> None:
    got = run_online([[box(100)], [box(102)], [], [], []], TrackerSettings(min_hits=3))
    assert all(not ids for ids in got)  # two matches are not three, even in the first frames


def test_people_whose_boxes_merge_keep_their_tracks() -> None:
    """Two people walk up to each other, stand side by side as one merged box, part again;
    then one stands fully behind the other for a while and steps out to the left."""
    frames = []
    for f in range(12):  # apart, approaching
        frames.append([box(100 + 4 * f), box(260 - 4 * f)])
    for _ in range(10):  # touching: the detector sees one box around both
        frames.append([[144.0, 100.0, 256.0, 260.0]])
    for f in range(8):  # apart again, each back where they came from
        frames.append([box(140 - 4 * f), box(216 + 4 * f)])
    for _ in range(6):  # the left one walks behind the right one: one box of one person's size
        frames.append([box(248)])
    for f in range(8):  # and comes out on its left
        frames.append([box(200 - 6 * f), box(248)])
    got = run_online(frames, TrackerSettings.profile("thermal", frame_rate=12.5))
    first = got[11]
    left, right = min(first, key=lambda t: first[t]), max(first, key=lambda t: first[t])
    assert len(first) == 2
    for ids in got[12:22]:  # through the merge both go on, each on its side
        assert set(ids) == {left, right} and ids[left] < ids[right]
    assert got[29][left] < got[29][right] and set(got[29]) == {left, right}  # and after it
    assert set(got[-1]) == {left, right} and got[-1][left] < got[-1][right]  # out from behind: same id
    plain = run_online(frames, TrackerSettings(frame_rate=12.5))
    assert len({t for ids in plain for t in ids}) > 2  # OC-SORT alone loses one of them
