"""GeoJSON and PNG outputs of a coverage run on the example sector."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import imread
from shapely.geometry import shape

from ridgeline.config import load_sector
from ridgeline.terrain.coverage import compute_coverage, load_sector_terrain
from ridgeline.terrain.export import blind_spots_geojson, footprints_geojson, sites_geojson
from ridgeline.terrain.maps import draw_coverage_map, hillshade, place_clear_of


@pytest.fixture(scope="module")
def run(example_sector_path: Path):  # type: ignore[no-untyped-def]
    sector = load_sector(example_sector_path)
    terrain = load_sector_terrain(sector)
    return sector, compute_coverage(sector, terrain)


def test_blind_spots_follow_the_line_in_lonlat(run) -> None:  # type: ignore[no-untyped-def]
    _, result = run
    doc = json.loads(json.dumps(blind_spots_geojson(result)))
    assert len(doc["features"]) == len(result.blind_spots)
    total = sum(f["properties"]["length_m"] for f in doc["features"])
    assert total == pytest.approx(sum(b.length_m for b in result.blind_spots), abs=0.05 * len(doc["features"]))
    for f in doc["features"]:
        for lon, lat in f["geometry"]["coordinates"]:
            assert -72 <= lon <= -71 and 44 <= lat <= 45


def test_footprints_are_valid_polygons(run) -> None:  # type: ignore[no-untyped-def]
    sector, result = run
    doc = footprints_geojson(result)
    sensors = {(f["properties"]["site"], f["properties"]["sensor"]) for f in doc["features"]}
    assert len(sensors) == sum(len(s.sensors) for s in sector.sites)
    area = sum(f["properties"]["area_km2"] for f in doc["features"])
    cells_km2 = sum(fp.cells for fp in result.footprints) * result.terrain.cell_size**2 / 1e6
    assert area == pytest.approx(cells_km2, rel=1e-6)
    assert all(shape(f["geometry"]).is_valid for f in doc["features"])


def test_sites_geojson() -> None:
    doc = sites_geojson([(-71.3, 44.3), (-71.4, 44.2)], [1200.0, 800.0])
    assert [f["properties"]["rank"] for f in doc["features"]] == [1, 2]


def test_map_png_shows_terrain_and_coverage(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sector, result = run
    path = tmp_path / "map.png"
    draw_coverage_map(path, sector, result, new_sites=[(-71.3, 44.3)])
    img = imread(path)
    assert img.shape[0] > 500 and img.shape[1] > 500
    red = (img[..., 0] > 0.75) & (img[..., 1] < 0.2) & (img[..., 2] < 0.2)
    assert red.sum() > 100  # blind spots are drawn in red
    assert img[..., :3].std() > 0.1  # not a blank page


def test_labels_are_placed_clear_of_each_other() -> None:
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    site = ax.annotate("crawford", (5, 5), fontsize=7, xytext=(4, 4), textcoords="offset points")
    spot = ax.annotate("B4 3.1 km", (5, 5.9), fontsize=8, xytext=(4, -10), textcoords="offset points")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert spot.get_window_extent(renderer).overlaps(site.get_window_extent(renderer))  # as first drawn
    placed = [site]
    place_clear_of(fig, [spot], placed)
    assert not spot.get_window_extent(renderer).overlaps(site.get_window_extent(renderer))
    assert placed == [site, spot]
    plt.close(fig)


def test_hillshade_range() -> None:
    z = np.add.outer(np.arange(50.0), np.arange(60.0)).astype(np.float32)
    z[0, 0] = np.nan
    shade = hillshade(z, 30.0)
    assert np.isnan(shade[0, 0])
    assert np.nanmin(shade) >= 0 and np.nanmax(shade) <= 1
