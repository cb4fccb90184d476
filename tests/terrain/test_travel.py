"""Travel time over the terrain against SciPy's Dijkstra on the same 16-move graph, built here
from the on-foot model as written (Tobler), on SRTM N44W072 around Mt Washington."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ridgeline.errors import RouteError
from ridgeline.terrain.dem import Terrain, load_terrain
from ridgeline.terrain.travel import (
    BoatModel,
    DroneModel,
    Mode,
    TravelModels,
    drone_flight,
    read_lines,
    travel_surface,
    travel_times,
)
from tests.conftest import HGT, flat_terrain

#: around Mt Washington: the summit, Tuckerman and Huntington ravines, the Lakes of the Clouds
PRESIDENTIAL = (-71.36, 44.22, -71.22, 44.32)
SUMMIT = (-71.3033, 44.2706)
PINKHAM = (-71.2533, 44.2573)
LAKES = (-71.3185, 44.2588)
#: the 8 neighbours and the 8 knight's moves, written again here rather than imported
STEPS = [(dr, dc) for dr in range(-2, 3) for dc in range(-2, 3) if max(abs(dr), abs(dc)) == 1 or abs(dr * dc) == 2]


@pytest.fixture(scope="module")
def presidential() -> Terrain:
    """The Presidential Range at 30 m in UTM 19N, about 380 x 380 cells."""
    return load_terrain([HGT], resolution=30.0, bounds_lonlat=PRESIDENTIAL)


def tobler_graph(terrain: Terrain, on_path: np.ndarray) -> csr_matrix:
    """The on-foot graph, from scratch: edge u -> v costs L / speed in minutes, speed decided by v."""
    z = terrain.elevation.astype(np.float64)
    rows, cols = z.shape
    ok = np.isfinite(z)
    index = np.arange(rows * cols).reshape(rows, cols)
    heads, tails, minutes = [], [], []
    for dr, dc in STEPS:
        a = (slice(max(0, -dr), rows - max(0, dr)), slice(max(0, -dc), cols - max(0, dc)))
        b = (slice(max(0, dr), rows + min(0, dr)), slice(max(0, dc), cols + min(0, dc)))
        length = terrain.cell_size * math.hypot(dr, dc)
        slope = (z[b] - z[a]) / length
        kmh = 6.0 * np.exp(-3.5 * np.abs(slope + 0.05)) * np.where(on_path[b] == 1, 1.0, 0.6)
        keep = ok[a] & ok[b]
        heads.append(index[a][keep])
        tails.append(index[b][keep])
        minutes.append((length / 1000.0 / kmh * 60.0)[keep])
    return csr_matrix((np.concatenate(minutes), (np.concatenate(heads), np.concatenate(tails))),
                      shape=(rows * cols, rows * cols))


def test_sixteen_moves() -> None:
    assert len(STEPS) == 16 and len(set(STEPS)) == 16
    assert sum(abs(dr) * abs(dc) == 2 for dr, dc in STEPS) == 8


def _trail(tmp_path: Path) -> Path:
    """A made-up trail from Pinkham Notch to the summit (a LineString in lon/lat)."""
    path = tmp_path / "trail.geojson"
    line = [PINKHAM, (-71.2700, 44.2620), (-71.2850, 44.2650), SUMMIT]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": line}}]}))
    return path


def test_minutes_agree_with_scipy_dijkstra_on_20_random_pairs(presidential: Terrain, tmp_path: Path) -> None:
    """Forward and reversed searches on a window with a trail and a void block, to 1e-6 minutes."""
    window = presidential.crop(170, 200, 290, 320)  # 120 x 120 cells from the summit east
    z = window.elevation.copy()
    z[40:48, 60:75] = np.nan  # a hole in the DEM: impassable
    terrain = Terrain(z, window.transform, window.crs)
    surface = travel_surface(terrain, Mode.FOOT, paths=read_lines(_trail(tmp_path)))
    assert 50 < int(surface.on_path.sum()) < 1000  # the trail crosses the window
    graph = tobler_graph(terrain, surface.on_path)
    rng = np.random.default_rng(17)
    valid = np.flatnonzero(np.isfinite(z))
    sources, targets = rng.choice(valid, 20, replace=False), rng.choice(valid, 20, replace=False)
    forward_ref = dijkstra(graph, directed=True, indices=sources)
    backward_ref = dijkstra(graph.T.tocsr(), directed=True, indices=targets)
    cols = z.shape[1]
    checked = 0
    for i, (s, t) in enumerate(zip(sources, targets, strict=True)):
        fwd = travel_times(surface, (s // cols, s % cols))
        assert abs(fwd.at(t // cols, t % cols) - forward_ref[i, t]) < 1e-6
        np.testing.assert_allclose(fwd.minutes.ravel(), forward_ref[i], rtol=0, atol=1e-6)
        back = travel_times(surface, (t // cols, t % cols), reverse=True)
        assert abs(back.at(s // cols, s % cols) - forward_ref[i, t]) < 1e-6  # to t from s, either way
        np.testing.assert_allclose(back.minutes.ravel(), backward_ref[i], rtol=0, atol=1e-6)
        checked += np.isfinite(forward_ref[i, t])
    assert checked == 20
    assert np.isinf(fwd.minutes[40:48, 60:75]).all()


def walked(terrain: Terrain, cells: np.ndarray) -> float:
    """Minutes to walk ``cells`` in order off paths, by Tobler as the issue writes it (each move one of the 16)."""
    z = terrain.elevation.astype(np.float64)
    total = 0.0
    for (r0, c0), (r1, c1) in pairwise(cells):
        assert (r1 - r0, c1 - c0) in STEPS
        length = terrain.cell_size * math.hypot(r1 - r0, c1 - c0)
        total += length * 0.06 / (3.6 * math.exp(-3.5 * abs((z[r1, c1] - z[r0, c0]) / length + 0.05)))
    return total


def test_uphill_and_downhill_differ_and_the_reversed_search_is_the_forward_one_from_the_other_end(
    presidential: Terrain,
) -> None:
    surface = travel_surface(presidential, Mode.FOOT)
    summit, pinkham = surface.cell(*SUMMIT), surface.cell(*PINKHAM)
    up = travel_times(surface, pinkham, targets=[summit]).at(*summit)
    down = travel_times(surface, summit, targets=[pinkham]).at(*pinkham)
    print(f"\nPinkham Notch -> Mt Washington {up:.1f} min, back down {down:.1f} min")
    # the way up, walked back down: the slopes change sign, so its time changes, and it is no faster
    # than the fastest way down
    way_up = travel_times(surface, pinkham, targets=[summit]).path(*summit)
    assert walked(presidential, way_up) == pytest.approx(up, abs=1e-6)
    back_down = walked(presidential, way_up[::-1])
    assert abs(back_down - up) > 1.0 and down <= back_down + 1e-9
    to_summit = travel_times(surface, summit, reverse=True)
    to_pinkham = travel_times(surface, pinkham, reverse=True)
    assert to_summit.at(*pinkham) == pytest.approx(up, abs=1e-9)
    assert to_pinkham.at(*summit) == pytest.approx(down, abs=1e-9)


def test_the_path_is_made_of_moves_whose_times_add_up(presidential: Terrain) -> None:
    surface = travel_surface(presidential, Mode.FOOT)
    summit, pinkham = surface.cell(*SUMMIT), surface.cell(*PINKHAM)
    for times, start, end in ((travel_times(surface, pinkham), pinkham, summit),
                              (travel_times(surface, summit, reverse=True), pinkham, summit)):
        cells = times.path(*(summit if not times.reverse else pinkham))
        assert tuple(cells[0]) == start and tuple(cells[-1]) == end
        end_cell = summit if not times.reverse else pinkham
        assert walked(presidential, cells) == pytest.approx(times.at(*end_cell), abs=1e-6)
        assert 4000 < times.length_m(cells) < 7000


def test_bounded_searches_stop_early_with_the_same_times(presidential: Terrain) -> None:
    surface = travel_surface(presidential, Mode.FOOT)
    summit, pinkham = surface.cell(*SUMMIT), surface.cell(*PINKHAM)
    lakes = surface.cell(*LAKES)
    full = travel_times(surface, summit)
    to_target = travel_times(surface, summit, targets=[lakes, pinkham])
    assert to_target.at(*pinkham) == full.at(*pinkham)
    assert to_target.settled < full.settled
    to_target = travel_times(surface, summit, targets=[lakes])
    assert to_target.at(*lakes) == full.at(*lakes)
    assert to_target.settled < full.settled // 2
    within = travel_times(surface, summit, max_minutes=60.0)
    reached = np.isfinite(within.minutes)
    assert np.array_equal(reached, full.minutes <= 60.0)
    np.testing.assert_array_equal(within.minutes[reached], full.minutes[reached])
    near = travel_times(surface, summit, max_radius_m=1500.0)
    rows, cols = np.indices(presidential.shape)
    far = np.hypot(rows - summit[0], cols - summit[1]) * 30.0 > 1500.0
    assert np.isinf(near.minutes[far]).all() and np.isfinite(near.minutes[~far]).mean() > 0.99
    assert (near.minutes[~far] >= full.minutes[~far] - 1e-9).all()  # fewer cells, never faster


def test_a_16_bit_dem_as_stored_gives_the_float_answer(presidential: Terrain) -> None:
    heights = np.round(presidential.elevation).astype(np.int16)
    heights[:5, :5] = -32768
    as_stored = Terrain(heights, presidential.transform, presidential.crs, nodata=-32768.0)
    as_float = Terrain(np.where(heights == -32768, np.nan, heights).astype(np.float32), presidential.transform,
                       presidential.crs)
    a = travel_times(travel_surface(as_stored, Mode.FOOT), (200, 200))
    b = travel_times(travel_surface(as_float, Mode.FOOT), (200, 200))
    np.testing.assert_array_equal(a.minutes, b.minutes)
    assert np.isinf(a.minutes[:5, :5]).all()


def test_vehicle_drives_roads_and_stops_at_a_steep_face(tmp_path: Path) -> None:
    terrain = flat_terrain((50, 50), cell=30.0)
    x0, y = terrain.xy(25, 5)
    x1, _ = terrain.xy(25, 45)
    road = [terrain.to_lonlat(x0, y), terrain.to_lonlat(x1, y)]
    vehicle = travel_surface(terrain, Mode.VEHICLE, paths=[road])
    assert vehicle.on_path[25, 5:46].all()
    assert travel_times(vehicle, (25, 5)).at(25, 45) == pytest.approx(40 * 30.0 * 0.06 / 40.0)  # 1.8 min at 40 km/h
    foot = travel_times(travel_surface(terrain, Mode.FOOT, paths=[road]), (25, 5)).at(25, 45)
    assert foot == pytest.approx(1200.0 * 0.06 / (6.0 * math.exp(-3.5 * 0.05)))
    z = terrain.elevation.copy()
    z[:, 30:] += 20.0  # a 20 m step: slope 0.67 on a neighbour move, 0.30 on a knight's move
    cliff = Terrain(z, terrain.transform, terrain.crs)
    assert math.isinf(travel_times(travel_surface(cliff, Mode.VEHICLE), (10, 10)).at(10, 40))
    gentler = TravelModels.model_validate({"vehicle": {"offroad_max_slope": 0.5}})
    assert math.isfinite(travel_times(travel_surface(cliff, Mode.VEHICLE, gentler), (10, 10)).at(10, 40))
    assert math.isfinite(travel_times(travel_surface(cliff, Mode.FOOT), (10, 10)).at(10, 40))


def test_boats_keep_to_water() -> None:
    terrain = flat_terrain((40, 40), height=-1.0)
    z = terrain.elevation.copy()
    z[:, 18:22] = 5.0  # a spit of land across the bay
    z[30:, 18:22] = 0.0  # with a channel at sea level
    sea = Terrain(z, terrain.transform, terrain.crs)
    boat = travel_surface(sea, Mode.BOAT, TravelModels(boat=BoatModel(speed_kmh=30.0)))
    times = travel_times(boat, (5, 5))
    cells = times.path(5, 35)
    assert (z[cells[:, 0], cells[:, 1]] <= 0.0).all() and cells[:, 0].max() >= 30
    assert times.at(5, 35) == pytest.approx(times.length_m(cells) * 0.06 / 30.0)
    with pytest.raises(RouteError, match="on land"):
        boat.cell(*sea.to_lonlat(*sea.xy(5, 20)), "--from")
    lake = [[sea.to_lonlat(*sea.xy(r, c)) for r, c in ((0, 17), (0, 23), (29, 23), (29, 17), (0, 17))]]
    ring_boat = travel_surface(sea, Mode.BOAT, water=[lake])
    assert ring_boat.passable[5, 18:22].all()


def test_drone_flies_straight_within_its_endurance() -> None:
    flight = drone_flight(*PINKHAM, *SUMMIT, DroneModel(cruise_speed_kmh=60.0, endurance_min=5.0))
    (lon0, lat0), (lon1, lat1) = np.radians(PINKHAM), np.radians(SUMMIT)
    haversine = 2 * 6371008.8 * math.asin(math.sqrt(
        math.sin((lat1 - lat0) / 2) ** 2 + math.cos(lat0) * math.cos(lat1) * math.sin((lon1 - lon0) / 2) ** 2))
    assert flight.length_m == pytest.approx(haversine, rel=0.005)
    assert flight.minutes == pytest.approx(flight.length_m / 1000.0)
    assert flight.within_endurance is True
    assert drone_flight(-71.9, 44.9, *SUMMIT, DroneModel(endurance_min=30.0)).within_endurance is False
    with pytest.raises(RouteError, match="straight line"):
        travel_surface(flat_terrain(), Mode.DRONE)


def test_a_window_around_a_cell_keeps_its_places(presidential: Terrain) -> None:
    surface = travel_surface(presidential, Mode.FOOT)
    summit = surface.cell(*SUMMIT)
    window = surface.around(*summit, 1500.0)
    assert window.terrain.shape == (101, 101) and window.cell(*SUMMIT) == (50, 50)
    lakes = surface.cell(*LAKES)
    inside = window.cell(*LAKES)
    assert (lakes[0] - summit[0], lakes[1] - summit[1]) == (inside[0] - 50, inside[1] - 50)
    assert travel_times(window, (50, 50)).at(*inside) >= travel_times(surface, summit).at(*lakes) - 1e-9
    corner = surface.around(2, 3, 300.0)
    assert corner.terrain.shape == (13, 14) and corner.terrain.transform.c == presidential.transform.c
