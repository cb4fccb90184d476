"""Terrain tiles: a DEM cut into Web-Mercator tiles of Terrarium-encoded heights.

The operator console (MapLibre GL JS) draws its 3D terrain and its hillshade from one
``raster-dem`` source; this module makes that source's tiles from the sector's own DEM, so
no tile ever comes from the internet.

- **Encoding: Terrarium** (MapLibre ``encoding: "terrarium"``): a pixel's height in metres is
  ``R * 256 + G + B / 256 - 32768``.  Heights are rounded to the nearest 1/256 m, so a decoded
  height is within 1/512 m of the one encoded, for any height in [-32768, 32767.99] m (outside
  that range it is clamped).  The Mapbox terrain-RGB encoding is *not* used: a source
  declared with the wrong one silently gives wrong heights, so :data:`ENCODING` is written in
  the archive's metadata and in the TileJSON the console reads.
- **Tiles: 256 x 256 pixels** (:data:`TILE_SIZE`; MapLibre's ``tileSize`` must say 256),
  XYZ scheme (y counted from the north, as OpenStreetMap tiles), EPSG:3857, lossless PNG
  (8-bit RGB).
- **Resampling: bilinear** (GDAL's warper, which widens its kernel when a zoom level's pixels
  are coarser than the DEM's cells, so the low zooms average rather than alias).
- **Voids:** holes in the DEM enclosed by data (SRTM's voids on steep slopes) are filled by
  GDAL's inverse-distance interpolation from their rims (:func:`fill_voids`) before
  reprojecting; voids touching the DEM's edge, and everything outside the DEM, are encoded
  as 0 m (sea level).  A tile with no DEM cell under it at all is not made (the archive has
  no such tile and the API answers 404, which MapLibre draws as flat).

Arrays in, arrays (or PNG bytes) out: reading the DEM and writing the archive live in
:mod:`ridgeline.app.tiles`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.fill import fillnodata
from rasterio.warp import reproject
from scipy import ndimage

#: how heights are packed into a pixel's colour (the console's raster-dem ``encoding``)
ENCODING = "terrarium"
#: pixels along a tile's side (the console's raster-dem ``tileSize``)
TILE_SIZE = 256
#: the lowest zoom level made by default: a whole sector is a tile or two there
MIN_ZOOM = 6
#: the highest zoom level ever made (a pixel of 4.8 m at the equator): finer DEMs than that
#: are shown at this level and over-zoomed by the map
MAX_ZOOM = 15
#: the spherical Mercator CRS of web maps
WEB_MERCATOR = CRS.from_epsg(3857)
#: half the side of the Web-Mercator square, metres (the earth's circumference / 2)
HALF_WORLD = math.pi * 6378137.0
#: the latitude where the Web-Mercator square ends
MAX_LAT = 85.0511287798066
_OFFSET = 32768.0
_LEVELS = 2**24 - 1


def encode_terrarium(heights: np.ndarray) -> np.ndarray:
    """Heights in metres (NaN: no data) as Terrarium RGB, an ``(h, w, 3)`` uint8 array.

    NaN becomes 0 m; heights are rounded to the nearest 1/256 m and clamped to the
    encoding's range.
    """
    h = np.asarray(heights, dtype=np.float64)
    scaled = np.rint((np.nan_to_num(h, nan=0.0, posinf=_OFFSET, neginf=-_OFFSET) + _OFFSET) * 256.0)
    np.clip(scaled, 0, _LEVELS, out=scaled)
    value = scaled.astype(np.uint32)
    rgb = np.empty((*h.shape, 3), dtype=np.uint8)
    rgb[..., 0] = value >> 16
    rgb[..., 1] = (value >> 8) & 0xFF
    rgb[..., 2] = value & 0xFF
    return rgb


def decode_terrarium(rgb: np.ndarray) -> np.ndarray:
    """Heights in metres (float64) from Terrarium RGB (``(..., 3)`` uint8, as MapLibre decodes it)."""
    c = np.asarray(rgb, dtype=np.float64)
    return c[..., 0] * 256.0 + c[..., 1] + c[..., 2] / 256.0 - _OFFSET


def encode_png(rgb: np.ndarray) -> bytes:
    """An ``(h, w, 3)`` RGB uint8 array as a lossless 8-bit RGB PNG.

    zlib level 1: on SRTM tiles three times as fast as level 6 for 11 % more bytes (the
    blue channel, the height's 1/256 m, is mostly noise to zlib at any level)."""
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - OpenCV refuses only shapes this module never makes
        raise ValueError(f"PNG encoding of a {rgb.shape} array failed")
    return bytes(buf)


def decode_png(data: bytes) -> np.ndarray:
    """A PNG's pixels as an ``(h, w, 3)`` RGB uint8 array; ``ValueError`` when it is no image."""
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("not a PNG (or any image OpenCV reads)")
    return np.ascontiguousarray(img[..., ::-1])


def pixel_size_m(zoom: int, lat: float, tile_size: int = TILE_SIZE) -> float:
    """Ground size of a pixel at ``zoom`` and latitude ``lat``, metres (Web-Mercator's scale)."""
    return 2.0 * HALF_WORLD * math.cos(math.radians(lat)) / (tile_size * 2**zoom)


def dem_cell_m(transform: Affine, crs: CRS, lat: float) -> float:
    """Ground size of a DEM cell near latitude ``lat``, metres: the side of the square of the
    same area (SRTM3 at 44° N: 66 m east-west by 93 m north-south, so 78 m)."""
    if crs.is_geographic:
        metres_per_degree = 2.0 * math.pi * 6371008.8 / 360.0
        dx = abs(transform.a) * metres_per_degree * math.cos(math.radians(lat))
        dy = abs(transform.e) * metres_per_degree
    else:
        factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        dx, dy = abs(transform.a) * factor, abs(transform.e) * factor
    return math.sqrt(dx * dy)


def max_zoom_for(cell_m: float, lat: float, min_zoom: int = MIN_ZOOM, tile_size: int = TILE_SIZE) -> int:
    """The first zoom whose pixels are no larger than the DEM's cells (so every cell shows):
    SRTM3 (3", ~90 m) gives 11, SRTM1 (1", ~30 m) 12 or 13 by latitude; within
    [``min_zoom``, :data:`MAX_ZOOM`]."""
    for zoom in range(min_zoom, MAX_ZOOM + 1):
        if pixel_size_m(zoom, lat, tile_size) <= cell_m:
            return zoom
    return MAX_ZOOM


def tile_range(bounds: tuple[float, float, float, float], zoom: int) -> tuple[int, int, int, int]:
    """The tiles at ``zoom`` over lon/lat ``bounds`` (west, south, east, north): x0, y0, x1, y1,
    both ends included."""
    west, south, east, north = bounds
    n = 2**zoom
    south, north = max(south, -MAX_LAT), min(north, MAX_LAT)

    def tx(lon: float) -> int:
        return min(max(int(math.floor((lon + 180.0) / 360.0 * n)), 0), n - 1)

    def ty(lat: float) -> int:
        y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
        return min(max(int(math.floor(y)), 0), n - 1)

    # a bound exactly on a tile edge does not take the tile beyond it
    eps = 1e-9
    return tx(west), ty(north), tx(max(east - eps, west)), ty(min(south + eps, north))


@dataclass(frozen=True)
class Window:
    """A block of tiles at one zoom, rendered in one reprojection: columns x0..x0+nx-1,
    rows y0..y0+ny-1."""

    zoom: int
    x0: int
    y0: int
    nx: int
    ny: int

    @property
    def tiles(self) -> int:
        return self.nx * self.ny

    def transform(self, tile_size: int = TILE_SIZE) -> Affine:
        """The EPSG:3857 grid of the block's pixels (rows north to south)."""
        tile_m = 2.0 * HALF_WORLD / 2**self.zoom
        res = tile_m / tile_size
        return Affine(res, 0.0, -HALF_WORLD + self.x0 * tile_m, 0.0, -res, HALF_WORLD - self.y0 * tile_m)


def windows(bounds: tuple[float, float, float, float], zoom: int, block: int = 8) -> Iterator[Window]:
    """The tiles over ``bounds`` at ``zoom`` in blocks of at most ``block`` x ``block`` tiles
    (a 2048-pixel square by default: 16 MB of float32 heights at a time)."""
    x0, y0, x1, y1 = tile_range(bounds, zoom)
    for y in range(y0, y1 + 1, block):
        for x in range(x0, x1 + 1, block):
            yield Window(zoom, x, y, min(block, x1 + 1 - x), min(block, y1 + 1 - y))


def fill_voids(data: np.ndarray) -> np.ndarray:
    """``data`` (float32, NaN voids) with its enclosed voids filled.

    Holes surrounded by data are filled by GDAL's inverse-distance interpolation from their
    rims; void regions touching the grid's edge (a collar of no data, an area the DEM does
    not cover) are left NaN: there is nothing on their far side to interpolate from.  The
    input is returned as is when it has no enclosed void.
    """
    void = np.isnan(data)
    if not void.any():
        return data
    labels, _count = ndimage.label(void)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    enclosed = void & ~np.isin(labels, edge)
    if not enclosed.any():
        return data
    # reach across the widest enclosed hole, and no further
    reach = max(max(s.stop - s.start for s in box) for n, box in enumerate(ndimage.find_objects(labels), 1)
                if box is not None and n not in edge) + 2
    filled = fillnodata(data.copy(), mask=(~void).astype(np.uint8), max_search_distance=reach,
                        smoothing_iterations=0)
    out = np.asarray(filled, dtype=np.float32)
    out[void & ~enclosed] = np.nan
    return out


def render(
    data: np.ndarray,
    transform: Affine,
    crs: CRS,
    window: Window,
    tile_size: int = TILE_SIZE,
    threads: int = 1,
) -> np.ndarray:
    """The heights (float32, NaN off the DEM) of ``window``'s pixels: the DEM ``data`` on
    ``transform`` in ``crs`` reprojected to Web-Mercator, bilinear, in one GDAL warp."""
    out = np.full((window.ny * tile_size, window.nx * tile_size), np.nan, dtype=np.float32)
    reproject(
        source=data,
        destination=out,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=window.transform(tile_size),
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
        num_threads=threads,
    )
    return out


def cut(window: Window, heights: np.ndarray, tile_size: int = TILE_SIZE,
        threads: int = 1) -> list[tuple[int, int, bytes]]:
    """Each tile of a rendered ``window`` as ``(x, y, png)``, in rows from the north; tiles with
    no height at all are left out.  The whole block is encoded at once, then cut; the PNGs are
    compressed on ``threads`` threads (OpenCV lets go of the GIL), which is most of the work."""
    rgb = encode_terrarium(heights)
    has_data = ~np.isnan(heights)
    cells = [(i, j) for j in range(window.ny) for i in range(window.nx)
             if has_data[j * tile_size:(j + 1) * tile_size, i * tile_size:(i + 1) * tile_size].any()]

    def png(cell: tuple[int, int]) -> bytes:
        i, j = cell
        return encode_png(rgb[j * tile_size:(j + 1) * tile_size, i * tile_size:(i + 1) * tile_size])

    if threads > 1 and len(cells) > 1:
        with ThreadPoolExecutor(min(threads, len(cells))) as pool:
            pngs = list(pool.map(png, cells))
    else:
        pngs = [png(c) for c in cells]
    return [(window.x0 + i, window.y0 + j, data) for (i, j), data in zip(cells, pngs, strict=True)]
