"""Coverage of a sector: how many sensors see each cell, and the blind spots along the line.

The watched line is sampled every half cell; each sample takes the sensor count of the
cell under it and stands for the line length around it.  A blind spot is a run of samples
that no sensor sees, reported with its ends, its length and the nearest existing site, so
an operator can find it on the ground and a planner can argue about it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rasterio.features import geometry_mask
from shapely.geometry import LineString, mapping

from ridgeline.config.sector import Sector, SiteConfig
from ridgeline.errors import OutsideTerrainError
from ridgeline.terrain.dem import Terrain, dem_tiles, load_terrain
from ridgeline.terrain.footprint import Footprint, sensor_footprint

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LineSamples:
    """The watched line sampled on the grid: map points, their cells and the length each stands for."""

    x: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    weight_m: np.ndarray
    chainage_m: np.ndarray

    @property
    def length_m(self) -> float:
        return float(self.weight_m.sum())

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class BlindSpot:
    """A stretch of the watched line that no sensor sees."""

    start_lonlat: tuple[float, float]
    end_lonlat: tuple[float, float]
    start_km: float
    length_m: float
    nearest_site: str | None
    nearest_site_km: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": list(self.start_lonlat),
            "end": list(self.end_lonlat),
            "start_km": round(self.start_km, 3),
            "length_m": round(self.length_m, 1),
            "nearest_site": self.nearest_site,
            "nearest_site_km": None if self.nearest_site_km is None else round(self.nearest_site_km, 2),
        }


@dataclass
class CoverageResult:
    """Everything one coverage run found."""

    terrain: Terrain
    counts: np.ndarray
    footprints: list[Footprint]
    samples: LineSamples
    sample_counts: np.ndarray
    corridor_fraction: float
    blind_spots: list[BlindSpot] = field(default_factory=list)
    night: bool = False

    @property
    def line_length_m(self) -> float:
        return self.samples.length_m

    def fraction_seen_by(self, at_least: int) -> float:
        w = self.samples.weight_m
        return float(w[self.sample_counts >= at_least].sum() / w.sum()) if w.sum() > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "night": self.night,
            "line_length_m": round(self.line_length_m, 1),
            "covered_fraction": round(self.fraction_seen_by(1), 4),
            "double_covered_fraction": round(self.fraction_seen_by(2), 4),
            "corridor_covered_fraction": round(self.corridor_fraction, 4),
            "longest_blind_spot_m": round(max((b.length_m for b in self.blind_spots), default=0.0), 1),
            "blind_spots": [b.as_dict() for b in self.blind_spots],
        }


def sector_bounds(sector: Sector) -> tuple[float, float, float, float]:
    """Lon/lat box (west, south, east, north) around the line, sites and towers plus margin."""
    pts = list(sector.line_lonlat())
    pts += [(s.lon, s.lat) for s in sector.sites]
    pts += [(t.lon, t.lat) for t in sector.cell_towers]
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    lat_c = (min(lats) + max(lats)) / 2.0
    dlat = sector.terrain.margin_m / 111_320.0
    dlon = sector.terrain.margin_m / (111_320.0 * max(math.cos(math.radians(lat_c)), 1e-6))
    return (min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat)


def sector_points(sector: Sector) -> list[tuple[str, float, float]]:
    """Every place the sector file puts on the terrain, named as the file names it: (what, lon, lat)."""
    pts = [(f"sites[{s.id}]", s.lon, s.lat) for s in sector.sites]
    pts += [(f"cell_towers[{t.id}]", t.lon, t.lat) for t in sector.cell_towers]
    vertex = "line.coordinates[{}]" if sector.line.file is None else f"{sector.line.file} vertex {{}}"
    pts += [(vertex.format(i), lon, lat) for i, (lon, lat) in enumerate(sector.line_lonlat())]
    return pts


def check_on_terrain(sector: Sector) -> None:
    """Refuse, before any work, a sector whose sites, towers or line vertices lie off its DEM.

    Only the DEM files' headers are read.  A point off the terrain would otherwise stretch
    the working area (and could move it into another UTM zone) or fail deep in a kernel;
    the error names the item, its coordinates and the terrain, and says so when the point
    would lie on the terrain with longitude and latitude the other way round.
    """
    tiles = dem_tiles([sector.path(p) for p in sector.terrain.dem])
    pts = sector_points(sector)
    lon = np.array([p[1] for p in pts])
    lat = np.array([p[2] for p in pts])
    on = np.zeros(len(pts), dtype=bool)
    swapped_on = np.zeros(len(pts), dtype=bool)
    plausible = np.abs(lon) <= 90.0  # read the other way round, the point is a valid one
    for tile in tiles:
        on |= tile.holds(lon, lat)
        swapped_on[plausible] |= tile.holds(lat[plausible], lon[plausible])
    off = np.flatnonzero(~on)
    if off.size == 0:
        return
    terrain = ", ".join(t.describe() for t in tiles)
    problems = []
    for i in off[:5]:
        what, x, y = pts[i]
        hint = "; are longitude and latitude swapped?" if swapped_on[i] else ""
        problems.append(f"{what}: lon {x:g}, lat {y:g} lies outside the terrain {terrain}{hint}")
    if off.size > 5:
        problems.append(f"and {off.size - 5} more points off the terrain")
    raise OutsideTerrainError("; ".join(problems))


def load_sector_terrain(sector: Sector) -> Terrain:
    """The sector's working grid: its DEM tiles cropped to the area and put on a metric grid.

    Every point of the sector is checked against the DEM first (:func:`check_on_terrain`).
    """
    from pyproj import CRS

    check_on_terrain(sector)
    crs = CRS.from_user_input(sector.terrain.crs) if sector.terrain.crs else None
    return load_terrain(
        [sector.path(p) for p in sector.terrain.dem],
        resolution=sector.terrain.resolution_m,
        crs=crs,
        bounds_lonlat=sector_bounds(sector),
    )


def sample_line(terrain: Terrain, lonlat: Sequence[tuple[float, float]]) -> LineSamples:
    """Sample a lon/lat polyline every half cell on the grid; every vertex must be on the DEM."""
    pts = []
    for i, (lon, lat) in enumerate(lonlat):
        x, y = terrain.to_map(lon, lat)
        if not terrain.contains(x, y):
            raise OutsideTerrainError(
                f"watched line vertex {i} (lon {lon:.5f}, lat {lat:.5f}) is outside the DEM"
            )
        pts.append((x, y))
    line = LineString(pts)
    step = terrain.cell_size / 2.0
    n = max(int(math.ceil(line.length / step)), 1)
    d = (np.arange(n) + 0.5) * (line.length / n)
    coords = np.array([line.interpolate(float(di)).coords[0] for di in d])
    xs: np.ndarray = coords[:, 0]
    ys: np.ndarray = coords[:, 1]
    fcols, frows = ~terrain.transform @ (xs, ys)
    rows = np.floor(np.asarray(frows)).astype(np.int64)
    cols = np.floor(np.asarray(fcols)).astype(np.int64)
    inside = (rows >= 0) & (rows < terrain.shape[0]) & (cols >= 0) & (cols < terrain.shape[1])
    if not inside.all():
        raise OutsideTerrainError("the watched line leaves the DEM between its vertices")
    return LineSamples(xs, ys, rows, cols, np.full(n, line.length / n), d)


def add_footprint(counts: np.ndarray, fp: Footprint) -> None:
    """Add one footprint's cells into a count grid, in place."""
    h, w = fp.mask.shape
    counts[fp.row0 : fp.row0 + h, fp.col0 : fp.col0 + w] += fp.mask


