"""DEM input: real SRTM tiles read, reprojected and mosaicked; bad tiles refused by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeline.errors import DataFileNotFoundError, OutsideTerrainError, TerrainError
from ridgeline.terrain.dem import dem_tiles, load_stored_terrain, load_terrain, read_dem, stored_heights, utm_crs

from ..conftest import HGT, write_tif


def test_srtm3_tile_reads_with_known_summit() -> None:
    data, transform, crs, _ = read_dem([HGT])
    assert data.shape == (1201, 1201)
    assert crs.to_epsg() == 4326
    assert 1900 <= np.nanmax(data) <= 1920  # Mt Washington, 1,917 m
    col, row = ~transform @ (-71.3033, 44.2706)
    assert data[int(row), int(col)] > 1850


def test_reprojects_to_utm_with_square_cells() -> None:
    t = load_terrain([HGT], resolution=90.0)
    assert t.crs.to_epsg() == 32619
    assert t.cell_size == pytest.approx(90.0)
    assert 900 < t.shape[1] < 1000 and 1200 < t.shape[0] < 1300
    assert np.isnan(t.elevation).any()  # the rotated tile leaves no-data corners
    row, col = t.cell_of_lonlat(-71.3033, 44.2706)
    assert t.elevation[row, col] > 1850


def test_utm_zone_choice() -> None:
    assert utm_crs(-71.3, 44.3).to_epsg() == 32619
    assert utm_crs(9.5, 48.5).to_epsg() == 32632
    assert utm_crs(-5.5, -36.5).to_epsg() == 32730


def test_working_zone_comes_from_the_dem_not_the_area_asked() -> None:
    """An area reaching far west of the tile (a stray point) leaves the work in the tile's zone."""
    t = load_terrain([HGT], resolution=300.0, bounds_lonlat=(-80.0, 44.2, -71.5, 44.4))
    assert t.crs.to_epsg() == 32619  # the tile (-72..-71) is in zone 19; the area's centre in 18
    west, _ = t.to_lonlat(*t.xy(0, 0))
    assert west == pytest.approx(-72.0, abs=0.01)


def test_tile_extent_from_the_header(tmp_path: Path) -> None:
    (tile,) = dem_tiles([HGT])
    assert tile.describe() == "N44W072.hgt (lon -72..-71, lat 44..45)"
    lon, lat = np.array([-71.3, 44.3, -71.0, -71.3]), np.array([44.3, -71.3, 45.0, 43.99])
    assert tile.holds(lon, lat).tolist() == [True, False, True, False]


def test_two_tiles_mosaic(tmp_path: Path) -> None:
    a = np.full((50, 60), 100, dtype=np.int16)
    b = np.full((50, 60), 200, dtype=np.int16)
    pa = write_tif(tmp_path / "a.tif", a, nodata=-32768)
    import rasterio
    from affine import Affine

    with rasterio.open(tmp_path / "b.tif", "w", driver="GTiff", height=50, width=60, count=1,
                       dtype="int16", crs="EPSG:32619", nodata=-32768,
                       transform=Affine(30, 0, 300000 + 60 * 30, 0, -30, 4900000)) as dst:
        dst.write(b, 1)
    data, _, _, _ = read_dem([pa, tmp_path / "b.tif"])
    assert data.shape == (50, 120)
    assert data[0, 0] == 100 and data[0, -1] == 200


def test_voids_become_nan(tmp_path: Path) -> None:
    a = np.full((40, 40), 300, dtype=np.int16)
    a[5:8, 5:8] = -32768
    data, _, _, _ = read_dem([write_tif(tmp_path / "v.tif", a, nodata=-32768)])
    assert np.isnan(data).sum() == 9


@pytest.mark.parametrize(
    ("dtype", "nodata", "layout"),
    [
        ("int16", -32768, {}),
        ("int16", -9999, {"tiled": True, "blockxsize": 128, "blockysize": 128, "compress": "deflate"}),
        ("uint16", 65535, {"blockysize": 7}),
        ("float32", -3.0e38, {"tiled": True, "blockxsize": 256, "blockysize": 256}),
        ("float32", None, {}),
    ],
)
def test_large_grids_read_in_strips_as_a_whole_read_would(
    tmp_path: Path, dtype: str, nodata: float | None, layout: dict[str, object]
) -> None:
    """A grid taller than a strip, voids across strip boundaries, several file layouts:
    the same floats and NaNs as GDAL's read of the whole band converted at once."""
    import rasterio
    from affine import Affine

    rng = np.random.default_rng(3)
    rows, cols = 700, 333  # 700 rows: three strips of 256, the last one short
    a = rng.integers(0, 4000, size=(rows, cols)).astype(dtype)
    if dtype == "float32":
        a += rng.random((rows, cols)).astype(np.float32)
    voids = rng.random((rows, cols)) < 0.05
    voids[250:262, :] = True  # across the first strip boundary
    if nodata is not None:
        a[voids] = nodata
    else:
        a[voids] = np.nan
    path = tmp_path / f"{dtype}.tif"
    with rasterio.open(path, "w", driver="GTiff", height=rows, width=cols, count=1, dtype=dtype,
                       crs="EPSG:32619", nodata=nodata, transform=Affine(30, 0, 300000, 0, -30, 4900000),
                       **layout) as dst:
        dst.write(a, 1)
    data, _, _, _ = read_dem([path])
    expected = a.astype(np.float32)
    expected[voids] = np.nan
    assert data.dtype == np.float32 and data.shape == (rows, cols)
    np.testing.assert_array_equal(data, expected)


