"""Use case: the fastest route between two points on a DEM, written as a GeoJSON Feature.

The DEM is taken as stored when it is a 16-bit or float grid on a metric CRS (no
reprojection), otherwise reprojected to UTM (:func:`ridgeline.terrain.dem.load_stored_terrain`).
On foot, by vehicle or by boat the route is the fastest path of the travel-time engine
(:mod:`ridgeline.terrain.travel`), searched from the start until the end is settled; a
drone flies the straight line, if its endurance allows.  The Feature's LineString runs
through the centres of the cells of the path, in WGS84 lon/lat, with the minutes, the
horizontal length and the mode as properties.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ridgeline.app.progress import Progress, report
from ridgeline.errors import RouteError

if TYPE_CHECKING:
    import numpy as np

    from ridgeline.terrain.dem import Terrain
    from ridgeline.terrain.travel import Mode, TravelModels


@dataclass(frozen=True)
class RouteRequest:
    """From where to where, on which DEM, how; the optional paths (tracks, roads) and water GeoJSON files."""

    dem: Path
    start: tuple[float, float]
    """lon, lat (WGS84)."""
    end: tuple[float, float]
    out: Path
    mode: str = "foot"
    """foot, vehicle, boat or drone."""
    paths: Path | None = None
    water: Path | None = None
    models: TravelModels | None = None


@dataclass(frozen=True)
class RouteResult:
    """The route found and where it was written."""

    out: Path
    mode: Mode
    minutes: float
    length_m: float
    points: int
    """Points of the LineString."""
    feature: dict[str, Any]
    seconds: float


def plan_route(req: RouteRequest, progress: Progress | None = None) -> RouteResult:
    """Find the fastest route of ``req`` and write it to ``req.out`` as a GeoJSON Feature."""
    from ridgeline.terrain.dem import load_stored_terrain
    from ridgeline.terrain.travel import Mode, TravelModels, parse_mode

    t0 = time.perf_counter()
    mode = parse_mode(req.mode, "--mode")
    models = req.models or TravelModels()
    report(progress, f"loading {req.dem}")
    terrain = load_stored_terrain(req.dem)
    if mode is Mode.DRONE:
        coordinates, minutes, length_m = _flight(terrain, req, models)
    else:
        coordinates, minutes, length_m = _ground_route(terrain, req, mode, models, progress)
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": {
            "minutes": round(minutes, 3), "length_m": round(length_m, 1), "mode": mode.value,
            "from": list(req.start), "to": list(req.end), "dem": str(req.dem),
        },
    }
    report(progress, f"writing {req.out}")
    req.out.parent.mkdir(parents=True, exist_ok=True)
    req.out.write_text(json.dumps(feature) + "\n")
    return RouteResult(req.out, mode, minutes, length_m, len(coordinates), feature, time.perf_counter() - t0)


def _flight(terrain: Terrain, req: RouteRequest, models: TravelModels) -> tuple[list[list[float]], float, float]:
    from ridgeline.terrain.travel import drone_flight

    for (lon, lat), option in ((req.start, "--from"), (req.end, "--to")):
        terrain.cell_of_lonlat(lon, lat, f"{option} point")
    flight = drone_flight(*req.start, *req.end, models.drone)
    if not flight.within_endurance:
        raise RouteError(
            f"a drone cannot fly from --from to --to: {flight.length_m / 1000:.1f} km takes {flight.minutes:.1f} min, "
            f"more than its endurance of {models.drone.endurance_min:g} min"
        )
    return [list(req.start), list(req.end)], flight.minutes, flight.length_m


def _ground_route(
    terrain: Terrain, req: RouteRequest, mode: Mode, models: TravelModels, progress: Progress | None,
) -> tuple[list[list[float]], float, float]:
    from ridgeline.terrain.travel import read_lines, read_polygons, travel_surface, travel_times

    paths = read_lines(req.paths, "--paths file") if req.paths is not None else None
    water = read_polygons(req.water, "--water file") if req.water is not None else None
    report(progress, f"{mode.value} travel surface over {terrain.shape[0]}x{terrain.shape[1]} cells")
    surface = travel_surface(terrain, mode, models, paths, water)
    start = surface.cell(*req.start, "--from point")
    end = surface.cell(*req.end, "--to point")
    report(progress, "fastest route")
    times = travel_times(surface, start, targets=[end])
    minutes = times.at(*end)
    if not math.isfinite(minutes):
        raise RouteError(
            f"no {mode.value} route from --from {req.start[0]:.5f},{req.start[1]:.5f} to --to "
            f"{req.end[0]:.5f},{req.end[1]:.5f} on {req.dem}"
        )
    cells = times.path(*end)
    return _lonlat(terrain, cells), minutes, times.length_m(cells)


def _lonlat(terrain: Terrain, cells: np.ndarray) -> list[list[float]]:
    """The WGS84 lon/lat of the centres of ``cells`` (rows and columns), to 7 decimals."""
    return [[round(float(a), 7), round(float(b), 7)] for a, b in terrain.lonlat_of_cells(cells)]
