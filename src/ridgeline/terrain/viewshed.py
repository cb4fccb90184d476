"""Viewsheds: what an observer at a point sees over the terrain.

The exact kernel (:mod:`ridgeline.terrain._sweep`) reproduces GRASS ``r.viewshed``'s
terrain model; this module is its public face: options that mirror ``gdal_viewshed``
(observer and target height, radius, curvature coefficient), input checks, and a windowed
variant for sensors whose range covers a small part of a large grid.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ridgeline.errors import OutsideTerrainError
from ridgeline.model.earth import WGS84_SEMI_MAJOR_M
from ridgeline.terrain._sweep import count_viewshed as count_viewshed
from ridgeline.terrain._sweep import sweep_viewshed
from ridgeline.terrain.dem import Terrain

#: GDAL's default: curvature less 1/7 of it for standard atmospheric refraction.
DEFAULT_CURVATURE_COEFF = 0.85714

VISIBLE = 1
NOT_VISIBLE = 0
OUTSIDE = 255


def _sectors() -> int:
    """Azimuth sectors per side: enough to keep every core busy and balanced."""
    return max(16, 4 * (os.cpu_count() or 1))


def preload(heights: np.dtype | type = np.float32) -> None:
    """Load the exact kernel's compiled code now, from numba's cache (or compile it).

    The first call of a numba function takes a while even from the cache (numba's typing
    tables, the code itself, the thread pool); a command that will need the kernel
    can pay that in a background thread while it reads the DEM.  The call's argument
    types are those :func:`viewshed_grid` passes for a grid of ``heights`` (float32, or
    int16 as :func:`~ridgeline.terrain.dem.load_stored_terrain` keeps it), so that call
    finds the code loaded; :func:`count_viewshed` is loaded too.

    numba's first use of its numpy support also imports scipy.linalg only to note whether
    BLAS is there for a few array functions, and cffi with its C parser to type cffi
    functions; the kernel uses neither, so those imports are declined while the kernel
    loads.  (Later in the same process np.dot and linear algebra still find BLAS, since
    they import it when compiled; only numba's inner products use plain loops instead,
    and numba does not type cffi functions.)
    """
    declined = [name for name in _OPTIONAL_FOR_KERNEL if name not in sys.modules]
    for name in declined:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        with _cache_loads_without_registries():
            sweep_viewshed(np.zeros((3, 3), dtype=heights), math.nan, 1, 1, 2.0, 0.0, 1.0, 0.0, math.inf, 1)
            count_viewshed(np.zeros((1, 1), dtype=np.uint8))
    finally:
        for name in declined:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


@contextlib.contextmanager
def _cache_loads_without_registries() -> Iterator[None]:
    """numba's cache loads, for a while, without first loading every typing and lowering registry.

    Before it loads a function from its cache, numba refreshes its typing and target
    contexts: it imports and registers the typing and code generation of all it supports,
    which running cached machine code does not use; only its runtime must be
    initialised.  While this is in force a cache load does just that.  A cache miss still
    compiles as usual, since the compiler refreshes the contexts itself.  On a numba that
    lacks the methods this relies on (its version is pinned), loads are left as they are.
    """
    from numba.core.caching import Cache
    from numba.core.runtime.nrt import rtsys

    original = Cache.load_overload
    if not (hasattr(Cache, "_load_overload") and hasattr(Cache, "_guard_against_spurious_io_errors")):
        yield
        return

    def load_overload(self: Any, sig: Any, target_context: Any) -> Any:
        rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)

    Cache.load_overload = load_overload  # type: ignore[method-assign]
    try:
        yield
    finally:
        Cache.load_overload = original  # type: ignore[method-assign]


#: Modules numba imports on its first use only for features the kernel does not use.
_OPTIONAL_FOR_KERNEL = ("scipy.linalg.cython_blas", "cffi")


@dataclass(frozen=True)
class Observer:
    """Where a viewshed is taken from and what it looks for."""

    row: int
    col: int
    height: float = 2.0
    target_height: float = 0.0
    radius: float | None = None


def viewshed_grid(
    terrain: Terrain,
    observer: Observer,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
) -> np.ndarray:
    """Viewshed over the whole grid: uint8, 1 visible, 0 not visible, 255 nodata/outside radius."""
    rows, cols = terrain.shape
    if not (0 <= observer.row < rows and 0 <= observer.col < cols):
        raise OutsideTerrainError(
            f"observer cell ({observer.row}, {observer.col}) is outside the DEM grid "
            f"({rows} rows x {cols} columns)"
        )
    if not terrain.has_data(observer.row, observer.col):
        raise OutsideTerrainError(
            f"observer cell ({observer.row}, {observer.col}) has no elevation data"
        )
    max_dist2 = math.inf if observer.radius is None else float(observer.radius) ** 2
    dem = terrain.elevation
    if dem.dtype not in (np.float32, np.int16) or not dem.flags.c_contiguous:
        dem = np.ascontiguousarray(dem, dtype=np.float32)
    return sweep_viewshed(
        dem,
        float(terrain.nodata),
        int(observer.row),
        int(observer.col),
        float(observer.height),
        float(observer.target_height),
        terrain.cell_size,
        float(curvature_coeff) / (2.0 * WGS84_SEMI_MAJOR_M),
        max_dist2,
        _sectors(),
    )


def viewshed_window(
    terrain: Terrain,
    observer: Observer,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
) -> tuple[np.ndarray, int, int]:
    """Viewshed of an observer with a radius, computed on the window the radius covers.

    Returns (window, row0, col0): the window's top-left cell in the full grid.  Cells of
    the window beyond the radius are 255.  Same answer as :func:`viewshed_grid`, far less work.
    """
    if observer.radius is None:
        return viewshed_grid(terrain, observer, curvature_coeff), 0, 0
    reach = int(math.ceil(observer.radius / terrain.cell_size)) + 2
    row0 = max(observer.row - reach, 0)
    col0 = max(observer.col - reach, 0)
    window = terrain.crop(row0, col0, observer.row + reach + 1, observer.col + reach + 1)
    local = Observer(
        row=observer.row - row0,
        col=observer.col - col0,
        height=observer.height,
        target_height=observer.target_height,
        radius=observer.radius,
    )
    return viewshed_grid(window, local, curvature_coeff), row0, col0