def corridor_mask(terrain: Terrain, lonlat: Sequence[tuple[float, float]], width_m: float) -> np.ndarray:
    """Cells within half the corridor width of the line."""
    line = LineString([terrain.to_map(lon, lat) for lon, lat in lonlat])
    band = line.buffer(width_m / 2.0)
    return geometry_mask(
        [mapping(band)], out_shape=terrain.shape, transform=terrain.transform, invert=True
    )


def nearest_site(
    terrain: Terrain, sites: Sequence[SiteConfig], x: float, y: float
) -> tuple[str | None, float | None]:
    """Id of the site nearest a map point and its distance in km."""
    best: tuple[str | None, float | None] = (None, None)
    for s in sites:
        sx, sy = terrain.to_map(s.lon, s.lat)
        d = math.hypot(sx - x, sy - y) / 1000.0
        if best[1] is None or d < best[1]:
            best = (s.id, d)
    return best


def find_blind_spots(
    terrain: Terrain, samples: LineSamples, seen: np.ndarray, sites: Sequence[SiteConfig]
) -> list[BlindSpot]:
    """Maximal runs of unseen samples, longest first."""
    blind = seen == 0
    spots: list[BlindSpot] = []
    if not blind.any():
        return spots
    edges = np.diff(np.concatenate(([0], blind.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    for a, b in zip(starts, ends, strict=True):
        mid = (a + b) // 2
        site, dist = nearest_site(terrain, sites, float(samples.x[mid]), float(samples.y[mid]))
        spots.append(
            BlindSpot(
                start_lonlat=terrain.to_lonlat(float(samples.x[a]), float(samples.y[a])),
                end_lonlat=terrain.to_lonlat(float(samples.x[b]), float(samples.y[b])),
                start_km=float(samples.chainage_m[a] - samples.weight_m[a] / 2) / 1000.0,
                length_m=float(samples.weight_m[a : b + 1].sum()),
                nearest_site=site,
                nearest_site_km=dist,
            )
        )
    spots.sort(key=lambda s: -s.length_m)
    return spots


def compute_coverage(
    sector: Sector,
    terrain: Terrain,
    night: bool = False,
    progress: Progress | None = None,
) -> CoverageResult:
    """Footprints of every sensor, the count grid, line and corridor coverage, blind spots."""
    counts = np.zeros(terrain.shape, dtype=np.uint16)
    footprints: list[Footprint] = []
    for site in sector.sites:
        for sensor in filter(lambda s: s.watches_ground, site.sensors):
            fp = sensor_footprint(terrain, site, sensor, night=night)
            footprints.append(fp)
            add_footprint(counts, fp)
            if progress:
                progress(f"{site.id}/{sensor.id}")
    lonlat = sector.line_lonlat()
    samples = sample_line(terrain, lonlat)
    seen = counts[samples.rows, samples.cols].astype(np.int64)
    corridor = corridor_mask(terrain, lonlat, sector.line.corridor_width_m)
    valid = corridor & np.isfinite(terrain.elevation)
    corridor_fraction = float((counts[valid] > 0).mean()) if valid.any() else 0.0
    spots = find_blind_spots(terrain, samples, seen, sector.sites)
    return CoverageResult(
        terrain=terrain,
        counts=counts,
        footprints=footprints,
        samples=samples,
        sample_counts=seen,
        corridor_fraction=corridor_fraction,
        blind_spots=spots,
        night=night,
    )
