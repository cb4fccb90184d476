"""Coverage on the example sector (real terrain) and on terrain with known answers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from ridgeline.config import load_sector
from ridgeline.config.sector import Sector, SensorConfig, SiteConfig
from ridgeline.errors import OutsideTerrainError
from ridgeline.terrain.coverage import (
    check_on_terrain,
    compute_coverage,
    find_blind_spots,
    load_sector_terrain,
    sample_line,
)
from ridgeline.terrain.footprint import in_wedge, sensor_footprint, wedge

from ..conftest import flat_terrain


@pytest.fixture(scope="module")
def example(example_sector_path: Path):  # type: ignore[no-untyped-def]
    sector = load_sector(example_sector_path)
    return sector, load_sector_terrain(sector)


def test_example_sector_has_real_blind_spots(example) -> None:  # type: ignore[no-untyped-def]
    sector, terrain = example
    day = compute_coverage(sector, terrain)
    s = day.summary()
    assert 40_000 <= s["line_length_m"] <= 60_000
    assert 0.2 < s["covered_fraction"] < 0.95
    assert s["double_covered_fraction"] <= s["covered_fraction"]
    assert s["longest_blind_spot_m"] > 1000
    assert s["longest_blind_spot_m"] == max(b["length_m"] for b in s["blind_spots"])
    blind_total = sum(b.length_m for b in day.blind_spots)
    assert blind_total == pytest.approx((1 - s["covered_fraction"]) * s["line_length_m"], rel=1e-3)
    night = compute_coverage(sector, terrain, night=True).summary()
    assert night["covered_fraction"] < s["covered_fraction"]



def test_an_ais_receiver_covers_no_ground(example) -> None:  # type: ignore[no-untyped-def]
    sector, terrain = example
    first = sector.sites[0]
    vhf = SensorConfig(id="vhf", kind="ais", day_range_m=40_000, night_range_m=40_000)
    with_ais = sector.model_copy(update={"sites": [first.model_copy(update={"sensors": [*first.sensors, vhf]}),
                                                   *sector.sites[1:]]})
    plain, heard = compute_coverage(sector, terrain), compute_coverage(with_ais, terrain)
    assert len(heard.footprints) == len(plain.footprints)
    assert heard.summary()["covered_fraction"] == plain.summary()["covered_fraction"]

def test_fov_wedges() -> None:
    cam = SensorConfig(id="c", kind="camera", azimuth_deg=350, fov_deg=40, day_range_m=1, night_range_m=0)
    assert wedge(cam) == (330.0, 10.0)
    b = np.array([0.0, 9.9, 10.1, 329.0, 331.0, 180.0])
    assert in_wedge(b, wedge(cam)).tolist() == [True, True, False, False, True, False]
    radar = SensorConfig(id="r", kind="radar", fov_deg=10, day_range_m=1, night_range_m=1)
    assert wedge(radar) is None
    ptz = SensorConfig(id="p", kind="ptz", fov_deg=20, day_range_m=1, night_range_m=1, pan_min_deg=90, pan_max_deg=180)
    assert wedge(ptz) == (80.0, 190.0)


def test_footprint_on_flat_ground_is_range_times_wedge() -> None:
    t = flat_terrain((201, 201), cell=10.0)
    lon, lat = t.to_lonlat(*t.xy(100, 100))
    site = SiteConfig(id="s", lon=lon, lat=lat, mast_height_m=10)
    cam = SensorConfig(id="c", kind="camera", azimuth_deg=90, fov_deg=90, day_range_m=500, night_range_m=0)
    fp = sensor_footprint(t, site, cam, curvature_coeff=0.0)
    # a quarter disc of radius 50 cells
    assert fp.cells == pytest.approx(math.pi * 50**2 / 4, rel=0.06)
    night = sensor_footprint(t, site, cam, night=True)
    assert night.cells == 0


def test_line_outside_dem_is_refused(example) -> None:  # type: ignore[no-untyped-def]
    _, terrain = example
    with pytest.raises(OutsideTerrainError, match=r"vertex 1 .* outside the DEM"):
        sample_line(terrain, [(-71.3, 44.3), (-73.5, 44.3)])


def test_blind_spots_are_runs_longest_first() -> None:
    t = flat_terrain((50, 200), cell=30.0)
    a = t.to_lonlat(*t.xy(25, 5))
    b = t.to_lonlat(*t.xy(25, 195))
    samples = sample_line(t, [a, b])
    seen = np.ones(len(samples), dtype=np.int64)
    seen[10:20] = 0
    seen[100:150] = 0
    spots = find_blind_spots(t, samples, seen, [])
    assert [round(s.length_m) for s in spots] == [round(50 * samples.weight_m[0]), round(10 * samples.weight_m[0])]
    assert spots[0].start_km == pytest.approx(100 * samples.weight_m[0] / 1000)


def test_sector_with_line_off_the_tile(tmp_path: Path, example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    moved = Sector.model_validate(
        {**sector.model_dump(), "line": {"coordinates": [[-71.3, 44.3], [-70.5, 44.3]]},
         "base_dir": sector.base_dir}
    )
    with pytest.raises(OutsideTerrainError, match=r"^line\.coordinates\[1\]: lon -70\.5, lat 44\.3 lies outside the "
                       r"terrain N44W072\.hgt \(lon -72\.\.-71, lat 44\.\.45\)$"):
        load_sector_terrain(moved)


def _copy_example(tmp_path: Path, example_sector_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(example_sector_path.read_text())
    change(raw)
    for name in ("N44W072.hgt", "line.geojson"):
        (tmp_path / name).symlink_to(example_sector_path.parent / name)
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_swapped_tower_is_refused_before_any_work(tmp_path: Path, example_sector_path: Path) -> None:
    def swap(raw):  # type: ignore[no-untyped-def]
        tower = raw["cell_towers"][0]
        tower["lon"], tower["lat"] = tower["lat"], tower["lon"]
    sector = load_sector(_copy_example(tmp_path, example_sector_path, swap))
    expected = (r"^cell_towers\[gorham-5g\]: lon 44\.388, lat -71\.175 lies outside the terrain N44W072\.hgt "
                r"\(lon -72\.\.-71, lat 44\.\.45\); are longitude and latitude swapped\?$")
    with pytest.raises(OutsideTerrainError, match=expected):
        check_on_terrain(sector)  # the DEM's header is all it reads
    with pytest.raises(OutsideTerrainError, match=expected):
        load_sector_terrain(sector)


def test_every_point_off_the_terrain_is_named(tmp_path: Path, example_sector_path: Path) -> None:
    def move(raw):  # type: ignore[no-untyped-def]
        raw["sites"][3]["lon"] = -73.25  # a typo: a degree too far west, not a swap
        raw["line"] = {"coordinates": [[-71.3, 44.3], [-71.2, 44.3], [-71.1, 45.2]]}
    sector = load_sector(_copy_example(tmp_path, example_sector_path, move))
    with pytest.raises(OutsideTerrainError) as exc:
        check_on_terrain(sector)
    problems = str(exc.value).split("; ")
    assert [p.split(":")[0] for p in problems] == ["sites[pinkham]", "line.coordinates[2]"]
    assert "swapped" not in str(exc.value)


def test_a_vertex_of_the_line_file_is_named(tmp_path: Path, example_sector_path: Path) -> None:
    def own_line(raw):  # type: ignore[no-untyped-def]
        raw["line"] = {"file": "border.geojson"}
    path = _copy_example(tmp_path, example_sector_path, own_line)
    line = {"type": "LineString", "coordinates": [[-71.3, 44.3], [-71.2, 44.35], [-70.9, 44.4]]}
    (tmp_path / "border.geojson").write_text(json.dumps(line))
    with pytest.raises(OutsideTerrainError, match=r"^border\.geojson vertex 2: lon -70\.9, lat 44\.4 lies outside"):
        check_on_terrain(load_sector(path))


def test_points_on_the_terrain_pass(example) -> None:  # type: ignore[no-untyped-def]
    sector, _ = example
    check_on_terrain(sector)