def test_stored_terrain_keeps_16_bit_heights(tmp_path: Path) -> None:
    """A 16-bit DEM on a metric grid is kept as stored, its voids known by its nodata
    value: the same cells with data as the float32 grid everything else works on."""
    rng = np.random.default_rng(5)
    a = rng.integers(-400, 4000, size=(60, 70)).astype(np.int16)
    a[rng.random(a.shape) < 0.1] = -9999
    p = write_tif(tmp_path / "s.tif", a, nodata=-9999)
    assert stored_heights(p) == np.int16
    t = load_stored_terrain(p)
    f = load_terrain([p])
    assert t.elevation.dtype == np.int16 and t.nodata == -9999
    np.testing.assert_array_equal(t.elevation, a)
    assert (t.transform, t.crs) == (f.transform, f.crs)
    has = np.array([[t.has_data(r, c) for c in range(a.shape[1])] for r in range(a.shape[0])])
    np.testing.assert_array_equal(has, ~np.isnan(f.elevation))
    assert t.crop(10, 10, 20, 20).nodata == -9999


def test_stored_terrain_is_float32_for_other_dems(tmp_path: Path) -> None:
    """Float DEMs, and DEMs that must be reprojected (an SRTM tile), load as load_terrain does."""
    p = write_tif(tmp_path / "f.tif", np.full((30, 30), 12.5, dtype=np.float32))
    assert stored_heights(p) is None and stored_heights(HGT) is None
    t = load_stored_terrain(p)
    assert t.elevation.dtype == np.float32 and np.isnan(t.nodata)
    hgt = load_stored_terrain(HGT)
    assert hgt.crs.to_epsg() == 32619 and hgt.elevation.dtype == np.float32


def test_stored_terrain_refuses_an_all_void_dem(tmp_path: Path) -> None:
    p = write_tif(tmp_path / "void.tif", np.full((30, 30), -32768, dtype=np.int16), nodata=-32768)
    with pytest.raises(TerrainError, match=r"void\.tif: every cell is void"):
        load_stored_terrain(p)
    with pytest.raises(DataFileNotFoundError, match="not found"):
        stored_heights(tmp_path / "none.tif")


def test_truncated_hgt(tmp_path: Path) -> None:
    p = tmp_path / "N44W072.hgt"
    p.write_bytes(HGT.read_bytes()[:100_000])
    with pytest.raises(TerrainError, match=r"N44W072\.hgt: not a valid SRTM \.hgt tile: 100000 bytes"):
        read_dem([p])


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.integers(min_value=0, max_value=3_000_000).filter(lambda n: n not in (1201 * 1201 * 2,)))
def test_odd_sized_hgt_is_refused(tmp_path: Path, size: int) -> None:
    p = tmp_path / "N00E000.hgt"
    with open(p, "wb") as f:
        f.truncate(size)
    with pytest.raises(TerrainError, match="truncated or of an odd size"):
        read_dem([p])


def test_all_void_tile(tmp_path: Path) -> None:
    p = tmp_path / "N10E010.hgt"
    p.write_bytes(np.full((1201, 1201), -32768, dtype=">i2").tobytes())
    with pytest.raises(TerrainError, match="every cell is void"):
        read_dem([p])


def test_geotiff_without_crs(tmp_path: Path) -> None:
    p = write_tif(tmp_path / "nocrs.tif", np.ones((20, 20), dtype=np.float32), crs=None)
    with pytest.raises(TerrainError, match=r"nocrs\.tif: the raster has no CRS"):
        read_dem([p])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="DEM file not found"):
        read_dem([tmp_path / "gone.hgt"])


def test_not_a_raster(tmp_path: Path) -> None:
    p = tmp_path / "junk.tif"
    p.write_bytes(b"this is not a tiff" * 10)
    with pytest.raises(TerrainError, match="cannot be read as a DEM"):
        read_dem([p])


def test_point_outside_dem() -> None:
    t = load_terrain([HGT], resolution=90.0)
    with pytest.raises(OutsideTerrainError, match="outside the DEM"):
        t.cell_of_lonlat(-75.0, 44.5, what="observer")


def test_copy_of_tile_in_other_folder_reads_the_same(tmp_path: Path) -> None:
    shutil.copy(HGT, tmp_path / "N44W072.hgt")
    a, _, _, _ = read_dem([HGT])
    b, _, _, _ = read_dem([tmp_path / "N44W072.hgt"])
    np.testing.assert_array_equal(a, b)
