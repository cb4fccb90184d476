"""Terrain tiles: the Terrarium encoding, the zoom chosen, void filling, and the heights of a
rendered tile against the SRTM tile sampled independently (bilinear, by SciPy) at the same
points, on the White Mountains around Mt Washington."""

from __future__ import annotations

import math

import mercantile
import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS
from scipy import ndimage

from ridgeline.terrain import tiles as engine
from ridgeline.terrain.dem import read_dem
from tests.conftest import HGT

MT_WASHINGTON = (-71.3033, 44.2706)


@given(st.lists(st.floats(min_value=-500.0, max_value=9000.0, allow_nan=False), min_size=1, max_size=64))
def test_terrarium_round_trip_within_a_256th_of_a_metre(heights: list[float]) -> None:
    h = np.array(heights)
    back = engine.decode_terrarium(engine.encode_terrarium(h))
    assert np.all(np.abs(back - h) <= 1 / 512 + 1e-9)


def test_terrarium_values_as_maplibre_reads_them() -> None:
    rgb = engine.encode_terrarium(np.array([0.0, -32768.0, 1916.5, np.nan, 1e9, -1e9]))
    # height = R * 256 + G + B / 256 - 32768
    assert rgb.tolist() == [[128, 0, 0], [0, 0, 0], [135, 124, 128], [128, 0, 0], [255, 255, 255], [0, 0, 0]]
    assert engine.decode_terrarium(np.array([135, 124, 128], dtype=np.uint8)) == 1916.5


def test_png_is_lossless() -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    png = engine.encode_png(rgb)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(engine.decode_png(png), rgb)
    with pytest.raises(ValueError):
        engine.decode_png(b"not a png")


def test_the_max_zoom_follows_the_dem_cell_size() -> None:
    srtm3 = Affine(1 / 1200, 0, -72.0, 0, -1 / 1200, 45.0)
    srtm1 = Affine(1 / 3600, 0, -72.0, 0, -1 / 3600, 45.0)
    wgs84 = CRS.from_epsg(4326)
    cell3 = engine.dem_cell_m(srtm3, wgs84, 44.5)
    assert 77 < cell3 < 79  # 66 m east-west by 93 m north-south
    assert engine.max_zoom_for(cell3, 44.5) == 11
    assert engine.max_zoom_for(engine.dem_cell_m(srtm1, wgs84, 44.5), 44.5) == 13
    assert engine.max_zoom_for(engine.dem_cell_m(srtm1, wgs84, 60.0), 60.0) == 12
    utm30 = Affine(30, 0, 300000, 0, -30, 5000000)
    assert engine.dem_cell_m(utm30, CRS.from_epsg(32619), 45.0) == 30
    assert engine.max_zoom_for(1.0, 0.0) == engine.MAX_ZOOM and engine.max_zoom_for(1e6, 0.0) == engine.MIN_ZOOM


@pytest.mark.parametrize("zoom", [6, 9, 11])
def test_the_tile_range_is_mercantiles(zoom: int) -> None:
    bounds = (-72.0004, 43.9996, -70.9996, 45.0004)
    x0, y0, x1, y1 = engine.tile_range(bounds, zoom)
    expected = {(t.x, t.y) for t in mercantile.tiles(*bounds, zooms=zoom)}
    assert {(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)} == expected
    blocks = list(engine.windows(bounds, zoom, block=3))
    assert sum(w.tiles for w in blocks) == len(expected)
    # a bound on a tile's edge takes no tile beyond it
    west, south, east, north = mercantile.bounds(10, 20, 6)
    assert engine.tile_range((west, south, east, north), 6) == (10, 20, 10, 20)


def test_enclosed_voids_are_filled_and_edge_voids_left() -> None:
    rows, cols = np.mgrid[0:60, 0:60].astype(np.float32)
    plane = 100 + 2 * rows + 3 * cols
    data = plane.copy()
    data[20:30, 25:35] = np.nan  # a hole enclosed by data
    data[0:5, 0:8] = np.nan  # a void on the edge
    filled = engine.fill_voids(data)
    assert np.isnan(filled[0:5, 0:8]).all()
    hole = filled[20:30, 25:35]
    assert not np.isnan(hole).any()
    assert np.abs(hole - plane[20:30, 25:35]).max() < 12  # a plane's heights, near enough (rims 2-3 m/cell)
    assert np.array_equal(filled[40:], plane[40:])
    clean = plane.copy()
    assert engine.fill_voids(clean) is clean


