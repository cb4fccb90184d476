"""Line, zone and loitering rules on tracks with known paths."""

from __future__ import annotations

import numpy as np

from ridgeline.vision.detections import Detections
from ridgeline.vision.rules import LineRule, TrackRules, ZoneRule


def box_at(x: float, y: float) -> np.ndarray:
    """A 20 x 40 box standing on (x, y)."""
    return np.array([x - 10, y - 40, x + 10, y])


def track(tid: int, box: np.ndarray, kind: str = "motion") -> Detections:
    """One tracked box."""
    return Detections.of([box], class_name=kind, tracker_id=[tid])


def walk(rules: TrackRules, points: list[tuple[float, float]], tid: int = 1, dt: float = 0.1) -> list[str]:
    found = []
    for i, (x, y) in enumerate(points):
        for hit in rules.update(track(tid, box_at(x, y)), i * dt):
            found.append(f"{hit.kind}:{hit.rule}:{hit.detail.get('direction', '')}")
    return found


def test_a_crossing_is_counted_once_with_its_direction() -> None:
    line = LineRule("gate", (100, 0), (100, 200))  # drawn top to bottom: screen-west is its right
    east = [(x, 150.0) for x in range(50, 160, 10)]
    assert walk(TrackRules([line]), east) == ["line_crossing:gate:right_to_left"]
    assert walk(TrackRules([line]), east[::-1]) == ["line_crossing:gate:left_to_right"]
    only = LineRule("gate", (100, 0), (100, 200), direction="left_to_right")
    assert walk(TrackRules([only]), east) == []


def test_jitter_on_the_line_and_passing_beyond_its_ends_are_not_crossings() -> None:
    line = LineRule("gate", (100, 0), (100, 200))
    jitter = [(100 + (2 if i % 2 else -2), 150.0) for i in range(20)]
    assert walk(TrackRules([line]), jitter) == []
    below = [(x, 260.0) for x in range(50, 160, 10)]  # the line ends at y = 200
    assert walk(TrackRules([line]), below) == []


def test_intrusion_needs_inertia_and_loitering_needs_time() -> None:
    zone = ZoneRule("yard", ((0, 0), (200, 0), (200, 200), (0, 200)), inertia=3, loiter_s=1.0)
    blip = [(300.0, 100.0), (150.0, 100.0), (300.0, 100.0)] * 3  # never 3 frames in a row inside
    assert walk(TrackRules(zones=[zone]), blip) == []
    stay = [(300.0, 100.0)] + [(150.0, 100.0)] * 15
    assert walk(TrackRules(zones=[zone]), stay) == ["zone_intrusion:yard:", "loitering:yard:"]


def test_small_objects_are_ignored() -> None:
    line = LineRule("gate", (100, 0), (100, 200))
    rules = TrackRules([line], min_height=60)  # the boxes are 40 px high
    assert walk(rules, [(x, 150.0) for x in range(50, 160, 10)]) == []


def test_tracks_long_gone_are_forgotten() -> None:
    rules = TrackRules([LineRule("gate", (100, 0), (100, 200))], forget_s=10.0)
    for tid in range(200):  # a new track every second, each seen once
        rules.update(track(tid, box_at(50.0, 150.0)), float(tid))
    assert len(rules._state) <= 64 + 11


def test_a_crossing_needs_the_lines_inertia_on_the_new_side() -> None:
    line = LineRule("gate", (100, 0), (100, 200), inertia=3)
    # a box that pokes across for two frames (a waved arm, a fragment) and comes back
    poke = [(90.0, 150.0)] * 3 + [(110.0, 150.0)] * 2 + [(90.0, 150.0)] * 3
    assert walk(TrackRules([line]), poke) == []
    assert walk(TrackRules([LineRule("gate", (100, 0), (100, 200))]), poke) == [
        "line_crossing:gate:right_to_left", "line_crossing:gate:left_to_right"]  # without inertia: two
    east = [(float(x), 150.0) for x in range(50, 160, 10)]
    assert walk(TrackRules([line]), east) == ["line_crossing:gate:right_to_left"]  # a real one, once


def test_rules_for_some_classes_only() -> None:
    people_only = LineRule("gate", (100, 0), (100, 200), classes=("person",))
    east = [(x, 150.0) for x in range(50, 160, 10)]
    rules = TrackRules([people_only])
    found = []
    for i, (x, y) in enumerate(east):
        # a person and a vehicle side by side
        tracks = Detections.merge([track(1, box_at(x, y), "person"), track(2, box_at(x, y - 60), "vehicle")])
        found += [(h.track, h.kind) for h in rules.update(tracks, i * 0.1)]
    assert found == [(1, "line_crossing")]
    # a zone for vehicles: a track whose class is unknown (plain motion) does not count
    yard = ZoneRule("yard", ((0, 0), (300, 0), (300, 300), (0, 300)), inertia=1, classes=("vehicle",))
    assert walk(TrackRules(zones=[yard]), east) == []


def test_a_track_slower_than_the_minimum_speed_neither_crosses_nor_intrudes_but_may_loiter() -> None:
    line = LineRule("gate", (100, 0), (100, 200))
    zone = ZoneRule("yard", ((95, 0), (300, 0), (300, 300), (95, 300)), inertia=1, loiter_s=1.0)
    creep = [(90 + 0.2 * i, 150.0) for i in range(100)]  # 2 px/s across the line: a swaying bush
    assert walk(TrackRules([line], [zone], min_speed=10.0), creep) == ["loitering:yard:"]
    walker = [(50.0 + 10 * i, 150.0) for i in range(12)]  # 100 px/s
    assert sorted(walk(TrackRules([line], [zone], min_speed=10.0), walker)) == [
        "line_crossing:gate:right_to_left", "zone_intrusion:yard:"]


def test_a_track_confirmed_past_the_line_counts_from_where_it_was_born() -> None:
    """A fast car is tentative for the tracker's first matches and reported only on the far
    side of the line: its birth box (``Tracker.births``) puts it on the side it came from."""
    from ridgeline.vision.tracking import Tracker, TrackerSettings

    line = LineRule("gate", (100, 0), (100, 200))  # drawn top to bottom: driving east is right_to_left

    def drive(with_births: bool) -> list[str]:
        tracker, rules, found = Tracker(TrackerSettings(min_hits=3)), TrackRules([line]), []
        for i in range(8):
            x = 88.0 + 8.0 * i  # tentative at 88 and 96, reported from its third match on, at 104
            tracks = tracker.update(Detections.of([box_at(x, 150.0)], [0.9]))
            born = tracker.births if with_births else None
            found.extend(str(h.detail["direction"]) for h in rules.update(tracks, i * 0.1, born=born))
        return found

    assert drive(True) == ["right_to_left"]
    assert drive(False) == []  # reported first past the line, the crossing was lost


def test_births_place_a_new_track_on_its_first_side() -> None:
    line = LineRule("gate", (100, 0), (100, 200))
    rules = TrackRules([line])
    # first reported at x 130, born at x 60: the line lies between
    hits = rules.update(track(1, box_at(130, 150)), 1.0, born={1: box_at(60, 150)})
    assert [h.detail["direction"] for h in hits] == ["right_to_left"]
    plain = TrackRules([line])
    assert plain.update(track(1, box_at(130, 150)), 1.0) == []  # without it, the track starts past the line
    born_there = TrackRules([line])
    assert born_there.update(track(1, box_at(130, 150)), 1.0, born={1: box_at(125, 150)}) == []
