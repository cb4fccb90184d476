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

import numpy as np
from pyproj import CRS

from bench.common import read_float_dem
from ridgeline.terrain.cumulative import cumulative_viewshed
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import Observer, viewshed_grid


def main() -> None:
    mode, dem, x, y, repeat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
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
        rng = np.random.default_rng(1)
        rows, cols = np.nonzero(np.isfinite(elevation))
        pick = rng.choice(rows.size, n, replace=False)
        t = time.perf_counter()
        cumulative_viewshed(terrain, rows[pick[:2]], cols[pick[:2]], radius=y)
        first = time.perf_counter() - t
        t = time.perf_counter()
        counts = cumulative_viewshed(terrain, rows[pick], cols[pick], radius=y)
        best = time.perf_counter() - t
        visible = int(counts.sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"first_s": first, "best_s": best, "visible": visible, "peak_mb": peak}))


if __name__ == "__main__":
    main()
