"""Speed and memory of our travel-time search against SciPy's and scikit-image's, in one run.

One on-foot search (Tobler, 16 moves) from Mt Washington over every cell within 20 km,
on N44W072 reprojected to UTM 19N at 30 m (the shipped tile is SRTM 3 arc-second, so
this is its bilinear resampling; a window of about 1,335 x 1,335 cells):

* ours: :func:`ridgeline.terrain.travel.travel_times` on the whole window, best of 3
  after a first call (numba's cache load), and with the 20 km circle as its bound;
* SciPy: the same graph built as a sparse matrix (its building counted) and
  ``scipy.sparse.csgraph.dijkstra`` from the same cell; the minutes must agree;
* scikit-image: ``skimage.graph.MCP_Geometric`` with isotropic cell costs from the local
  slope, 8 neighbours: not the same model, a scale for the time only.

Then the ETA of 20 units (seeded, within the 20 km) to an alert at the summit, from one
reversed search bounded by the farthest of them (:mod:`ridgeline.dispatch.eta`).  Each
contender runs in its own process, so its peak RSS (``ru_maxrss``) is its own; each
includes the interpreter, numpy and the DEM window.

Run from the repository root: ``.venv/bin/python -m bench.route [--out WORK]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.common import REPO
from ridgeline.terrain.dem import load_terrain, write_raster

HGT = REPO / "examples" / "white-mountains" / "N44W072.hgt"
SUMMIT = (-71.3033, 44.2706)
RADIUS_M = 20_000.0


def worker(tool: str, dem: Path, work: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench._route_worker", tool, str(dem), str(work)], capture_output=True, text=True,
        cwd=REPO, env={**os.environ}, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{tool} worker failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def window(work: Path) -> Path:
    """The 20 km window around the summit at 30 m, as a float32 GeoTIFF (made once)."""
    path = work / "N44W072_30m_summit_20km.tif"
    if path.exists():
        return path
    lon, lat = SUMMIT
    terrain = load_terrain([HGT], resolution=30.0, bounds_lonlat=(lon - 0.3, lat - 0.22, lon + 0.3, lat + 0.22))
    row, col = terrain.rowcol(*terrain.to_map(lon, lat))
    r = int(np.ceil(RADIUS_M / terrain.cell_size))
    crop = terrain.crop(row - r, col - r, row + r + 1, col + r + 1)
    write_raster(path, np.ascontiguousarray(crop.elevation), crop)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="work folder")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="ridgeline-bench-route-"))
    work.mkdir(parents=True, exist_ok=True)
    dem = window(work)
    print(f"on-foot travel time from Mt Washington, 20 km around it, N44W072 at 30 m ({dem.name})", flush=True)
    o = worker("ours", dem, work)
    s = worker("scipy", dem, work)
    k = worker("skimage", dem, work)
    ours_min, scipy_min, sk_min = (np.load(work / f"{t}.npy") for t in ("ours", "scipy", "skimage"))
    shape = ours_min.shape
    both = np.isfinite(ours_min) & np.isfinite(scipy_min)
    same_reach = bool(np.array_equal(np.isfinite(ours_min), np.isfinite(scipy_min)))
    differ = float(np.abs(ours_min[both] - scipy_min[both]).max())
    print(f"    window {shape[0]} x {shape[1]} cells ({shape[0] * shape[1] / 1e6:.2f} M), "
          f"{o['settled']:.0f} settled; travel surface made in {o['prepare_s']:.3f} s")
    print(f"    ours    {o['best_s']:.2f} s (first call, numba cache load {o['first_s']:.2f} s; with the 20 km "
          f"circle as bound {o['radius_s']:.2f} s), peak RSS {o['peak_mb']:.0f} MB "
          f"({o['base_mb']:.0f} MB before the search)")
    print(f"    SciPy   {s['best_s']:.2f} s (graph build {s['build_s']:.2f} s + dijkstra "
          f"{s['best_s'] - s['build_s']:.2f} s), peak RSS {s['peak_mb']:.0f} MB ({s['base_mb']:.0f} MB before): "
          f"SciPy/ours {s['best_s'] / o['best_s']:.1f}x (target >= 3x)")
    print(f"            minutes agree: largest difference {differ:.2e} min, same cells reached: {same_reach}")
    print(f"    skimage {k['best_s']:.2f} s (MCP_Geometric, isotropic, 8 neighbours; not the same model), "
          f"peak RSS {k['peak_mb']:.0f} MB ({k['base_mb']:.0f} MB before): skimage/ours "
          f"{k['best_s'] / o['best_s']:.1f}x; its median time {np.median(sk_min[np.isfinite(sk_min)]):.0f} min "
          f"vs ours {np.median(ours_min[both]):.0f} min")
    print(f"    ETA of {o['eta_units']:.0f} units to an alert at the summit (farthest {o['eta_farthest_m'] / 1000:.1f} "
          f"km): {o['eta_s']:.3f} s, one reversed search settling {o['eta_settled']:.0f} cells (target <= 1 s); "
          f"ETAs {o['eta_min']:.0f} to {o['eta_max']:.0f} min")


if __name__ == "__main__":
    main()
