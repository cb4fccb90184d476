"""A kernel that compiles at run time is announced once; one loaded from the cache is not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from numba import types

from ridgeline.jit import for_grids

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = (
    "from ridgeline.maritime.geodesy import distance_m\n"
    "print(round(distance_m(55.0, 11.0, 55.0, 11.001)), round(distance_m(55.0, 11.0, 55.001, 11.0)))\n"
)


def _run(cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, cwd=ROOT)


def test_a_compile_is_said_once_and_a_cache_load_not(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.split() == ["64", "111"]  # metres along a parallel at 55 N, along a meridian
    assert first.stderr.count("compiling maritime kernels (first run only") == 1, first.stderr
    assert "python -m ridgeline.warm" in first.stderr  # and how to do it ahead
    again = _run(tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout == first.stdout
    assert "compiling" not in again.stderr


def test_grid_kernels_name_the_type_of_heights() -> None:
    describe = for_grids("DEMs")
    assert describe("sweep_viewshed", (types.Array(types.int16, 2, "C"), types.float64)) == "for int16 DEMs"
    assert describe("sweep_viewshed", (types.Array(types.float32, 2, "A"),)) == "for float32 DEMs"
    assert describe("batch", (types.Array(types.int64, 1, "C"),)) == ""  # not a grid
    assert describe("distance", (types.float64,)) == ""
    assert describe("nothing", ()) == ""
