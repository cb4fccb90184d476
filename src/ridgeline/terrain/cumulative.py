"""Cumulative viewshed: how many of many observers see each cell, in one parallel call.

Used for siting (every candidate cell an observer) and for "how watched is this valley"
maps.  Each observer runs the exact kernel on the window its radius covers, one observer
per thread at a time, so the cost grows with observers × radius², not with the grid.
"""

from __future__ import annotations

import numpy as np

from ridgeline.terrain._sweep import batch_viewsheds
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import DEFAULT_CURVATURE_COEFF, EARTH_RADIUS_M


def cumulative_viewshed(
    terrain: Terrain,
    rows: np.ndarray,
    cols: np.ndarray,
    observer_height: float = 2.0,
    target_height: float = 0.0,
    radius: float = 30_000.0,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
) -> np.ndarray:
    """Count of observers that see each cell (uint32 grid)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    heights = np.full(rows.shape[0], float(observer_height))
    none = np.zeros(0, dtype=np.int64)
    counts, _ = batch_viewsheds(
        np.ascontiguousarray(terrain.elevation, dtype=np.float32), rows, cols, heights,
        float(target_height), terrain.cell_size, curvature_coeff / (2.0 * EARTH_RADIUS_M),
        float(radius), none, none,
    )
    return counts
