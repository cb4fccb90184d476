"""Where the shore is: distance from any point at sea to the nearest land, in metres.

Landing, loitering and AIS-gap rules all ask how far a vessel is from shore.  The answer is
precomputed once as a grid over the sector (a Euclidean distance transform of the land mask),
so a chunk of a million reports is judged with one array lookup.  Land comes from a DEM
(elevation above 0; voids and 0 are sea, as SRTM leaves the sea) or from land polygons.
Outside the grid the distance is unknown and reads as infinitely far: a vessel there is
never taken for one near the shore.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from affine import Affine
from scipy import ndimage

from ridgeline.model.earth import MEAN_RADIUS_M

MAX_GRID_CELLS = 4_000_000
"""Land masks are coarsened (a cell is land if any part is) to at most this many cells."""


@dataclass(frozen=True)
class Shore:
    """Distance to land on a lon/lat grid: 0 on land, metres at sea; and, on land, metres to water.

    The mask is only as sharp as its cells: a harbour basin or a canal narrower than a cell is
    land on it, and a point the mask puts on land next to water may be afloat.  ``water`` (metres
    from a land cell to the nearest sea cell's edge, 0 at sea) and ``cell_m`` let a rule tell a
    point within that uncertainty from one truly inland.
    """

    distance: npt.NDArray[np.float32]
    transform: Affine
    water: npt.NDArray[np.float32] | None = None

    @property
    def cell_m(self) -> float:
        """The diagonal of one cell, metres (at the grid's middle latitude): how far from water a
        point the mask puts on land may still be afloat."""
        lat_mid = self.transform.f + self.transform.e * self.distance.shape[0] / 2
        metres_per_deg = math.pi / 180.0 * MEAN_RADIUS_M
        dy = abs(self.transform.e) * metres_per_deg
        dx = abs(self.transform.a) * metres_per_deg * math.cos(math.radians(lat_mid))
        return math.hypot(dx, dy)

    @staticmethod
    def from_land_mask(land: npt.NDArray[np.bool_], transform: Affine) -> Shore:
        """From a land mask on a north-up lon/lat grid (``transform`` maps col, row to lon, lat)."""
        factor = max(1, math.ceil(math.sqrt(land.size / MAX_GRID_CELLS)))
        if factor > 1:
            rows = land.shape[0] // factor * factor
            cols = land.shape[1] // factor * factor
            blocks = land[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor)
            land = np.asarray(blocks.any(axis=(1, 3)))
            transform = transform * Affine.scale(factor)
        lat_mid = transform.f + transform.e * land.shape[0] / 2
        metres_per_deg = math.pi / 180.0 * MEAN_RADIUS_M
        dy = abs(transform.e) * metres_per_deg
        dx = abs(transform.a) * metres_per_deg * math.cos(math.radians(lat_mid))
        if land.any():
            # centre of a sea cell to the centre of the nearest land cell, less half a cell: to the land's edge
            edt = ndimage.distance_transform_edt(~land, sampling=(dy, dx))
            distance = np.where(land, 0.0, np.maximum(edt - 0.5 * min(dx, dy), 1.0)).astype(np.float32)
        else:
            distance = np.full(land.shape, np.inf, np.float32)
        if (~land).any():
            # the same, the other way: from a land cell's centre to the edge of the nearest sea cell
            inland = ndimage.distance_transform_edt(land, sampling=(dy, dx))
            water = np.where(land, np.maximum(inland - 0.5 * min(dx, dy), 1.0), 0.0).astype(np.float32)
        else:
            water = np.full(land.shape, np.inf, np.float32)
        return Shore(distance, transform, water)

    @staticmethod
    def from_elevation(elevation: npt.NDArray[np.floating], transform: Affine) -> Shore:
        """From a DEM on a lon/lat grid: land where the elevation is above 0 (NaN is sea)."""
        with np.errstate(invalid="ignore"):
            land = np.nan_to_num(elevation, nan=0.0) > 0
        return Shore.from_land_mask(land, transform)

    def distance_m(self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Metres from each point to land (0 on land, inf outside the grid)."""
        values, _ = _sample(self.distance, self.transform, lon, lat, outside=np.inf)
        return values.astype(np.float64)

    def water_distance_m(self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Metres from each point the mask puts on land to the nearest water (0 at sea, inf outside
        the grid or where the mask has no water at all)."""
        if self.water is None:
            return np.where(self.distance_m(lat, lon) == 0, np.inf, 0.0)
        values, _ = _sample(self.water, self.transform, lon, lat, outside=np.inf)
        return values.astype(np.float64)


def _sample(values: npt.NDArray[np.generic], transform: Affine, lon: npt.NDArray[np.float64],
            lat: npt.NDArray[np.float64], outside: float = 0,
            ) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.bool_]]:
    """Nearest-cell values of a lon/lat grid at points (``outside`` where it has none), and
    which points it covers."""
    inverse = ~transform
    col = np.floor(inverse.a * lon + inverse.b * lat + inverse.c).astype(np.int64)
    row = np.floor(inverse.d * lon + inverse.e * lat + inverse.f).astype(np.int64)
    inside = (row >= 0) & (row < values.shape[0]) & (col >= 0) & (col < values.shape[1])
    out = np.full(lon.shape, outside, values.dtype)
    out[inside] = values[row[inside], col[inside]]
    return out, inside


def shore_for(
    bounds: tuple[float, float, float, float],
    elevation: tuple[npt.NDArray[np.floating], Affine] | None = None,
    land_polygons: list[object] | None = None,
    use_global: bool = True,
    margin_deg: float = 0.25,
) -> Shore:
    """The shore over a lon/lat box (west, south, east, north) from what is at hand.

    The global 1 km mask fills the box; a DEM (on a lon/lat grid) replaces it where it covers,
    at its finer resolution; land polygons (shapely, lon/lat), when given, are the land.
    """
    west, south, east, north = bounds
    west, south, east, north = west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg
    cell = 1.0 / 120.0
    if elevation is not None:
        cell = min(cell, abs(elevation[1].a))
    cell = max(cell, math.sqrt((east - west) * (north - south) / MAX_GRID_CELLS))
    cols = max(1, math.ceil((east - west) / cell))
    rows = max(1, math.ceil((north - south) / cell))
    transform = Affine(cell, 0.0, west, 0.0, -cell, north)
    if land_polygons:
        from rasterio import features

        land = features.rasterize(
            [(p, 1) for p in land_polygons], out_shape=(rows, cols), transform=transform, fill=0, dtype="uint8",
        ).astype(bool)
        return Shore.from_land_mask(land, transform)
    lon = west + (np.arange(cols) + 0.5) * cell
    lat = north - (np.arange(rows) + 0.5) * cell
    glon, glat = np.meshgrid(lon, lat)
    land = np.zeros((rows, cols), np.bool_)
    if use_global:
        from ridgeline.maritime.landmask import global_land

        mask, mask_transform = global_land(west, south, east, north)
        land, _ = _sample(mask, mask_transform, glon, glat)
    if elevation is not None:
        values, covered = _sample(np.nan_to_num(elevation[0], nan=0.0), elevation[1], glon, glat)
        land[covered] = np.asarray(values, np.float64)[covered] > 0
    return Shore.from_land_mask(land.astype(np.bool_), transform)


def build_shore(
    bounds: tuple[float, float, float, float], dem: list[str], coastline: str | Path | None, use_global: bool = True,
) -> Shore:
    """The shore over a box from a sector's files: DEM tiles on a lon/lat grid and a coastline GeoJSON, if given."""
    elevation = read_elevation(dem) if dem else None
    land = read_land_polygons(Path(coastline)) if coastline else None
    return shore_for(bounds, elevation, land, use_global=use_global)


def read_elevation(paths: list[str]) -> tuple[npt.NDArray[np.float32], Affine]:
    """A lon/lat DEM (SRTM .hgt or GeoTIFF; several tiles mosaicked) with voids as NaN, for the shore."""
    import rasterio
    from rasterio.merge import merge

    from ridgeline.errors import DataFileNotFoundError, TerrainError

    for p in paths:
        if not Path(p).exists():
            raise DataFileNotFoundError(f"{p}: DEM file not found")
    try:
        datasets = [rasterio.open(p) for p in paths]
    except rasterio.errors.RasterioIOError as exc:
        raise TerrainError(f"{paths[0]}: not a readable DEM ({exc})") from exc
    try:
        for p, ds in zip(paths, datasets, strict=True):
            if ds.crs is None or not ds.crs.is_geographic:
                raise TerrainError(f"{p}: the shore needs a DEM in lon/lat (as SRTM tiles are), not {ds.crs}")
        mosaic, transform = merge(datasets) if len(datasets) > 1 else (datasets[0].read(), datasets[0].transform)
        nodata = datasets[0].nodata
    finally:
        for ds in datasets:
            ds.close()
    data = mosaic[0].astype(np.float32)
    data[data <= -32768] = np.nan
    if nodata is not None:
        data[data == np.float32(nodata)] = np.nan
    return data, transform


def read_land_polygons(path: Path) -> list[object]:
    """Land polygons (lon/lat) from a GeoJSON file: a FeatureCollection, a Feature or a bare geometry."""
    import shapely
    from shapely.geometry.base import BaseGeometry

    from ridgeline.errors import ConfigError, DataFileNotFoundError

    if not path.exists():
        raise DataFileNotFoundError(f"{path}: coastline file not found")
    try:
        geometry: BaseGeometry = shapely.from_geojson(path.read_text())
    except (shapely.errors.GEOSException, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid GeoJSON ({exc})") from exc
    parts = list(getattr(geometry, "geoms", [geometry]))
    polygons = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        found = ", ".join(p.geom_type for p in parts) or "nothing"
        raise ConfigError(f"{path}: no land polygons in it (found {found})")
    return polygons
