"""Cumulative viewshed: how many of many observers see each cell, in one parallel call.

Used for siting (every candidate cell an observer) and for "how watched is this valley"
maps.  Two kernels: ``exact`` runs r.viewshed's model (``_sweep``) on the window each
observer's radius covers; ``fast`` runs the interpolated-horizon kernel (``_horizon``),
optionally on a DEM coarsened by an integer factor, for when thousands of observers matter
more than single cells.  ``bench/viewshed.py`` prints the fast kernel's agreement with
r.viewshed beside its speed.
"""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np

from ridgeline.errors import TerrainError
from ridgeline.model.earth import WGS84_SEMI_MAJOR_M
from ridgeline.terrain._horizon import horizon_cumulative
from ridgeline.terrain._sweep import batch_viewsheds
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import DEFAULT_CURVATURE_COEFF

CumulativeMethod = Literal["exact", "fast"]


def cumulative_viewshed(
    terrain: Terrain,
    rows: np.ndarray,
    cols: np.ndarray,
    observer_height: float = 2.0,
    target_height: float = 0.0,
    radius: float = 30_000.0,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    method: CumulativeMethod = "exact",
    coarsen: int = 1,
) -> np.ndarray:
    """Count of observers that see each cell (uint32 grid of the terrain's shape).

    ``coarsen`` (fast method only) runs the kernel on blocks of ``coarsen`` x ``coarsen``
    cells (their mean height) and gives each cell its block's count; observers keep their
    own cell's ground height.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    dem = np.ascontiguousarray(terrain.elevation, dtype=np.float32)
    curv = curvature_coeff / (2.0 * WGS84_SEMI_MAJOR_M)
    if method == "exact":
        if coarsen != 1:
            raise TerrainError("coarsen applies to the fast cumulative method only")
        heights = np.full(rows.shape[0], float(observer_height))
        none = np.zeros(0, dtype=np.int64)
        counts, _ = batch_viewsheds(
            dem, rows, cols, heights, float(target_height), terrain.cell_size, curv,
            float(radius), none, none,
        )
        return counts
    if method != "fast":
        raise TerrainError(f"unknown cumulative method {method!r} (exact or fast)")
    if coarsen < 1:
        raise TerrainError(f"coarsen must be a whole number >= 1, got {coarsen}")
    ground = dem[rows, cols].astype(np.float64)
    eyes = np.where(np.isnan(ground), 0.0, ground) + float(observer_height)
    small = block_mean(dem, coarsen)
    counts = horizon_cumulative(
        small, rows // coarsen, cols // coarsen, eyes, float(target_height),
        terrain.cell_size * coarsen, curv, float(radius), numba.get_num_threads(),
    )
    if coarsen > 1:
        counts = np.repeat(np.repeat(counts, coarsen, axis=0), coarsen, axis=1)
        counts = counts[: dem.shape[0], : dem.shape[1]]
    counts[np.isnan(dem)] = 0
    return np.ascontiguousarray(counts)


def block_mean(dem: np.ndarray, factor: int) -> np.ndarray:
    """Mean height of each ``factor`` x ``factor`` block, ignoring NaN (NaN if all are)."""
    if factor == 1:
        return dem
    nr = -(-dem.shape[0] // factor) * factor
    nc = -(-dem.shape[1] // factor) * factor
    padded = np.full((nr, nc), np.nan, dtype=np.float32)
    padded[: dem.shape[0], : dem.shape[1]] = dem
    blocks = padded.reshape(nr // factor, factor, nc // factor, factor)
    valid = ~np.isnan(blocks)
    total = np.where(valid, blocks, 0.0).sum(axis=(1, 3), dtype=np.float64)
    n = valid.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    return np.ascontiguousarray(mean, dtype=np.float32)
