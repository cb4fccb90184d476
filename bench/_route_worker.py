"""Worker for bench/route.py: one contender's travel-time search in a process of its own.

``python -m bench._route_worker TOOL DEM WORK`` reads the DEM window (float32, UTM), runs
TOOL's search from the window's centre and prints one JSON line: seconds (best of 3, the
first call apart for ours), peak RSS of the process and its RSS before the searches (the
interpreter, the tool's modules, the DEM window), and the minutes grid saved to
WORK/TOOL.npy for the agreement check.

* ``ours``: :func:`ridgeline.terrain.travel.travel_times` over the whole window, then the
  ETA of 20 units to an alert at the centre from one bounded reversed search
  (:func:`ridgeline.dispatch.eta.etas_to_scene`).
* ``scipy``: the same 16-move Tobler graph built as a CSR matrix, then
  ``scipy.sparse.csgraph.dijkstra`` from the centre; building counts in its time.
* ``skimage``: ``skimage.graph.MCP_Geometric`` (8 neighbours, isotropic cell costs from
  the local slope), for scale: not the same model.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ridgeline.terrain.dem import Terrain, load_stored_terrain

REPEAT = 3
UNITS = 20


def _best(run: Any) -> tuple[float, Any]:
    """The shortest of ``REPEAT`` runs, and that run's result."""
    best, result = math.inf, None
    for _ in range(REPEAT):
        t = time.perf_counter()
        got = run()
        elapsed = time.perf_counter() - t
        if elapsed < best:
            best, result = elapsed, got
    return best, result


def _rss_mb() -> float:
    """This process's peak RSS so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(terrain: Terrain, centre: tuple[int, int], work: Path) -> dict[str, float]:
    from ridgeline.dispatch.eta import Responders, Scene, etas_to_scene
    from ridgeline.model.domain import Position, Unit
    from ridgeline.terrain.travel import Mode, travel_surface, travel_times

    t = time.perf_counter()
    surface = travel_surface(terrain, Mode.FOOT)
    prepare = time.perf_counter() - t
    t = time.perf_counter()
    travel_times(surface, centre, targets=[centre])  # numba: compile or load from the cache
    first = time.perf_counter() - t
    base = _rss_mb()
    best, times = _best(lambda: travel_times(surface, centre))
    np.save(work / "ours.npy", times.minutes)
    radius_s, _ = _best(lambda: travel_times(surface, centre, max_radius_m=20_000.0))
    # 20 units on valid cells within 20 km of the alert, drawn with a fixed seed
    rows, cols = np.nonzero(surface.passable)
    near = np.hypot(rows - centre[0], cols - centre[1]) * terrain.cell_size <= 20_000.0
    pick = np.random.default_rng(7).choice(np.flatnonzero(near), UNITS, replace=False)
    units = []
    for i, k in enumerate(pick):
        lon, lat = terrain.to_lonlat(*terrain.xy(int(rows[k]), int(cols[k])))
        units.append(Unit(id=f"u{i:02d}", kind="patrol", position=Position(lon=lon, lat=lat)))
    responders = Responders(terrain)
    scene = Scene("alert", *terrain.to_lonlat(*terrain.xy(*centre)))
    etas_to_scene(responders, units, scene)  # the surface, made once per mode
    eta_s, etas = _best(lambda: etas_to_scene(responders, units, scene))
    minutes = [e.minutes for e in etas.etas if e.minutes is not None]
    far = max(e.straight_m or 0.0 for e in etas.etas)
    return {"base_mb": base, "prepare_s": prepare, "first_s": first, "best_s": best, "radius_s": radius_s,
            "settled": times.settled,
            "eta_s": eta_s, "eta_units": len(minutes), "eta_min": min(minutes), "eta_max": max(minutes),
            "eta_farthest_m": far, "eta_settled": etas.settled_cells[Mode.FOOT]}


def scipy_graph(terrain: Terrain) -> Any:
    """The 16-move on-foot graph (no paths: off-path Tobler everywhere) as a CSR matrix."""
    from scipy.sparse import csr_matrix

    z = terrain.elevation.astype(np.float64)
    rows, cols = z.shape
    ok = np.isfinite(z)
    index = np.arange(rows * cols, dtype=np.int32).reshape(rows, cols)
    heads, tails, weights = [], [], []
    for dr in range(-2, 3):
        for dc in range(-2, 3):
            if not (max(abs(dr), abs(dc)) == 1 or abs(dr * dc) == 2):
                continue
            a = (slice(max(0, -dr), rows - max(0, dr)), slice(max(0, -dc), cols - max(0, dc)))
            b = (slice(max(0, dr), rows + min(0, dr)), slice(max(0, dc), cols + min(0, dc)))
            length = terrain.cell_size * math.hypot(dr, dc)
            kmh = 3.6 * np.exp(-3.5 * np.abs((z[b] - z[a]) / length + 0.05))
            keep = ok[a] & ok[b]
            heads.append(index[a][keep])
            tails.append(index[b][keep])
            weights.append((length * 0.06 / kmh)[keep])
    n = rows * cols
    return csr_matrix((np.concatenate(weights), (np.concatenate(heads), np.concatenate(tails))), shape=(n, n))


def scipy_search(terrain: Terrain, centre: tuple[int, int], work: Path) -> dict[str, float]:
    from scipy.sparse.csgraph import dijkstra

    base = _rss_mb()

    def run() -> tuple[float, np.ndarray]:
        t = time.perf_counter()
        graph = scipy_graph(terrain)
        build = time.perf_counter() - t
        dist = dijkstra(graph, directed=True, indices=centre[0] * terrain.shape[1] + centre[1])
        return build, dist

    best, (build, dist) = _best(run)
    np.save(work / "scipy.npy", dist.reshape(terrain.shape))
    return {"base_mb": base, "best_s": best, "build_s": build}


def skimage_search(terrain: Terrain, centre: tuple[int, int], work: Path) -> dict[str, float]:
    from skimage.graph import MCP_Geometric

    base = _rss_mb()

    def run() -> np.ndarray:
        z = terrain.elevation.astype(np.float64)
        gy, gx = np.gradient(z, terrain.cell_size)
        slope = np.hypot(gx, gy)  # no direction: isotropic
        cost = 0.06 / (3.6 * np.exp(-3.5 * slope))  # minutes per metre
        cost[~np.isfinite(cost)] = np.inf
        mcp = MCP_Geometric(cost, sampling=(terrain.cell_size, terrain.cell_size), fully_connected=True)
        minutes, _ = mcp.find_costs([centre])
        return np.asarray(minutes)

    best, minutes = _best(run)
    np.save(work / "skimage.npy", minutes)
    return {"base_mb": base, "best_s": best}


def main() -> None:
    tool, dem, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    terrain = load_stored_terrain(dem)
    centre = (terrain.shape[0] // 2, terrain.shape[1] // 2)
    run = {"ours": ours, "scipy": scipy_search, "skimage": skimage_search}[tool]
    result = run(terrain, centre, work)
    result["peak_mb"] = _rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
