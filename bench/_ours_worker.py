"""Worker for bench/viewshed.py: time our kernel in-process on a DEM already in memory.

Prints one JSON line: first-call seconds (compile or cache load), best-of-N seconds,
visible cells and the process's peak RSS.  Run in its own process so peak memory is ours.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from pyproj import CRS

from bench.common import random_observers, read_float_dem
from ridgeline.terrain.cumulative import cumulative_viewshed
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import Observer, viewshed_grid


def main() -> None:
    mode, dem, x, y, repeat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    method = sys.argv[6] if len(sys.argv) > 6 else "exact"
    coarsen = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    elevation, transform, epsg = read_float_dem(Path(dem))

    terrain = Terrain(elevation, transform, CRS.from_epsg(epsg))
    if mode == "single":
        col, row = ~transform @ (x, y)
        obs = Observer(int(row), int(col), height=2.0, target_height=0.0)
        t = time.perf_counter()
        vis = viewshed_grid(terrain, obs, 0.85714)
        first = time.perf_counter() - t
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            vis = viewshed_grid(terrain, obs, 0.85714)
            best = min(best, time.perf_counter() - t)
        visible = int((vis == 1).sum())
    else:
        n = int(x)
        rows, cols = random_observers(elevation, n)
        kw = {"radius": y, "method": method, "coarsen": coarsen}
        t = time.perf_counter()
        cumulative_viewshed(terrain, rows[:2], cols[:2], **kw)  # type: ignore[arg-type]
        first = time.perf_counter() - t
        t = time.perf_counter()
        counts = cumulative_viewshed(terrain, rows, cols, **kw)  # type: ignore[arg-type]
        best = time.perf_counter() - t
        visible = int(counts.sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"first_s": first, "best_s": best, "visible": visible, "peak_mb": peak}))


if __name__ == "__main__":
    main()
