"""Travel time over the terrain: how long a responder on foot, in a vehicle or a boat takes.

A :class:`Surface` is a terrain made ready for one mode of travel: which cells can be
entered, which lie on a path or road (from an optional GeoJSON of LineStrings, burnt
into the grid with every touched cell), and the constants of the mode's speed.
:func:`travel_times` runs Dijkstra from one cell over the 16-move graph of
:mod:`ridgeline.terrain._travel` and returns the minutes to every cell with the move
that reached it, so the fastest path to any cell can be read back
(:meth:`TravelTimes.path`).  A *reversed* search gives the minutes from every cell *to*
the source instead: one search outward from an alert gives every unit's time to it.
A search can stop early, once given target cells are all settled, past a number of
minutes, or at a radius.

The speed of a move is decided by the cell it goes to (on a path or not, its slope
limit), and slopes are signed: a climb and the descent back are different moves.

* ``foot``: Tobler's hiking function, 6 x exp(−3.5 x |S + 0.05|) km/h on paths and
  0.6 times that off them (:class:`FootModel`).
* ``vehicle``: a road speed on roads and a slow speed off them, each reduced by slope,
  and a slope limit above which a move is impassable (:class:`VehicleModel`).
* ``boat``: water only (cells at or below sea level, or inside given water polygons), at
  a constant speed (:class:`BoatModel`).
* ``drone``: a straight line at cruise speed, checked against its endurance
  (:func:`drone_flight`); no grid search.

Void cells (NaN, or a 16-bit DEM's void value) cannot be entered in any mode.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from pyproj import CRS, Geod, Transformer

from ridgeline.errors import DataFileNotFoundError, RouteError
from ridgeline.terrain._travel import (
    BASE_OFF,
    BASE_ON,
    DECAY_OFF,
    DECAY_ON,
    MAX_SLOPE_OFF,
    MAX_SLOPE_ON,
    MOVES,
    OFFSET,
    travel_search,
)
from ridgeline.terrain.dem import Terrain


class Mode(StrEnum):
    """How a responder travels."""

    FOOT = "foot"
    VEHICLE = "vehicle"
    BOAT = "boat"
    DRONE = "drone"


def parse_mode(text: str, what: str = "mode") -> Mode:
    """The mode named ``text``; :class:`RouteError` naming ``what`` and listing the modes otherwise."""
    try:
        return Mode(text)
    except ValueError:
        raise RouteError(
            f"{what}: unknown mode {text!r}, expected one of {', '.join(m.value for m in Mode)}"
        ) from None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FootModel(_Model):
    """On foot: Tobler's hiking function, slower off paths."""

    max_speed_kmh: float = Field(
        default=6.0, gt=0, description="Speed on a path at the best slope (a gentle descent), km/h.")
    slope_decay: float = Field(
        default=3.5, ge=0, description="How fast speed falls with slope: the 3.5 of exp(-3.5 |S + 0.05|).")
    slope_offset: float = Field(
        default=0.05,
        description="The slope is shifted by this before its size is taken: the fastest slope is its negative "
        "(a 5 % descent).")
    off_path_factor: float = Field(
        default=0.6, gt=0, le=1, description="Speed off paths as a fraction of the speed on them.")


class VehicleModel(_Model):
    """A four-wheel-drive vehicle: fast on roads, slow across country, stopped by steep ground."""

    road_speed_kmh: float = Field(default=40.0, gt=0, description="Speed on a level road, km/h.")
    road_slope_decay: float = Field(
        default=2.0, ge=0,
        description="Road speed is multiplied by exp(-decay x |slope|): 2.0 costs 18 % on a 10 % grade.")
    road_max_slope: float = Field(
        default=0.35, gt=0,
        description="Steepest road grade driven (rise over run); a steeper move onto a road is impassable.")
    offroad_speed_kmh: float = Field(default=10.0, gt=0, description="Speed across level country off roads, km/h.")
    offroad_slope_decay: float = Field(
        default=3.0, ge=0, description="Off-road speed is multiplied by exp(-decay x |slope|).")
    offroad_max_slope: float = Field(
        default=0.25, gt=0,
        description="Steepest slope driven off roads (rise over run, 0.25 is 14 degrees); steeper moves are "
        "impassable.")


