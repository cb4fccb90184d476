"""Fill numba's on-disk cache with every kernel the commands use, before the first command.

A kernel compiles the first time it meets an argument type, and a new user waited for
that, without a word, on the first ``coverage``, ``site``, viewshed on a new DEM type and
``ais``.  ``make setup`` runs ``python -m ridgeline.warm`` after installing, so the first
command only loads compiled code: the exact viewshed for each type of heights the DEM
readers keep (float32, and int16 as stored), the batched viewsheds of siting and the
cumulative viewshed, the horizon kernels, the travel-time search (float32 and int16
heights), and the vessel kernels (tracks, stops, encounters, radar).  Each is run once on
a small made-up case of the same argument types as the commands pass.  matplotlib's font
list, built on its first import, is made too.

numba keeps the cache beside the sources (``__pycache__``; for an editable install, in the
checkout) or under ``NUMBA_CACHE_DIR``; it is keyed on each source file's time stamp, so
an edited kernel compiles again at its first use, which :mod:`ridgeline.jit` announces.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ridgeline.terrain.dem import Terrain

Step = tuple[str, Callable[[], None]]


def _grid(dtype: type) -> Terrain:
    """A small made-up terrain in UTM: a ridge with a valley, in ``dtype`` heights."""
    from affine import Affine
    from pyproj import CRS

    from ridgeline.terrain.dem import Terrain

    rows, cols = np.mgrid[0:48, 0:48]
    z = 300.0 + 80.0 * np.sin(cols / 7.0) + 40.0 * np.cos(rows / 5.0)
    transform = Affine(30.0, 0.0, 300_000.0, 0.0, -30.0, 4_900_000.0)
    if dtype is np.int16:
        return Terrain(z.astype(np.int16), transform, CRS.from_epsg(32619), nodata=-32768.0)
    return Terrain(z.astype(np.float32), transform, CRS.from_epsg(32619))


def _viewsheds(dtype: type) -> Callable[[], None]:
    def run() -> None:
        from ridgeline.terrain.viewshed import Observer, count_viewshed, preload, viewshed_grid, viewshed_window

        terrain = _grid(dtype)
        preload(np.dtype(dtype))
        count_viewshed(viewshed_grid(terrain, Observer(row=20, col=24, height=10.0, target_height=1.7)))
        viewshed_window(terrain, Observer(row=20, col=24, height=10.0, target_height=1.7, radius=400.0))

    return run


def _batched() -> None:
    """Siting's candidate viewsheds and the cumulative viewshed (exact and horizon kernels)."""
    from ridgeline.model.earth import WGS84_SEMI_MAJOR_M
    from ridgeline.terrain._horizon import horizon_viewshed
    from ridgeline.terrain.cumulative import cumulative_viewshed

    terrain = _grid(np.float32)
    rows, cols = np.array([10, 30], dtype=np.int64), np.array([12, 36], dtype=np.int64)
    cumulative_viewshed(terrain, rows, cols, radius=600.0, method="exact")
    cumulative_viewshed(terrain, rows, cols, radius=600.0, method="fast", coarsen=2)
    dem = np.ascontiguousarray(terrain.elevation, dtype=np.float32)
    horizon_viewshed(dem, 20, 24, 3.0, 0.0, 30.0, 0.85714 / (2 * WGS84_SEMI_MAJOR_M), 600.0)


def _vessels() -> None:
    """A made-up hour of traffic with every behaviour the engine looks for, judged once."""
    from ridgeline.maritime.behaviour import BehaviourEngine
    from ridgeline.maritime.positions import Positions
    from ridgeline.maritime.radar import RadarPlots

    t = np.arange(0.0, 6 * 3600.0, 60.0)
    n = t.shape[0]
    drift = 2e-6 * t  # about 1 kn east
    lat0, lon0 = 55.0, 11.0
    parts = [
        (np.full(n, 211000001), lat0 + np.zeros(n), lon0 + drift),  # two vessels side by side
        (np.full(n, 211000002), lat0 + 0.0008 + np.zeros(n), lon0 + drift),
        (np.full(n, 211000003), lat0 + 0.05 + np.zeros(n), lon0 + 0.05 + np.zeros(n)),  # stopped
        (np.full(n, 211000004), lat0 - 0.05 + 2e-5 * t / 60.0, lon0 + drift),  # goes silent a while
    ]
    keep = np.ones(n, dtype=bool)
    keep[n // 3 : n // 2] = False
    vessel = np.concatenate([p[0] if i < 3 else p[0][keep] for i, p in enumerate(parts)])
    lat = np.concatenate([p[1] if i < 3 else p[1][keep] for i, p in enumerate(parts)])
    lon = np.concatenate([p[2] if i < 3 else p[2][keep] for i, p in enumerate(parts)])
    time_ = np.concatenate([t, t, t, t[keep]])
    m = time_.shape[0]
    positions = Positions.from_lists(time_, vessel, lat, lon, np.full(m, 1.0), np.full(m, 90.0))
    plots = RadarPlots(  # a radar track with no AIS beside it: a dark target
        track=np.full(n, 7, dtype=np.int64), time=t.copy(), lat=lat0 + 0.1 + np.zeros(n), lon=lon0 + drift,
    )
    BehaviourEngine().judge(positions, plots, chunk=2000)


def _travel(dtype: type) -> Callable[[], None]:
    def run() -> None:
        from ridgeline.terrain.travel import Mode, travel_surface, travel_times

        surface = travel_surface(_grid(dtype), Mode.FOOT)
        travel_times(surface, (20, 24), targets=[(40, 40)])
        travel_times(surface, (20, 24), reverse=True, max_minutes=30.0)

    return run


def _fonts() -> None:
    from matplotlib import font_manager

    font_manager.findfont("DejaVu Sans")


STEPS: list[Step] = [
    ("terrain kernels for float32 DEMs", _viewsheds(np.float32)),
    ("terrain kernels for int16 DEMs", _viewsheds(np.int16)),
    ("batched and cumulative viewshed kernels", _batched),
    ("travel-time kernels for float32 DEMs", _travel(np.float32)),
    ("travel-time kernels for int16 DEMs", _travel(np.int16)),
    ("maritime kernels", _vessels),
    ("matplotlib's font list", _fonts),
]


def warm(progress: Callable[[str, int, int], None] | None = None) -> None:
    """Compile (or load) every kernel once, so numba's cache holds them all."""
    for i, (name, step) in enumerate(STEPS):
        if progress is not None:
            progress(name, i + 1, len(STEPS))
        step()


def main(argv: list[str] | None = None) -> int:
    """``python -m ridgeline.warm``: one progress line per step on stderr."""
    parser = argparse.ArgumentParser(prog="python -m ridgeline.warm", description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("ridgeline.jit").setLevel(logging.ERROR)  # compiling is the point here
    t0 = time.perf_counter()

    def progress(name: str, i: int, n: int) -> None:
        if not args.quiet:
            print(f"warming numba's cache ({i}/{n}): {name}...", file=sys.stderr, flush=True)

    warm(progress)
    if not args.quiet:
        print(f"numba's cache is warm ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
