"""Use case: one exact viewshed from a point on a DEM, written as a GeoTIFF."""

from __future__ import annotations

import atexit
import gc
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.app.progress import Progress, report

if TYPE_CHECKING:
    import numpy as np

    from ridgeline.terrain.dem import Terrain


@dataclass(frozen=True)
class ViewshedRequest:
    """One observer on one DEM (r.viewshed's terrain model)."""

    dem: Path
    lon: float
    lat: float
    out: Path
    height: float = 2.0
    target_height: float = 0.0
    radius: float | None = None
    curvature_coeff: float = 0.85714
    resolution: float | None = None


@dataclass(frozen=True)
class ViewshedResult:
    """What was written and how much of the DEM the observer sees."""

    out: Path
    visible: int
    valid: int
    shape: tuple[int, int]
    seconds: float

    @property
    def fraction(self) -> float:
        return self.visible / max(self.valid, 1)


def viewshed(req: ViewshedRequest, progress: Progress | None = None) -> ViewshedResult:
    """Compute and write the viewshed of ``req``; 1 visible, 0 not, 255 nodata."""
    t0 = time.perf_counter()
    terrain, row, col = _load_with_kernel(req, progress)
    # numba leaves a large graph of objects that Python's last garbage collection would
    # walk at exit: freeze them out of it, at exit only
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    from ridgeline.terrain.dem import write_raster
    from ridgeline.terrain.viewshed import Observer, count_viewshed, viewshed_grid

    report(progress, f"viewshed over {terrain.shape[0]}x{terrain.shape[1]} cells")
    vis = viewshed_grid(
        terrain,
        Observer(row=row, col=col, height=req.height, target_height=req.target_height, radius=req.radius),
        req.curvature_coeff,
    )
    report(progress, f"writing {req.out}")
    write_raster(req.out, vis, terrain, nodata=255)
    visible, valid = count_viewshed(vis)
    return ViewshedResult(req.out, int(visible), int(valid), (terrain.shape[0], terrain.shape[1]),
                          time.perf_counter() - t0)


def _load_with_kernel(req: ViewshedRequest, progress: Progress | None) -> tuple[Terrain, int, int]:
    """The DEM and the observer's cell, while numba and the kernel load in the background.

    GDAL reads the DEM without holding the GIL, so numba's import and the kernel's first load
    (for the type the heights are kept in, once known) overlap it.  The garbage collector,
    which would walk numba's many new objects over and over, waits.
    """
    heights: Future[np.dtype | None] = Future()
    pool = ThreadPoolExecutor(max_workers=1)
    collecting = gc.isenabled()
    gc.disable()
    try:
        kernel = pool.submit(_load_viewshed_kernel, heights)
        import numpy as np

        from ridgeline.terrain.dem import load_stored_terrain, load_terrain

        report(progress, "loading DEM")
        if req.resolution is None:  # a 16-bit DEM needing no reprojection is kept as stored (half the memory)
            terrain = load_stored_terrain(req.dem, on_heights=heights.set_result)
        else:
            heights.set_result(np.dtype(np.float32))
            terrain = load_terrain([req.dem], resolution=req.resolution)
        row, col = terrain.cell_of_lonlat(req.lon, req.lat, what="observer")
        kernel.result()
    finally:
        if not heights.done():
            heights.set_result(None)  # a bad DEM: no kernel to load
        pool.shutdown(wait=False)
        if collecting:
            gc.enable()
    return terrain, row, col


def _load_viewshed_kernel(heights: Future[np.dtype | None]) -> None:
    """numba's import, then the kernel's first load for ``heights``, in the calling (background) thread."""
    from ridgeline.terrain.viewshed import preload

    dtype = heights.result()
    if dtype is not None:
        preload(dtype)
