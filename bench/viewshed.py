"""Speed and memory of our viewshed against r.viewshed and GDAL, all in one run.

(a) The exact viewshed on N44W072 in UTM at 30 m (about 10.5 M cells), observers at the
    tile centre and on Mt Washington, timed in-process on a DEM already in memory (best of
    3) against GDAL's ViewshedGenerate called in-process the same way (Debian's
    python3-gdal under /usr/bin/python3) and against r.viewshed (the command alone, in a
    GRASS session).  Each contender runs in its own process so its peak RSS is its own.
    Numba's compile time is measured once with an empty cache, and the cached start after.
(b) Whole commands on N44W072 at 10 m (about 95 M cells): ``ridgeline viewshed`` against
    ``gdal_viewshed``, wall time with start-up, reading and writing included, the two
    alternated after a warm-up run each, median of 5, with peak RSS; from Mt Washington
    (the worst case: it sees a fifth of the tile) and from the tile centre (a valley).
(c) A cumulative viewshed of 1,000 observers with a 30 km radius on the 90 m tile against
    1,000 in-process GDAL viewsheds: the exact kernel batched, and the fast interpolated-
    horizon kernel at full resolution and on a DEM coarsened 2x and 3x, each with its
    agreement against the exact kernel (30 observers) and r.viewshed (5 observers).

Run from the repository root: ``.venv/bin/python -m bench.viewshed [--data ../shared/data]
[--quick]`` (``--quick``: part (a) on the 90 m tile only, no r.viewshed at 30 m).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS

from bench.common import (
    DEFAULT_DATA,
    REPO,
    Agreement,
    agreement,
    random_observers,
    read_float_dem,
    to_map,
    warp_to_utm,
)
from bench.grass import GrassObserver, run_r_viewshed
from ridgeline.terrain.cumulative import cumulative_viewshed
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import Observer, viewshed_grid

SUMMIT = (-71.3033, 44.2706)
CENTRE = (-71.5000, 44.5000)


def worker(python: str, module_or_file: str, *args: object, env: dict[str, str] | None = None) -> dict[str, float]:
    cmd = [python, "-m", module_or_file] if python != "/usr/bin/python3" else [python, module_or_file]
    proc = subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, **(env or {})}, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def ours(*args: object, env: dict[str, str] | None = None) -> dict[str, float]:
    return worker(sys.executable, "bench._ours_worker", *args, env=env)


def gdal(*args: object) -> dict[str, float]:
    return worker("/usr/bin/python3", str(REPO / "bench" / "_gdal_worker.py"), *args)


def wall(cmd: list[str]) -> tuple[float, float]:
    """Wall time in seconds and peak RSS in MB of one command.

    wait4 gives this child's own peak, though Linux counts the forked copy of this
    process before its exec too: a floor of about this process's size (~130 MB), far
    below both commands' peaks here.
    """
    with tempfile.TemporaryFile() as errors:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{errors.read().decode()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024.0


def part_a(dem: Path, res: float, work: Path, with_grass: bool) -> None:
    print(f"\n(a) exact viewshed, in-process, N44W072 at {res:g} m")
    with tempfile.TemporaryDirectory() as cold:
        first = ours("single", dem, *to_map(*SUMMIT, 32619), 0, env={"NUMBA_CACHE_DIR": cold})
    print(f"    numba compile (empty cache), first call: {first['first_s']:.1f} s")
    for label, lonlat in (("centre", CENTRE), ("Mt Washington", SUMMIT)):
        x, y = to_map(*lonlat, 32619)
        o = ours("single", dem, x, y, 3)
        g = gdal("single", dem, x, y, 3)
        line = (
            f"    {label:14s} ours {o['best_s']:.3f} s (first call, cache load {o['first_s']:.2f} s), "
            f"GDAL {g['best_s']:.3f} s: ours/GDAL {o['best_s'] / g['best_s']:.1f}x; "
            f"peak RSS ours {o['peak_mb']:.0f} MB, GDAL {g['peak_mb']:.0f} MB "
            f"({o['peak_mb'] / g['peak_mb']:.2f}x)"
        )
        if with_grass:
            name = label.split()[-1].lower()
            t = run_r_viewshed(dem, [GrassObserver(name, x, y, 2.0, 0.0, 0.85714)], work / "grass")[name]
            line += f"; r.viewshed {t:.1f} s: r.viewshed/ours {t / o['best_s']:.1f}x"
        print(line, flush=True)
        print(f"    {'':14s} visible cells: ours {o['visible']:.0f}, GDAL {g['visible']:.0f}")


def part_b(data: Path, work: Path, repeat: int = 5) -> None:
    print(f"\n(b) whole commands, N44W072 at 10 m, alternated, median of {repeat} (the bar: within 3x)")
    dem = warp_to_utm(data / "terrain" / "N44W072.hgt", work / "N44W072_10.tif", 32619, 10.0)
    ridgeline = str(Path(sys.executable).parent / "ridgeline")
    # Mt Washington sees the most (a fifth of the tile): the worst case, and the bar's;
    # the tile centre, a valley, shows a typical observer
    for label, lonlat in (("Mt Washington", SUMMIT), ("tile centre", CENTRE)):
        x, y = to_map(*lonlat, 32619)
        ours_cmd = [ridgeline, "viewshed", str(dem), f"--at={lonlat[0]},{lonlat[1]}", "--out", str(work / "r.tif")]
        gdal_cmd = ["gdal_viewshed", "-q", "-ox", str(x), "-oy", str(y), "-oz", "2", "-tz", "0", "-cc", "0.85714",
                    "-vv", "1", "-iv", "0", "-ov", "0", str(dem), str(work / "g.tif")]
        wall(ours_cmd)  # numba's cache written, the DEM in the page cache, for both
        wall(gdal_cmd)
        runs_ours: list[tuple[float, float]] = []
        runs_gdal: list[tuple[float, float]] = []
        for _ in range(repeat):  # alternated, so both see the same machine
            runs_ours.append(wall(ours_cmd))
            runs_gdal.append(wall(gdal_cmd))
        o = statistics.median(t for t, _ in runs_ours)
        g = statistics.median(t for t, _ in runs_gdal)
        print(f"    {label:14s} ridgeline viewshed {o:.2f} s, gdal_viewshed {g:.2f} s: ratio {o / g:.2f}x; "
              f"peak RSS {max(m for _, m in runs_ours):.0f} MB vs {max(m for _, m in runs_gdal):.0f} MB\n"
              f"    {'':14s} runs ours {', '.join(f'{t:.2f}' for t, _ in runs_ours)}; "
              f"GDAL {', '.join(f'{t:.2f}' for t, _ in runs_gdal)}", flush=True)


def part_c(dem90: Path, n: int, work: Path, with_grass: bool) -> None:
    print(f"\n(c) cumulative viewshed, {n} observers, 30 km radius, N44W072 at 90 m")
    radius = 30_000.0
    g = gdal("cumulative", dem90, n, radius, 0)
    print(f"    {n} GDAL viewsheds (in-process, not even summed): {g['best_s']:.2f} s")
    elevation, transform, epsg = read_float_dem(dem90)
    terrain = Terrain(elevation, transform, CRS.from_epsg(epsg))
    rows, cols = random_observers(elevation, n)
    sample = range(min(30, n))
    exact = [_exact(terrain, rows[i], cols[i], radius) for i in sample]
    grass: list[tuple[int, np.ndarray]] = []
    if with_grass:
        picks = list(sample)[:5]
        obs = [
            GrassObserver(f"obs{i}", *(transform * (cols[i] + 0.5, rows[i] + 0.5)), 2.0, 0.0, 0.85714)
            for i in picks
        ]
        run_r_viewshed(dem90, obs, work / "grass_cumulative")
        for i in picks:
            with rasterio.open(work / "grass_cumulative" / f"obs{i}.tif") as ds:
                grass.append((i, ds.read(1)))
    for method, coarsen in (("exact", 1), ("fast", 1), ("fast", 2), ("fast", 3)):
        o = ours("cumulative", dem90, n, radius, 0, method, coarsen)
        label = "exact kernel, batched" if method == "exact" else f"fast kernel, coarsen {coarsen}"
        line = (f"    ours ({label}) {o['best_s']:.2f} s: GDAL/ours {g['best_s'] / o['best_s']:.1f}x "
                f"(bar: 20x); peak RSS {o['peak_mb']:.0f} MB")
        if method == "fast":
            vs_exact = [
                agreement(_fast(terrain, rows[i], cols[i], radius, coarsen), e == 1, e != 255)
                for i, e in zip(sample, exact, strict=True)
            ]
            line += "\n      " + _agreement_line(f"vs exact kernel, {len(vs_exact)} observers", vs_exact)
            if grass:
                vs_grass = []
                for (i, ref), e in zip(grass, exact, strict=False):
                    valid = (e != 255) & (ref != 255)
                    vs_grass.append(agreement(_fast(terrain, rows[i], cols[i], radius, coarsen), ref == 1, valid))
                line += "\n      " + _agreement_line(f"vs r.viewshed, {len(vs_grass)} observers", vs_grass)
        print(line, flush=True)


def _exact(terrain: Terrain, row: int, col: int, radius: float) -> np.ndarray:
    return viewshed_grid(terrain, Observer(int(row), int(col), height=2.0, radius=radius), 0.85714)


def _fast(terrain: Terrain, row: int, col: int, radius: float, coarsen: int) -> np.ndarray:
    one = cumulative_viewshed(
        terrain, np.array([row]), np.array([col]), radius=radius, method="fast", coarsen=coarsen
    )
    return one == 1


def _agreement_line(what: str, cases: list[Agreement]) -> str:
    worst = min(cases, key=lambda a: a.agreement_pct)
    worst_missed = max(cases, key=lambda a: a.differ_pct_of_ref_visible)
    mean_agree = sum(a.agreement_pct for a in cases) / len(cases)
    mean_missed = sum(a.differ_pct_of_ref_visible for a in cases) / len(cases)
    return (f"{what}: cells agree {mean_agree:.2f} % mean, {worst.agreement_pct:.2f} % worst; "
            f"differing cells {mean_missed:.1f} % of the reference's visible mean, "
            f"{worst_missed.differ_pct_of_ref_visible:.1f} % worst")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=None, help="work folder")
    parser.add_argument("--quick", action="store_true", help="only part (a) on the 90 m tile")
    parser.add_argument("--part", choices=["a", "b", "c"], default=None, help="run one part only")
    parser.add_argument("--observers", type=int, default=1000, help="observers in part (c)")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="ridgeline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    hgt = args.data / "terrain" / "N44W072.hgt"
    dem90 = warp_to_utm(hgt, work / "N44W072_90.tif", 32619, 90.0)
    if args.quick:
        part_a(dem90, 90.0, work, with_grass=True)
        return
    if args.part in (None, "a"):
        part_a(warp_to_utm(hgt, work / "N44W072_30.tif", 32619, 30.0), 30.0, work, with_grass=True)
    if args.part in (None, "b"):
        part_b(args.data, work)
    if args.part in (None, "c"):
        part_c(dem90, args.observers, work, with_grass=True)


if __name__ == "__main__":
    main()
