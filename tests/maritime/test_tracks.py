"""Vessel tracks: out-of-order reports, duplicates, position jumps and one MMSI on two vessels."""

from __future__ import annotations

import numpy as np

from ridgeline.maritime.positions import Positions
from ridgeline.maritime.tracks import VesselTracks

SHIP, TWIN = 219000001, 219000007


def reports(rows: list[tuple[float, int, float, float]]) -> Positions:
    t, v, la, lo = zip(*rows, strict=True)
    n = len(rows)
    return Positions.from_lists(list(t), list(v), list(la), list(lo), [np.nan] * n, [np.nan] * n)


def test_jumps_duplicates_and_late_reports_are_dropped_and_counted() -> None:
    tracks = VesselTracks()
    first, ids = tracks.clean(reports([(0, SHIP, 55.0, 10.0), (60, SHIP, 55.001, 10.0), (60, SHIP, 55.001, 10.0)]))
    assert len(first) == 2 and tracks.dropped["duplicate"] == 1
    late, _ = tracks.clean(reports([(30, SHIP, 55.0005, 10.0)]))  # older than what MMSI 1 already said
    assert len(late) == 0 and tracks.dropped["out_of_order"] == 1
    # one fix 100 km away: the second identity takes it; the track goes on without it
    kept, ids2 = tracks.clean(reports([(120, SHIP, 55.9, 10.0), (180, SHIP, 55.002, 10.0), (240, SHIP, 55.003, 10.0)]))
    assert len(kept) == 3
    assert ids2.tolist() == [ids[0] + 1, ids[0], ids[0]]


def test_one_mmsi_on_two_vessels_becomes_two_tracks_and_a_third_place_is_a_jump() -> None:
    rows = []
    for k in range(10):  # two vessels 50 km apart share one MMSI, reporting in turn
        rows.append((k * 60.0, TWIN, 55.0 + k * 1e-4, 10.0))
        rows.append((k * 60.0 + 30, TWIN, 55.45 + k * 1e-4, 10.0))
    rows.append((700.0, TWIN, 56.5, 10.0))  # a third place, reachable from neither
    tracks = VesselTracks()
    kept, ids = tracks.clean(reports(rows))
    assert len(kept) == 20 and tracks.dropped["jump"] == 1
    assert sorted(set(ids.tolist())) == [0, 1]
    assert (kept.lat[ids == 0] < 55.1).all() and (kept.lat[ids == 1] > 55.4).all()
    assert tracks.mmsi_of_track(1) == TWIN


def test_aids_to_navigation_and_base_stations_are_not_vessels() -> None:
    tracks = VesselTracks()
    kept, _ = tracks.clean(reports([(0, 992191001, 55.0, 10.0), (0, 2190067, 55.1, 10.0), (0, SHIP, 55.2, 10.0)]))
    assert kept.vessel.tolist() == [SHIP] and tracks.dropped["not_a_vessel"] == 2


def test_with_anonymised_ids_every_id_is_a_vessel() -> None:
    tracks = VesselTracks(mmsi_rules=False)
    kept, ids = tracks.clean(reports([(0, 1, 55.0, 10.0), (0, 2, 55.1, 10.0), (60, 992191001, 55.2, 10.0)]))
    assert kept.vessel.tolist() == [1, 2, 992191001] and tracks.dropped["not_a_vessel"] == 0
    assert [tracks.mmsi_of_track(int(t)) for t in ids] == [1, 2, 992191001]


def test_with_anonymised_ids_the_stations_named_are_not_vessels() -> None:
    tracks = VesselTracks(mmsi_rules=False, stations={2})
    kept, _ = tracks.clean(reports([(0, 1, 55.0, 10.0), (0, 2, 55.1, 10.0), (60, 2, 55.1, 10.0)]))
    assert kept.vessel.tolist() == [1] and tracks.dropped["not_a_vessel"] == 2
