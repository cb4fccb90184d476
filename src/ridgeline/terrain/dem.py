"""DEM input: SRTM ``.hgt`` and GeoTIFF tiles, mosaicked and reprojected to a metric grid.

Everything downstream (viewsheds, coverage, siting, radio) works on a :class:`Terrain`:
a float32 elevation grid with square cells in a metric CRS (UTM, chosen automatically
from the centre of the DEM's part in use) and NaN where the DEM has no data.  Bad files are refused here,
with the file named, so no kernel ever sees them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.merge import merge
from rasterio.warp import calculate_default_transform, reproject, transform_bounds
from rasterio.windows import Window

from ridgeline.errors import DataFileNotFoundError, OutsideTerrainError, TerrainError

SRTM_VOID = -32768
_HGT_SIDES = {1201: "3 arc-second (SRTM3)", 3601: "1 arc-second (SRTM1)"}


@dataclass(frozen=True)
class Terrain:
    """A metric elevation grid: rows north to south, square cells, NaN for no data.

    ``nodata`` is NaN for the float32 grids everything works on.  A single viewshed may
    take a 16-bit DEM as stored instead (:func:`load_stored_terrain`): then ``elevation``
    holds its integers and ``nodata`` its void value.
    """

    elevation: np.ndarray
    transform: Affine
    crs: CRS
    sources: tuple[str, ...] = ()
    nodata: float = math.nan

    @property
    def cell_size(self) -> float:
        """Cell side in metres."""
        return float(self.transform.a)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.elevation.shape[0]), int(self.elevation.shape[1]))

    def rowcol(self, x: float, y: float) -> tuple[int, int]:
        """Row and column of the cell holding map point (x, y)."""
        col, row = ~self.transform @ (x, y)
        return int(math.floor(row)), int(math.floor(col))

    def xy(self, row: float, col: float) -> tuple[float, float]:
        """Map coordinates of the centre of cell (row, col)."""
        x, y = self.transform @ (col + 0.5, row + 0.5)
        return float(x), float(y)

    def centres(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates (x, y arrays) of the centres of ``cells``, an (n, 2) array of rows and columns."""
        t = self.transform
        cols, rows = cells[:, 1] + 0.5, cells[:, 0] + 0.5
        return t.c + t.a * cols + t.b * rows, t.f + t.d * cols + t.e * rows

    def lonlat_of_cells(self, cells: np.ndarray) -> np.ndarray:
        """WGS84 lon/lat of the centres of ``cells`` (rows and columns), as an (n, 2) array."""
        xs, ys = self.centres(cells)
        lon, lat = _transformer(self.crs, CRS.from_epsg(4326)).transform(xs, ys)
        return np.column_stack([lon, lat])

    def contains(self, x: float, y: float) -> bool:
        row, col = self.rowcol(x, y)
        return 0 <= row < self.shape[0] and 0 <= col < self.shape[1]

    def to_map(self, lon: float, lat: float) -> tuple[float, float]:
        """Project WGS84 lon/lat to this grid's CRS."""
        x, y = _transformer(CRS.from_epsg(4326), self.crs).transform(lon, lat)
        return float(x), float(y)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = _transformer(self.crs, CRS.from_epsg(4326)).transform(x, y)
        return float(lon), float(lat)

    def cell_of_lonlat(self, lon: float, lat: float, what: str = "point") -> tuple[int, int]:
        """Cell under a lon/lat; raises :class:`OutsideTerrainError` naming ``what``."""
        x, y = self.to_map(lon, lat)
        row, col = self.rowcol(x, y)
        if not (0 <= row < self.shape[0] and 0 <= col < self.shape[1]):
            raise OutsideTerrainError(
                f"{what} at lon {lon:.5f}, lat {lat:.5f} is outside the DEM "
                f"({', '.join(self.sources) or 'terrain'})"
            )
        if not self.has_data(row, col):
            raise OutsideTerrainError(
                f"{what} at lon {lon:.5f}, lat {lat:.5f} lies on a DEM cell with no data"
            )
        return row, col

    def has_data(self, row: int, col: int) -> bool:
        """Whether cell (row, col) has an elevation."""
        z = float(self.elevation[row, col])
        return not math.isnan(z) and z != self.nodata

    def crop(self, row0: int, col0: int, row1: int, col1: int) -> Terrain:
        """The sub-grid rows [row0, row1), cols [col0, col1), clipped to the grid."""
        row0, col0 = max(row0, 0), max(col0, 0)
        row1, col1 = min(row1, self.shape[0]), min(col1, self.shape[1])
        return Terrain(
            elevation=self.elevation[row0:row1, col0:col1],
            transform=self.transform @ Affine.translation(col0, row0),
            crs=self.crs,
            sources=self.sources,
            nodata=self.nodata,
        )