class BoatModel(_Model):
    """A boat: water cells only, at a constant speed."""

    speed_kmh: float = Field(default=25.0, gt=0, description="Cruising speed on water, km/h.")
    sea_level_m: float = Field(
        default=0.0,
        description="Cells at or below this height are water (besides those inside water polygons), metres.")


class DroneModel(_Model):
    """A drone: a straight line at cruise speed, if its battery lasts."""

    cruise_speed_kmh: float = Field(default=60.0, gt=0, description="Cruise speed over the ground, km/h.")
    endurance_min: float = Field(
        default=30.0, gt=0, description="Longest flight to the scene, minutes: a longer one cannot be flown.")


class TravelModels(_Model):
    """The constants of every mode of travel."""

    foot: FootModel = Field(default_factory=FootModel, description="On foot.")
    vehicle: VehicleModel = Field(default_factory=VehicleModel, description="By vehicle.")
    boat: BoatModel = Field(default_factory=BoatModel, description="By boat.")
    drone: DroneModel = Field(default_factory=DroneModel, description="By drone.")


@dataclass(frozen=True)
class Surface:
    """A terrain made ready for one mode: cells that can be entered, path cells, speed constants."""

    terrain: Terrain
    mode: Mode
    passable: np.ndarray
    """uint8: 1 where the mode may enter the cell."""
    on_path: np.ndarray
    """uint8: 1 on a path or road."""
    params: np.ndarray
    """The kernel's constants (``_travel.BASE_OFF``...)."""

    def cell(self, lon: float, lat: float, what: str = "point") -> tuple[int, int]:
        """The cell under a lon/lat; an error naming ``what`` when it is off the DEM, void or not enterable."""
        row, col = self.terrain.cell_of_lonlat(lon, lat, what)
        if not self.passable[row, col]:
            ground = "on land (a boat needs water)" if self.mode is Mode.BOAT else "impassable"
            raise RouteError(f"{what} at lon {lon:.5f}, lat {lat:.5f} is {ground}")
        return row, col

    def around(self, row: int, col: int, radius_m: float) -> Surface:
        """The square of cells within ``radius_m`` of (row, col), clipped to the grid (cells renumbered)."""
        r = int(math.ceil(radius_m / self.terrain.cell_size))
        row0, col0 = max(row - r, 0), max(col - r, 0)
        row1, col1 = row + r + 1, col + r + 1
        return Surface(
            self.terrain.crop(row0, col0, row1, col1), self.mode,
            self.passable[row0:row1, col0:col1], self.on_path[row0:row1, col0:col1], self.params,
        )


def travel_surface(
    terrain: Terrain,
    mode: Mode,
    models: TravelModels | None = None,
    paths: list[list[tuple[float, float]]] | None = None,
    water: list[list[list[tuple[float, float]]]] | None = None,
) -> Surface:
    """``terrain`` made ready for ``mode``; ``paths`` lon/lat lines (tracks, roads), ``water`` polygons (boat).

    Each polygon is a list of rings (the outer ring, then holes) of lon/lat points.
    """
    models = models or TravelModels()
    if mode is Mode.DRONE:
        raise RouteError("a drone flies a straight line: use drone_flight, not a travel surface")
    z = terrain.elevation
    passable = np.isfinite(z) if np.issubdtype(z.dtype, np.floating) else np.ones(z.shape, dtype=bool)
    if not math.isnan(terrain.nodata):
        passable &= z != terrain.nodata
    on_path = _burn(terrain, paths or [], "lines") if paths else np.zeros(z.shape, dtype=np.uint8)
    inf = math.inf
    if mode is Mode.FOOT:
        f = models.foot
        params = [f.off_path_factor * f.max_speed_kmh, f.max_speed_kmh, f.slope_decay, f.slope_decay,
                  f.slope_offset, inf, inf]
    elif mode is Mode.VEHICLE:
        v = models.vehicle
        params = [v.offroad_speed_kmh, v.road_speed_kmh, v.offroad_slope_decay, v.road_slope_decay, 0.0,
                  v.offroad_max_slope, v.road_max_slope]
    else:
        b = models.boat
        wet = z <= b.sea_level_m
        if water:
            wet |= _burn(terrain, water, "polygons").astype(bool)
        passable &= wet
        params = [b.speed_kmh, b.speed_kmh, 0.0, 0.0, 0.0, inf, inf]
    order = [BASE_OFF, BASE_ON, DECAY_OFF, DECAY_ON, OFFSET, MAX_SLOPE_OFF, MAX_SLOPE_ON]
    packed = np.empty(7)
    packed[order] = params
    return Surface(terrain, mode, passable.astype(np.uint8), on_path, packed)


