"""Vessel tracks: out-of-order reports, duplicates, position jumps and one MMSI on two vessels."""

from __future__ import annotations

import numpy as np

from ridgeline.maritime.positions import Positions
from ridgeline.maritime.tracks import VesselTracks


def reports(rows: list[tuple[float, int, float, float]]) -> Positions:
    t, v, la, lo = zip(*rows, strict=True)
    n = len(rows)
    return Positions.from_lists(list(t), list(v), list(la), list(lo), [np.nan] * n, [np.nan] * n)


def test_jumps_duplicates_and_late_reports_are_dropped_and_counted() -> None:
    tracks = VesselTracks()
    first, ids = tracks.clean(reports([(0, 1, 55.0, 10.0), (60, 1, 55.001, 10.0), (60, 1, 55.001, 10.0)]))
    assert len(first) == 2 and tracks.dropped["duplicate"] == 1
    late, _ = tracks.clean(reports([(30, 1, 55.0005, 10.0)]))  # older than what MMSI 1 already said
    assert len(late) == 0 and tracks.dropped["out_of_order"] == 1
    # one fix 100 km away: the second identity takes it; the track goes on without it
    kept, ids2 = tracks.clean(reports([(120, 1, 55.9, 10.0), (180, 1, 55.002, 10.0), (240, 1, 55.003, 10.0)]))
    assert len(kept) == 3
    assert ids2.tolist() == [ids[0] + 1, ids[0], ids[0]]


def test_one_mmsi_on_two_vessels_becomes_two_tracks_and_a_third_place_is_a_jump() -> None:
    rows = []
    for k in range(10):  # two vessels 50 km apart share MMSI 7, reporting in turn
        rows.append((k * 60.0, 7, 55.0 + k * 1e-4, 10.0))
        rows.append((k * 60.0 + 30, 7, 55.45 + k * 1e-4, 10.0))
    rows.append((700.0, 7, 56.5, 10.0))  # a third place, reachable from neither
    tracks = VesselTracks()
    kept, ids = tracks.clean(reports(rows))
    assert len(kept) == 20 and tracks.dropped["jump"] == 1
    assert sorted(set(ids.tolist())) == [0, 1]
    assert (kept.lat[ids == 0] < 55.1).all() and (kept.lat[ids == 1] > 55.4).all()
    assert tracks.mmsi_of_track(1) == 7