@lru_cache(maxsize=64)
def _transformer(src: CRS, dst: CRS) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS holding lon/lat."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _check_hgt(path: Path) -> None:
    size = path.stat().st_size
    for side in _HGT_SIDES:
        if size == side * side * 2:
            return
    raise TerrainError(
        f"{path}: not a valid SRTM .hgt tile: {size} bytes, expected "
        f"{1201 * 1201 * 2} (1201x1201, SRTM3) or {3601 * 3601 * 2} (3601x3601, SRTM1); "
        "the file is truncated or of an odd size"
    )


def _open_checked(path: Path) -> rasterio.io.DatasetReader:
    if not path.exists():
        raise DataFileNotFoundError(f"{path}: DEM file not found")
    if path.suffix.lower() == ".hgt":
        _check_hgt(path)
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise TerrainError(f"{path}: cannot be read as a DEM ({exc})") from exc
    if ds.crs is None:
        ds.close()
        raise TerrainError(
            f"{path}: the raster has no CRS, so its cells cannot be placed on the earth; "
            "assign one (e.g. gdal_edit.py -a_srs EPSG:4326)"
        )
    if ds.count < 1:
        ds.close()
        raise TerrainError(f"{path}: the raster has no bands")
    return ds


@dataclass(frozen=True)
class DemTile:
    """Where one DEM file lies, from its header: its own CRS and bounds, and lon/lat ones."""

    path: Path
    crs: CRS
    bounds: tuple[float, float, float, float]
    lonlat: tuple[float, float, float, float]

    def holds(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Which of the lon/lat points lie on this tile."""
        x, y = _transformer(CRS.from_epsg(4326), self.crs).transform(lon, lat)
        left, bottom, right, top = self.bounds
        return np.asarray((x >= left) & (x <= right) & (y >= bottom) & (y <= top), dtype=bool)

    def describe(self) -> str:
        """``N44W072.hgt (lon -72..-71, lat 44..45)``."""
        w, s, e, n = (f"{round(v, 3):g}" for v in self.lonlat)
        return f"{self.path.name} (lon {w}..{e}, lat {s}..{n})"


def dem_tiles(paths: Sequence[str | Path]) -> list[DemTile]:
    """The extent of each DEM file, read from its header only (no elevations are read)."""
    tiles = []
    for p in paths:
        with _open_checked(Path(p)) as ds:
            crs = CRS.from_user_input(ds.crs)
            b = ds.bounds
            bounds = (float(b.left), float(b.bottom), float(b.right), float(b.top))
        lonlat = transform_bounds(crs, CRS.from_epsg(4326), *bounds, densify_pts=21)
        tiles.append(DemTile(Path(p), crs, bounds, tuple(float(v) for v in lonlat)))  # type: ignore[arg-type]
    return tiles


#: Rows read and converted at a time (rounded to the file's blocks): the stored values of
#: a strip stay in cache while they become float32, and the whole grid is never held twice.
_STRIP_ROWS = 256


def _read_float32(ds: rasterio.io.DatasetReader, nodata: float | None, hgt: bool) -> np.ndarray:
    """Band 1 as float32, with its voids as NaN (see :func:`_mask_voids`).

    16-bit integer and float32 bands (SRTM, most DEMs) are read as stored a strip of rows
    at a time and converted by numpy, faster on a large grid than reading the whole band
    and converting it into a second grid-sized array, which must be fresh memory
    (measurements: bench/README.md).
    GTIFF_DIRECT_IO reads an uncompressed GeoTIFF straight from the file rather than a
    block at a time through GDAL's block cache.  Other types are left to GDAL, which
    clamps values out of float32's range where numpy would not.
    """
    dtype = np.dtype(ds.dtypes[0])
    if not (dtype.kind in "iu" and dtype.itemsize <= 2) and dtype != np.float32:
        data = ds.read(1, out_dtype="float32")
        _mask_voids(data, nodata, hgt)
        return data
    height, width = ds.height, ds.width
    block_rows = max(int(ds.block_shapes[0][0]), 1)
    step = block_rows * max(_STRIP_ROWS // block_rows, 1)  # whole blocks: each decoded once
    data = np.empty((height, width), dtype=np.float32)
    strip = None if dtype == np.float32 else np.empty((min(step, height), width), dtype=dtype)
    with rasterio.Env(GTIFF_DIRECT_IO=True):
        for row0 in range(0, height, step):
            rows = min(step, height - row0)
            window = Window(0, row0, width, rows)
            part = data[row0 : row0 + rows]
            if strip is None:  # float32: straight into the grid
                ds.read(1, window=window, out=part)
            else:
                ds.read(1, window=window, out=strip[:rows])
                np.copyto(part, strip[:rows], casting="unsafe")
            _mask_voids(part, nodata, hgt)
    return data


def _mask_voids(data: np.ndarray, nodata: float | None, hgt: bool) -> None:
    """Voids become NaN: the file's nodata value, and for .hgt tiles SRTM's -32768 or less."""
    if nodata is not None:
        data[data == np.float32(nodata)] = np.nan
    if hgt and nodata != SRTM_VOID:
        data[data <= SRTM_VOID] = np.nan


def read_dem(paths: Sequence[str | Path]) -> tuple[np.ndarray, Affine, CRS, float | None]:
    """Read and mosaic DEM tiles in their own CRS: (elevation float32 with NaN, transform, crs).

    Voids (SRTM -32768 or the file's nodata) become NaN.  An all-void result is an error.
    """
    if not paths:
        raise TerrainError("no DEM file given")
    files = [Path(p) for p in paths]
    datasets = [_open_checked(p) for p in files]
    try:
        crs0 = datasets[0].crs
        for p, ds in zip(files[1:], datasets[1:], strict=True):
            if ds.crs != crs0:
                raise TerrainError(f"{p}: CRS {ds.crs} differs from {files[0]}'s {crs0}")
        nodata = datasets[0].nodata
        hgt = files[0].suffix.lower() == ".hgt"
        if nodata is None and hgt:
            nodata = SRTM_VOID
        if len(datasets) == 1:
            data = _read_float32(datasets[0], nodata, hgt)
            transform = datasets[0].transform
        else:
            mosaic, transform = merge(datasets, nodata=nodata) if nodata is not None else merge(datasets)
            data = mosaic[0].astype(np.float32)
            _mask_voids(data, nodata, hgt)
    finally:
        for ds in datasets:
            ds.close()
    if _all_void(data):
        raise TerrainError(f"{', '.join(map(str, files))}: every cell is void (no elevation data)")
    return data, transform, CRS.from_user_input(crs0), nodata


def _all_void(data: np.ndarray, nodata: float | None = None) -> bool:
    """Whether no cell has data (each NaN, or ``nodata``): a sample of rows first, so a
    DEM with data costs no grid-sized mask."""
    def void(a: np.ndarray) -> np.ndarray:
        return ~np.isfinite(a) if nodata is None else a == nodata

    return bool(void(data[:: max(data.shape[0] // 64, 1)]).all() and void(data).all())


def load_terrain(
    paths: Sequence[str | Path],
    resolution: float | None = None,
    crs: CRS | None = None,
    bounds_lonlat: tuple[float, float, float, float] | None = None,
) -> Terrain:
    """Load DEM tiles onto a metric grid with square cells of ``resolution`` metres.

    The CRS defaults to the UTM zone of the centre of the DEM, or of its part inside
    ``bounds_lonlat`` (west, south, east, north), which crops to an area of interest first.
    A DEM already in a metric CRS with square cells and no resolution asked is kept as is.
    """
    data, transform, src_crs, _ = read_dem(paths)
    sources = tuple(str(p) for p in paths)
    height, width = data.shape
    if crs is None and resolution is None and _metric_square(src_crs, transform):
        return Terrain(data, transform, src_crs, sources)
    left, top = transform @ (0, 0)
    right, bottom = transform @ (width, height)
    if bounds_lonlat is not None:
        to_src = _transformer(CRS.from_epsg(4326), src_crs)
        west, south, east, north = bounds_lonlat
        xs, ys = to_src.transform([west, east, west, east], [south, south, north, north])
        left, right = max(left, min(xs)), min(right, max(xs))
        bottom, top = max(bottom, min(ys)), min(top, max(ys))
        if left >= right or bottom >= top:
            raise OutsideTerrainError(
                f"area {bounds_lonlat} does not overlap the DEM ({', '.join(sources)})"
            )
    # the UTM zone of the DEM's part in use: the area asked for is clipped to the DEM first, so
    # a point far off the terrain cannot move the work into another zone
    lon_c, lat_c = _transformer(src_crs, CRS.from_epsg(4326)).transform((left + right) / 2.0, (bottom + top) / 2.0)
    dst_crs = crs or utm_crs(lon_c, lat_c)
    if resolution is None:
        # keep roughly the source cell size
        probe, _, _ = calculate_default_transform(
            src_crs, dst_crs, width, height, left=left, bottom=bottom, right=right, top=top
        )
        resolution = float(abs(probe.a))
    dst_transform, dst_w, dst_h = calculate_default_transform(
        src_crs, dst_crs, width, height, left=left, bottom=bottom, right=right, top=top,
        resolution=(resolution, resolution),
    )
    out = np.full((int(dst_h), int(dst_w)), np.nan, dtype=np.float32)
    reproject(
        source=data,
        destination=out,
        src_transform=transform,
        src_crs=src_crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    return Terrain(out, dst_transform, dst_crs, sources)


def stored_heights(path: str | Path) -> np.dtype | None:
    """The type a DEM's heights are stored in, when :func:`load_stored_terrain` keeps it.

    That is a 16-bit integer DEM already on a metric grid with square cells (no
    reprojection needed); None for any other DEM.  Bad or missing files are refused
    with the file named, as by :func:`load_terrain`.
    """
    with _open_checked(Path(path)) as ds:
        return _stored_heights(ds)


def _stored_heights(ds: rasterio.io.DatasetReader) -> np.dtype | None:
    dtype = np.dtype(ds.dtypes[0])
    return dtype if dtype == np.int16 and _metric_square(ds.crs, ds.transform) else None


def load_stored_terrain(path: str | Path, on_heights: Callable[[np.dtype], None] | None = None) -> Terrain:
    """One DEM as stored, for a single viewshed over a large grid.

    A 16-bit DEM on a metric grid with square cells is kept in its integers, with its
    void value as ``nodata``: half the memory of float32, and neither a pass to convert it
    nor a second copy in GDAL's block cache (measurements: bench/README.md).  Any other
    DEM (an SRTM tile, which needs reprojecting, or a float DEM) is loaded by
    :func:`load_terrain`, as float32.  ``on_heights`` is told the type the heights will be
    kept in as soon as the file's header says it, before the read.
    """
    file = Path(path)
    with _open_checked(file) as ds:
        stored = _stored_heights(ds)
        if on_heights is not None:
            on_heights(np.dtype(np.float32) if stored is None else stored)
        if stored is None:
            return load_terrain([file])
        nodata = ds.nodata
        # read once, top to bottom: GDAL's block cache (5 % of the machine's memory by
        # default) would only keep a second copy of the grid, so it is kept small (GDAL
        # takes the size at its first read, so this holds in a process that read nothing yet)
        with rasterio.Env(GTIFF_DIRECT_IO=True, GDAL_CACHEMAX=16 * 2**20):
            data = ds.read(1)
        transform, crs = ds.transform, CRS.from_user_input(ds.crs)
    if nodata is not None and _all_void(data, nodata):
        raise TerrainError(f"{file}: every cell is void (no elevation data)")
    return Terrain(data, transform, crs, (str(file),), nodata=math.nan if nodata is None else float(nodata))


def _metric_square(crs: CRS, transform: Affine) -> bool:
    """Whether a grid is in a projected CRS with square cells."""
    return bool(crs.is_projected) and abs(abs(transform.e) - transform.a) < 1e-9


def write_raster(
    path: str | Path,
    array: np.ndarray,
    terrain: Terrain,
    nodata: float | None = None,
    cog: bool = False,
) -> None:
    """Write a single-band raster on ``terrain``'s grid (a Cloud-Optimized GeoTIFF if ``cog``)."""
    profile = {
        "driver": "GTiff",
        "height": array.shape[0],
        "width": array.shape[1],
        "count": 1,
        "dtype": array.dtype.name,
        "crs": terrain.crs,
        "transform": terrain.transform,
        "nodata": nodata,
    }
    if not cog:
        # tiles (not GDAL's default one-row strips) compressed with Zstandard on every core:
        # quicker and smaller than DEFLATE or one-row strips (measurements: bench/README.md)
        profile.update(
            compress="zstd", zstd_level=1, tiled=True, blockxsize=512, blockysize=512, num_threads="ALL_CPUS"
        )
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(array, 1)
        return
    profile.update(compress="deflate", zlevel=1, tiled=True, blockxsize=256, blockysize=256)
    with MemoryFile() as mem:
        with mem.open(**profile) as tmp:
            tmp.write(array, 1)
            tmp.build_overviews([2, 4, 8], Resampling.nearest)
        with mem.open() as src:
            rasterio.shutil.copy(src, path, driver="COG", compress="deflate")
