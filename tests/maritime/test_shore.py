"""The shore: distances from a land mask, the global 1 km mask read in a band, a DEM where it covers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

from ridgeline.errors import ConfigError
from ridgeline.maritime.landmask import global_land
from ridgeline.maritime.shore import Shore, read_land_polygons, shore_for
from tests.maritime.scenario import COAST_LAT, M_PER_DEG, coast, offshore


def test_distance_to_a_straight_coast() -> None:
    shore = coast()
    d = shore.distance_m(np.array([offshore(10), offshore(1), COAST_LAT + 0.1, 30.0]), np.array([10.0] * 4))
    assert d[0] == pytest.approx(10_000, abs=250) and d[1] == pytest.approx(1000, abs=250)
    assert d[2] == 0 and d[3] == np.inf  # on land; off the grid: unknown, so far


def test_global_mask_knows_land_from_sea() -> None:
    land, transform = global_land(-5.5, 35.8, -5.2, 36.2)
    shore = Shore.from_land_mask(land, transform)
    # the Rock of Gibraltar, the middle of the strait, the Bay of Algeciras
    d = shore.distance_m(np.array([36.135, 35.97, 36.10]), np.array([-5.345, -5.45, -5.40]))
    assert d[0] == 0 and d[1] > 5000 and 0 < d[2] < 5000


def test_a_dem_replaces_the_global_mask_where_it_covers() -> None:
    elevation = np.zeros((100, 100), np.float32)
    elevation[:, 50:] = 10.0  # land in the east half of a box in the open Atlantic
    transform = Affine(0.001, 0, -30.0, 0, -0.001, 40.0)
    shore = shore_for((-30.0, 39.9, -29.9, 40.0), (elevation, transform))
    d = shore.distance_m(np.array([39.95, 39.95, 39.95]), np.array([-29.99, -29.951, -29.94]))
    assert d[0] > 3000 and 0 < d[1] < 300 and d[2] == 0


def test_land_polygons_from_geojson_and_clear_errors(tmp_path: Path) -> None:
    island = tmp_path / "island.geojson"
    island.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[10.0, 55.0], [10.1, 55.0], [10.1, 55.1], [10.0, 55.1], [10.0, 55.0]]]}}))
    shore = shore_for((9.9, 54.9, 10.2, 55.2), land_polygons=read_land_polygons(island), use_global=False)
    d = shore.distance_m(np.array([55.05, 55.05, 55.05]), np.array([10.05, 10.15, 10.3]))
    assert d[0] == 0 and 2000 < d[1] < 4000
    line = tmp_path / "line.geojson"
    line.write_text(json.dumps({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}))
    with pytest.raises(ConfigError, match=r"line\.geojson: no land polygons in it \(found LineString\)"):
        read_land_polygons(line)
    bad = tmp_path / "bad.geojson"
    bad.write_text("{nope")
    with pytest.raises(ConfigError, match=r"bad\.geojson: not valid GeoJSON"):
        read_land_polygons(bad)


def test_on_land_the_shore_knows_how_far_water_is_and_how_sharp_its_cells_are() -> None:
    shore = coast()  # 0.002° cells: 222 m north-south, 156 m east-west at the grid's middle (45.5°S)
    dy = 0.002 * M_PER_DEG
    dx = dy * math.cos(math.radians(45.5))
    assert shore.cell_m == pytest.approx(math.hypot(dx, dy), rel=0.001)
    lat = np.array([COAST_LAT + 0.001, COAST_LAT + 0.009, COAST_LAT + 0.099, offshore(1)])
    w = shore.water_distance_m(lat, np.array([10.0] * 4))
    # from the centre of the first land row, one row to the first sea row's centre, less half a cell
    # (as the distance at sea is measured); then 5 rows in, 50 rows in; at sea 0
    assert w[0] == pytest.approx(dy - dx / 2, rel=0.01)
    assert w[1] == pytest.approx(5 * dy - dx / 2, rel=0.01)
    assert w[2] == pytest.approx(50 * dy - dx / 2, rel=0.01)
    assert w[3] == 0