@dataclass(frozen=True)
class TravelTimes:
    """The answer of one search: minutes to (or from) the source, and the move that reached each cell."""

    minutes: np.ndarray
    """float64 minutes from the source (to it, if ``reverse``); inf where not reached or not settled."""
    predecessor: np.ndarray
    """int8: which of the 16 moves reached each cell (-1: none)."""
    source: tuple[int, int]
    reverse: bool
    settled: int
    """How many cells the search settled before it stopped."""
    cell_size: float

    def at(self, row: int, col: int) -> float:
        """Minutes at one cell (inf: not reached)."""
        return float(self.minutes[row, col])

    def path(self, row: int, col: int) -> np.ndarray:
        """The cells of the fastest path, in the order travelled, as an (n, 2) array of rows and columns.

        From the source to (row, col); for a reversed search from (row, col) to the source.
        Raises :class:`RouteError` when (row, col) was not reached.
        """
        if not math.isfinite(self.minutes[row, col]):
            raise RouteError(f"cell ({row}, {col}) cannot be reached from the source cell {self.source}")
        cells = [(row, col)]
        r, c = row, col
        while (r, c) != self.source:
            k = int(self.predecessor[r, c])
            r, c = r - int(MOVES[k, 0]), c - int(MOVES[k, 1])
            cells.append((r, c))
        out = np.array(cells, dtype=np.int64)
        return out if self.reverse else out[::-1]

    def length_m(self, cells: np.ndarray) -> float:
        """Horizontal length of a path of cells, metres."""
        steps = np.diff(cells, axis=0).astype(np.float64)
        return float(self.cell_size * np.hypot(steps[:, 0], steps[:, 1]).sum())


def travel_times(
    surface: Surface,
    source: tuple[int, int],
    reverse: bool = False,
    targets: list[tuple[int, int]] | None = None,
    max_minutes: float | None = None,
    max_radius_m: float | None = None,
) -> TravelTimes:
    """Fastest times from ``source`` over ``surface`` (to ``source``, if ``reverse``).

    The search stops once every cell of ``targets`` is settled, or past ``max_minutes``;
    it never enters cells farther than ``max_radius_m`` from the source.  Cells it did
    not settle read inf.
    """
    rows, cols = surface.terrain.shape
    row, col = source
    if not (0 <= row < rows and 0 <= col < cols):
        raise RouteError(f"source cell {source} is outside the {rows}x{cols} grid")
    flat_targets = np.array([r * cols + c for r, c in targets or []], dtype=np.int64)
    if flat_targets.size and (flat_targets.min() < 0 or flat_targets.max() >= rows * cols):
        raise RouteError(f"a target cell is outside the {rows}x{cols} grid: {targets}")
    elevation = surface.terrain.elevation
    z = elevation if elevation.flags.c_contiguous else np.ascontiguousarray(elevation)
    minutes, predecessor, settled = travel_search(
        z, np.ascontiguousarray(surface.passable), np.ascontiguousarray(surface.on_path),
        surface.terrain.cell_size, surface.params, row * cols + col, reverse, flat_targets,
        math.inf if max_minutes is None else float(max_minutes),
        0.0 if max_radius_m is None else float(max_radius_m) / surface.terrain.cell_size,
    )
    return TravelTimes(minutes, predecessor, (row, col), reverse, int(settled), surface.terrain.cell_size)


@dataclass(frozen=True)
class Flight:
    """A drone's straight flight: how long, how far, and whether its endurance allows it."""

    minutes: float
    length_m: float
    within_endurance: bool


_GEOD = Geod(ellps="WGS84")


def drone_flight(lon0: float, lat0: float, lon1: float, lat1: float, model: DroneModel | None = None) -> Flight:
    """The straight (geodesic) flight from one lon/lat to another at cruise speed."""
    model = model or DroneModel()
    _, _, length = _GEOD.inv(lon0, lat0, lon1, lat1)
    minutes = float(length) * 0.06 / model.cruise_speed_kmh
    return Flight(minutes, float(length), minutes <= model.endurance_min)


