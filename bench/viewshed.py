"""Speed and memory of our viewshed against r.viewshed and GDAL, all in one run.

(a) The exact viewshed on N44W072 in UTM at 30 m (about 10.5 M cells), observers at the
    tile centre and on Mt Washington, timed in-process on a DEM already in memory (best of
    3) against GDAL's ViewshedGenerate called in-process the same way (Debian's
    python3-gdal under /usr/bin/python3) and against r.viewshed (the command alone, in a
    GRASS session).  Each contender runs in its own process so its peak RSS is its own.
    Numba's compile time is measured once with an empty cache, and the cached start after.
(b) Whole commands on N44W072 at 10 m (about 95 M cells): ``ridgeline viewshed`` against
    ``gdal_viewshed``, wall time with start-up, reading and writing included.
(c) A cumulative viewshed of 1,000 observers with a 30 km radius on the 90 m tile against
    1,000 in-process GDAL viewsheds.

Run from the repository root: ``.venv/bin/python -m bench.viewshed [--data ../shared/data]
[--quick]`` (``--quick``: part (a) on the 90 m tile only, no r.viewshed at 30 m).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import DEFAULT_DATA, REPO, to_map, warp_to_utm
from bench.grass import GrassObserver, run_r_viewshed

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


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


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


def part_b(data: Path, work: Path) -> None:
    print("\n(b) whole commands, N44W072 at 10 m")
    dem = warp_to_utm(data / "terrain" / "N44W072.hgt", work / "N44W072_10.tif", 32619, 10.0)
    x, y = to_map(*SUMMIT, 32619)
    ridgeline = str(Path(sys.executable).parent / "ridgeline")
    wall([ridgeline, "viewshed", str(dem), f"--at={SUMMIT[0]},{SUMMIT[1]}", "--out", str(work / "warm.tif")])
    t_ours = min(
        wall([ridgeline, "viewshed", str(dem), f"--at={SUMMIT[0]},{SUMMIT[1]}", "--out", str(work / "r.tif")])
        for _ in range(2)
    )
    t_gdal = min(
        wall(["gdal_viewshed", "-q", "-ox", str(x), "-oy", str(y), "-oz", "2", "-tz", "0", "-cc", "0.85714",
              "-vv", "1", "-iv", "0", "-ov", "0", str(dem), str(work / "g.tif")])
        for _ in range(2)
    )
    print(f"    ridgeline viewshed {t_ours:.2f} s, gdal_viewshed {t_gdal:.2f} s: ratio {t_ours / t_gdal:.1f}x "
          f"(bar: within 3x)")


def part_c(dem90: Path, n: int) -> None:
    print(f"\n(c) cumulative viewshed, {n} observers, 30 km radius, N44W072 at 90 m")
    o = ours("cumulative", dem90, n, 30000.0, 0)
    g = gdal("cumulative", dem90, n, 30000.0, 0)
    print(f"    ours (exact kernel, batched) {o['best_s']:.2f} s, {n} GDAL viewsheds {g['best_s']:.2f} s: "
          f"GDAL/ours {g['best_s'] / o['best_s']:.2f}x (bar: 20x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=None, help="work folder")
    parser.add_argument("--quick", action="store_true", help="only part (a) on the 90 m tile")
    parser.add_argument("--observers", type=int, default=1000, help="observers in part (c)")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="ridgeline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    hgt = args.data / "terrain" / "N44W072.hgt"
    dem90 = warp_to_utm(hgt, work / "N44W072_90.tif", 32619, 90.0)
    if args.quick:
        part_a(dem90, 90.0, work, with_grass=True)
        return
    part_a(warp_to_utm(hgt, work / "N44W072_30.tif", 32619, 30.0), 30.0, work, with_grass=True)
    part_b(args.data, work)
    part_c(dem90, args.observers)


if __name__ == "__main__":
    main()
