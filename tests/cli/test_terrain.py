"""`ridgeline viewshed|coverage|site|radio|tiles` end to end: outputs on the example sector, one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml

from tests.conftest import EXAMPLE, HGT, write_tif

from .runner import one_line_error, run


def test_viewshed_command_writes_geotiff(tmp_path: Path) -> None:
    out = tmp_path / "vs.tif"
    code, text = run("viewshed", str(HGT), "--at", "-71.3033,44.2706", "--radius", "20000",
                     "--resolution", "90", "--out", str(out))
    assert code == 0, text
    with rasterio.open(out) as ds:
        vis = ds.read(1)
        assert ds.nodata == 255 and ds.crs.to_epsg() == 32619
        assert ds.compression is not None and ds.compression.name == "zstd"
    assert set(np.unique(vis)) <= {0, 1, 255}
    visible = (vis == 1).sum() / (vis != 255).sum()
    assert 0.2 < visible < 0.9  # the summit sees much, not all
    # the BLAS import numba's first load was spared is declined for that load only
    assert sys.modules.get("scipy.linalg.cython_blas", "absent") is not None


def test_viewshed_command_on_a_16_bit_utm_dem(tmp_path: Path) -> None:
    """A 16-bit DEM already in UTM is taken as stored: the same answer as its float32 grid."""
    from ridgeline.terrain.dem import load_terrain
    from ridgeline.terrain.viewshed import Observer, viewshed_grid

    t = load_terrain([HGT], resolution=90.0)
    heights = np.where(np.isnan(t.elevation), -32768, np.round(t.elevation)).astype(np.int16)
    dem = tmp_path / "utm16.tif"
    with rasterio.open(dem, "w", driver="GTiff", height=heights.shape[0], width=heights.shape[1], count=1,
                       dtype="int16", crs=t.crs, transform=t.transform, nodata=-32768) as dst:
        dst.write(heights, 1)
    out = tmp_path / "vs.tif"
    code, text = run("viewshed", str(dem), "--at", "-71.3033,44.2706", "--out", str(out))
    assert code == 0, text
    float_grid = load_terrain([dem])
    row, col = float_grid.cell_of_lonlat(-71.3033, 44.2706)
    with rasterio.open(out) as ds:
        np.testing.assert_array_equal(ds.read(1), viewshed_grid(float_grid, Observer(row, col)))


def test_coverage_and_site_outputs(tmp_path: Path) -> None:
    sector = yaml.safe_load((EXAMPLE / "sector.yaml").read_text())
    sector["terrain"]["dem"] = [str(HGT)]
    sector["terrain"]["resolution_m"] = 90
    sector["line"]["file"] = str(EXAMPLE / "line.geojson")
    sector["candidates"]["spacing_m"] = 3000
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(sector))
    code, text = run("coverage", str(path), "--out", str(tmp_path / "cov"))
    assert code == 0, text
    assert "Blind spots along the line" in text
    for name in ("coverage.tif", "blind_spots.geojson", "footprints.geojson", "coverage.png", "summary.json"):
        assert (tmp_path / "cov" / name).stat().st_size > 0
    summary = json.loads((tmp_path / "cov" / "summary.json").read_text())
    assert set(summary) >= {"line_length_m", "covered_fraction", "double_covered_fraction",
                            "longest_blind_spot_m", "blind_spots"}
    spots = json.loads((tmp_path / "cov" / "blind_spots.geojson").read_text())
    assert len(spots["features"]) == len(summary["blind_spots"])
    with rasterio.open(tmp_path / "cov" / "coverage.tif") as ds:
        assert ds.driver == "GTiff" and ds.overviews(1)
    code, text = run("coverage", str(path), "--out", str(tmp_path / "cov2"), "--json")
    assert code == 0 and json.loads(text) == summary, text
    code, text = run("site", str(path), "--add", "3", "--exact", "--out", str(tmp_path / "site"))
    assert code == 0, text
    result = json.loads((tmp_path / "site" / "summary.json").read_text())
    assert result["greedy_over_exact"] >= 0.98
    assert result["after"]["covered_fraction"] > result["before"]["covered_fraction"]
    assert result["after"]["longest_blind_spot_m"] <= result["before"]["longest_blind_spot_m"]
    assert (tmp_path / "site" / "sites.png").stat().st_size > 0


def test_bad_hgt(tmp_path: Path) -> None:
    p = tmp_path / "N44W072.hgt"
    p.write_bytes(HGT.read_bytes()[:5000])
    one_line_error(*run("viewshed", str(p), "--at", "-71.3,44.3", "--out", str(tmp_path / "o.tif")),
                   "N44W072.hgt", "truncated or of an odd size")


def test_all_void_tile(tmp_path: Path) -> None:
    p = tmp_path / "N44W072.hgt"
    p.write_bytes(np.full((1201, 1201), -32768, dtype=">i2").tobytes())
    one_line_error(*run("viewshed", str(p), "--at", "-71.3,44.3", "--out", str(tmp_path / "o.tif")),
                   "every cell is void")


def test_geotiff_without_crs(tmp_path: Path) -> None:
    p = write_tif(tmp_path / "plain.tif", np.ones((30, 30), dtype=np.float32), crs=None)
    one_line_error(*run("viewshed", str(p), "--at", "-71.3,44.3", "--out", str(tmp_path / "o.tif")),
                   "plain.tif", "no CRS")


def test_observer_outside_dem(tmp_path: Path) -> None:
    one_line_error(*run("viewshed", str(HGT), "--at", "-75.0,44.3", "--out", str(tmp_path / "o.tif")),
                   "observer", "outside the DEM")


def test_missing_dem_file(tmp_path: Path) -> None:
    one_line_error(*run("viewshed", str(tmp_path / "none.hgt"), "--at", "-71.3,44.3", "--out",
                        str(tmp_path / "o.tif")), "none.hgt", "not found")


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (lambda s: s["sites"][0].update(colour="red"), ["sector.yaml", "sites[shelburne].colour", "unknown field"]),
        (lambda s: s["terrain"].update(resolution_m="fine"), ["sector.yaml", "terrain.resolution_m"]),
        (lambda s: s["terrain"].update(dem=["missing.hgt"]), ["terrain.dem", "missing.hgt"]),
        (lambda s: s["line"].update(file=None, coordinates=[[-71.3, 44.3], [-73.2, 44.4]]),
         ["line.coordinates[1]: lon -73.2, lat 44.4 lies outside the terrain N44W072.hgt"]),
    ],
)
def test_bad_sector_files(tmp_path: Path, change, needles: list[str]) -> None:  # type: ignore[no-untyped-def]
    sector = yaml.safe_load((EXAMPLE / "sector.yaml").read_text())
    sector["terrain"]["dem"] = [str(HGT)]
    sector["line"]["file"] = str(EXAMPLE / "line.geojson")
    change(sector)
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(sector))
    one_line_error(*run("coverage", str(path), "--out", str(tmp_path / "o")), *needles)



def test_radio_names_every_site_and_tower_whole_and_as_json(tmp_path: Path) -> None:
    sector = yaml.safe_load((EXAMPLE / "sector.yaml").read_text())
    sector["terrain"]["dem"] = [str(HGT)]
    sector["terrain"]["resolution_m"] = 90
    sector["line"]["file"] = str(EXAMPLE / "line.geojson")
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(sector))
    code, text = run("radio", str(path))  # the test runner's terminal is 80 columns wide
    assert code == 0, text
    assert max(len(line) for line in text.splitlines()) <= 80
    code, out = run("radio", str(path), "--json")
    assert code == 0, out
    data = json.loads(out)
    pairs = {(link["site_id"], link["tower_id"]) for link in data["links"]}
    assert len(pairs) == len(sector["sites"]) * len({t for _, t in pairs}) > 0
    for site_id, tower_id in pairs:
        assert f" {site_id} " in f" {text} " and tower_id in text, text
    usable = {link["site_id"] for link in data["links"] if link["usable"]}
    assert set(data["no_usable_link"]) == {s["id"] for s in sector["sites"]} - usable


def test_tiles_command_writes_terrain_tiles(tmp_path: Path) -> None:
    from ridgeline.app.tiles import TerrainTiles

    out = tmp_path / "t.pmtiles"
    code, text = run("tiles", str(EXAMPLE / "sector.yaml"), "--out", str(out), "--max-zoom", "8")
    assert code == 0, text
    assert "6 terrain tiles, zooms 6-8 (z6 1, z7 1, z8 4), 256 px PNG, terrarium encoding" in " ".join(text.split())
    with TerrainTiles(out) as tiles:
        assert (tiles.min_zoom, tiles.max_zoom, tiles.metadata["encoding"]) == (6, 8, "terrarium")
    code, text = run("tiles", str(EXAMPLE / "sector.yaml"), "--out", str(out), "--min-zoom", "9", "--max-zoom", "8")
    one_line_error(code, text, "zooms 9..8")