# --- GeoJSON of paths and water ---------------------------------------------------------------

_LINES = ("LineString", "MultiLineString")
_POLYGONS = ("Polygon", "MultiPolygon")


def read_lines(path: Path, what: str = "paths file") -> list[list[tuple[float, float]]]:
    """The lon/lat lines of a GeoJSON (FeatureCollection, Feature or geometry of LineStrings)."""
    lines: list[list[tuple[float, float]]] = []
    for i, geometry in enumerate(_geometries(path, what)):
        kind = geometry.get("type")
        if kind not in _LINES:
            raise RouteError(f"{what} {path}: geometry {i + 1} is a {kind}, expected a LineString")
        parts = [geometry.get("coordinates")] if kind == "LineString" else geometry.get("coordinates")
        for part in _list(parts, path, what, i):
            line = _positions(part, path, what, i)
            if len(line) < 2:
                raise RouteError(f"{what} {path}: geometry {i + 1} has a line of fewer than 2 points")
            lines.append(line)
    return lines


def read_polygons(path: Path, what: str = "water file") -> list[list[list[tuple[float, float]]]]:
    """The lon/lat polygons (each a list of rings) of a GeoJSON of Polygons."""
    polygons: list[list[list[tuple[float, float]]]] = []
    for i, geometry in enumerate(_geometries(path, what)):
        kind = geometry.get("type")
        if kind not in _POLYGONS:
            raise RouteError(f"{what} {path}: geometry {i + 1} is a {kind}, expected a Polygon")
        polys = [geometry.get("coordinates")] if kind == "Polygon" else geometry.get("coordinates")
        for poly in _list(polys, path, what, i):
            rings = [_positions(ring, path, what, i) for ring in _list(poly, path, what, i)]
            if not rings or any(len(ring) < 4 for ring in rings):
                raise RouteError(f"{what} {path}: geometry {i + 1} has a ring of fewer than 4 points")
            polygons.append(rings)
    return polygons


def _geometries(path: Path, what: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise DataFileNotFoundError(f"{what} {path} does not exist")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RouteError(f"{what} {path}: not GeoJSON ({e})") from None
    if not isinstance(data, dict):
        raise RouteError(f"{what} {path}: not GeoJSON (expected an object)")
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise RouteError(f"{what} {path}: a FeatureCollection without a list of features")
    elif data.get("type") == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "geometry": data}]
    out = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict):
            raise RouteError(f"{what} {path}: feature {i + 1} has no geometry")
        out.append(geometry)
    return out


def _list(value: Any, path: Path, what: str, i: int) -> list[Any]:
    if not isinstance(value, list):
        raise RouteError(f"{what} {path}: geometry {i + 1} has no coordinates")
    return value


def _positions(value: Any, path: Path, what: str, i: int) -> list[tuple[float, float]]:
    out = []
    for p in _list(value, path, what, i):
        if (not isinstance(p, list) or len(p) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])):
            raise RouteError(f"{what} {path}: geometry {i + 1} has a position that is not [lon, lat]: {p!r}")
        lon, lat = float(p[0]), float(p[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RouteError(f"{what} {path}: geometry {i + 1} has lon/lat out of range: {p!r}")
        out.append((lon, lat))
    return out


def _burn(terrain: Terrain, shapes: list[Any], kind: str) -> np.ndarray:
    """uint8 grid: 1 on every cell a line (or polygon, each a list of rings) touches."""
    from rasterio import features

    to_map = Transformer.from_crs(CRS.from_epsg(4326), terrain.crs, always_xy=True)

    def project(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        xs, ys = to_map.transform([p[0] for p in points], [p[1] for p in points])
        return list(zip(map(float, xs), map(float, ys), strict=True))

    if kind == "lines":
        geoms = [{"type": "LineString", "coordinates": project(line)} for line in shapes]
    else:
        geoms = [{"type": "Polygon", "coordinates": [project(ring) for ring in rings]} for rings in shapes]
    return features.rasterize(
        [(g, 1) for g in geoms], out_shape=terrain.shape, transform=terrain.transform, fill=0,
        all_touched=True, dtype="uint8",
    )