def _pixel_lonlat(z: int, x: int, y: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the centres of a tile's pixels, by mercantile."""
    b = mercantile.xy_bounds(x, y, z)
    res = (b.right - b.left) / size
    cols, rows = np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5)
    mx, my = b.left + cols * res, b.top - rows * res
    lon = np.degrees(mx / 6378137.0)
    lat = np.degrees(2 * np.arctan(np.exp(my / 6378137.0)) - math.pi / 2)
    # mercantile agrees on the corners
    corner = mercantile.lnglat(mx[0, 0], my[0, 0])
    assert abs(corner.lng - lon[0, 0]) < 1e-9 and abs(corner.lat - lat[0, 0]) < 1e-9
    return lon, lat


def test_a_tile_holds_the_dems_heights_around_mt_washington() -> None:
    data, transform, crs, _ = read_dem([HGT])
    tile = mercantile.tile(*MT_WASHINGTON, 11)
    window = engine.Window(11, tile.x, tile.y, 1, 1)
    pngs = list(engine.cut(window, engine.render(data, transform, crs, window)))
    assert [(x, y) for x, y, _ in pngs] == [(tile.x, tile.y)]
    got = engine.decode_terrarium(engine.decode_png(pngs[0][2]))
    assert got.shape == (engine.TILE_SIZE, engine.TILE_SIZE)
    # the oracle: the .hgt as stored, interpolated bilinearly by SciPy at each pixel's centre
    with rasterio.open(HGT) as ds:
        stored = ds.read(1).astype(np.float64)
        to_cell = ~ds.transform
    lon, lat = _pixel_lonlat(11, tile.x, tile.y, engine.TILE_SIZE)
    col, row = to_cell @ (lon, lat)
    expected = ndimage.map_coordinates(stored, [row - 0.5, col - 0.5], order=1)
    diff = np.abs(got - expected)
    # GDAL's bilinear on float32 and the encoding's 1/512 m: about 2 mm measured; a pixel's shift
    # by a tenth of a cell on these slopes would cost metres
    assert np.median(diff) < 0.01 and diff.max() < 0.05, (np.median(diff), diff.max())
    # Mt Washington (1917 m; SRTM3's cell there holds about 1900 m) is in it, where it stands
    assert 1880 < got.max() < 1920
    r, c = np.unravel_index(np.argmax(got), got.shape)
    assert abs(lon[r, c] - MT_WASHINGTON[0]) < 0.01 and abs(lat[r, c] - MT_WASHINGTON[1]) < 0.01


def test_off_the_dem_is_sea_level_and_an_empty_tile_is_not_made() -> None:
    data, transform, crs, _ = read_dem([HGT])
    # the tile on the DEM's west edge at z9: part on the DEM, part off it
    edge = mercantile.tile(-72.0, 44.5, 9)
    window = engine.Window(9, edge.x - 1, edge.y, 2, 1)  # and the tile west of it, wholly off the DEM
    heights = engine.render(data, transform, crs, window)
    made = list(engine.cut(window, heights))
    assert [(x, y) for x, y, _ in made] == [(edge.x, edge.y)]
    got = engine.decode_terrarium(engine.decode_png(made[0][2]))
    off = np.isnan(heights[:, engine.TILE_SIZE:])
    assert off.any() and (~off).any()
    assert (got[off] == 0).all() and (got[~off] > 100).mean() > 0.9


def test_the_tiles_are_the_same_on_any_number_of_threads() -> None:
    data, transform, crs, _ = read_dem([HGT])
    window = next(engine.windows((-71.6, 44.1, -71.0, 44.5), 11, block=3))
    heights = engine.render(data, transform, crs, window)
    one = engine.cut(window, heights)
    assert len(one) == 9 and [(x, y) for x, y, _ in one] == sorted(((x, y) for x, y, _ in one), key=lambda t: t[::-1])
    assert engine.cut(window, heights, threads=4) == one
    assert engine.render(data, transform, crs, window, threads=4).tobytes() == heights.tobytes()
