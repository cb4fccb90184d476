"""A fast approximate viewshed kernel for cumulative work: one interpolated horizon per cell.

The exact kernel (``_sweep``) keeps the whole upper envelope of blocking angles; this one
keeps, for every cell, a single number: the steepest slope seen on the way from the
observer to that cell.  Cells are visited side by side (east, north, west, south) and
column by column outward, and a cell's line of sight crosses the previous column between
two cells whose horizons are interpolated linearly (the XDraw family of Franklin & Ray,
close to what GDAL's ``ViewshedGenerate`` does).  That is O(1) per cell with no
transcendental function, faster than the exact kernel, and wrong near ridges where the
interpolated horizon is too low or too high: ``bench/viewshed.py`` prints its agreement
with r.viewshed beside its speed.  Use it where thousands of observers matter
more than single cells (siting over every candidate, "how watched is this valley").
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ridgeline.jit import announce_compiles, for_grids

announce_compiles("ridgeline.terrain", "terrain", for_grids("DEMs"))

# Axis (drow, dcol) and minor direction of each side, as in _sweep.  North and south run
# on the DEM; east and west on its transpose, where they become "south" and "north" with
# the same minor offsets, so that every side walks its columns through contiguous memory.
_SIDES = np.array(
    [[1, 0, 0, -1], [-1, 0, 0, -1], [-1, 0, 0, 1], [1, 0, 0, 1]],
    dtype=np.int64,
)
#: Whether each side runs on the transposed DEM (east, west).
_TRANSPOSED = (True, False, True, False)


@njit(cache=True)
def _horizon_side(
    dem: np.ndarray,
    vr: int,
    vc: int,
    eye: float,
    target_height: float,
    cell: float,
    curv: float,
    reach: int,
    max_k2: float,
    side: int,
    prev: np.ndarray,
    cur: np.ndarray,
    out: np.ndarray,
    add: bool,
) -> None:
    """One side: mark visible cells in ``out`` (set to 1, or add 1 when ``add``).

    For east and west (sides 0 and 2) ``dem`` and ``out`` are the transposed grids and
    (vr, vc) the observer's untransposed cell.  A column is one row of the grid it runs
    on.  Each diagonal belongs to two sides; only the side that owns it (m > -k) marks
    it, so a cumulative count sees every cell once.
    """
    nrows, ncols = dem.shape
    if side == 0 or side == 2:
        vr, vc = vc, vr
    ar = _SIDES[side, 0]
    mc = _SIDES[side, 3]
    off = reach + 1
    c2 = curv * cell * cell
    inv_cell = 1.0 / cell
    for k in range(1, reach + 1):
        kk = float(k * k)
        row = vr + k * ar
        if kk > max_k2 or row < 0 or row >= nrows:
            break
        m_span = k
        rem = max_k2 - kk
        if rem < kk:
            m_span = int(math.sqrt(rem))
        # the minor offsets whose cells lie inside the grid
        if mc > 0:
            m_lo = max(-m_span, -vc)
            m_hi = min(m_span, ncols - 1 - vc)
        else:
            m_lo = max(-m_span, vc - (ncols - 1))
            m_hi = min(m_span, vc)
        step = (k - 1.0) / k
        for m in range(m_lo, m_hi + 1):
            col = vc + m * mc
            d2 = kk + float(m * m)
            z = dem[row, col]
            # horizon where the line of sight crosses the previous column
            if k == 1:
                hz = -np.inf
            else:
                mp = m * step
                jf = math.floor(mp)
                f = mp - jf
                ji = int(jf) + off
                hz = prev[ji]
                if f > 0.0:
                    hz = hz + f * (prev[ji + 1] - hz)
            if math.isnan(z):
                cur[m + off] = hz
                continue
            inv_d = inv_cell / math.sqrt(d2)
            base = float(z) - d2 * c2 - eye
            if (base + target_height) * inv_d >= hz and m > -k:
                if add:
                    out[row, col] += 1
                else:
                    out[row, col] = 1
            sl = base * inv_d
            cur[m + off] = sl if sl > hz else hz
        # outside the grid or the circle the horizon is never needed by a ray that stays
        # inside both, but interpolation may touch one neighbour: extend the edge values
        for m in range(m_hi + 1, k + 1):
            cur[m + off] = cur[m_hi + off] if m_hi >= m_lo else np.inf
        for m in range(-k, m_lo):
            cur[m + off] = cur[m_lo + off] if m_hi >= m_lo else np.inf
        prev, cur = cur, prev


@njit(cache=True)
def _eye(dem: np.ndarray, r: int, c: int, height: float) -> float:
    z = float(dem[r, c])
    return (0.0 if math.isnan(z) else z) + height


@njit(cache=True, parallel=True)
def horizon_viewshed(
    dem: np.ndarray, vr: int, vc: int, observer_height: float, target_height: float,
    cell: float, curv: float, radius: float,
) -> np.ndarray:
    """Approximate viewshed of one observer: 1 visible, 0 not, 255 nodata or out of range."""
    nrows, ncols = dem.shape
    dem_t = np.ascontiguousarray(dem.T)
    out = np.zeros((nrows, ncols), dtype=np.uint8)
    out_t = np.zeros((ncols, nrows), dtype=np.uint8)
    reach = max(nrows, ncols)
    max_k2 = (radius / cell) ** 2 if radius < np.inf else np.inf
    eye = _eye(dem, vr, vc, observer_height)
    for side in prange(4):
        prev = np.empty(2 * reach + 3)
        cur = np.empty(2 * reach + 3)
        if side == 0 or side == 2:
            _horizon_side(dem_t, vr, vc, eye, target_height, cell, curv, reach, max_k2, side, prev, cur, out_t, False)
        else:
            _horizon_side(dem, vr, vc, eye, target_height, cell, curv, reach, max_k2, side, prev, cur, out, False)
    out[vr, vc] = 1
    for r in prange(nrows):
        for c in range(ncols):
            dr = float(r - vr)
            dc = float(c - vc)
            if math.isnan(dem[r, c]) or (dr * dr + dc * dc) > max_k2:
                out[r, c] = 255
            elif out_t[c, r] == 1:
                out[r, c] = 1
    return out


@njit(cache=True, parallel=True)
def horizon_cumulative(
    dem: np.ndarray, rows: np.ndarray, cols: np.ndarray, eyes: np.ndarray,
    target_height: float, cell: float, curv: float, radius: float, threads: int,
) -> np.ndarray:
    """How many observers see each cell (uint32), observers shared out over ``threads``.

    ``eyes`` are the observers' eye elevations (ground plus mast), so a caller working on
    a coarsened DEM can keep each observer's true ground height.
    """
    nrows, ncols = dem.shape
    nobs = rows.shape[0]
    dem_t = np.ascontiguousarray(dem.T)
    groups = min(max(threads, 1), max(nobs, 1))
    partial = np.zeros((groups, nrows, ncols), dtype=np.uint32)
    partial_t = np.zeros((groups, ncols, nrows), dtype=np.uint32)
    reach = int(math.ceil(radius / cell)) + 1
    max_k2 = (radius / cell) ** 2
    for g in prange(groups):
        prev = np.empty(2 * reach + 3)
        cur = np.empty(2 * reach + 3)
        for i in range(g, nobs, groups):
            for side in range(4):
                if side == 0 or side == 2:
                    _horizon_side(
                        dem_t, rows[i], cols[i], eyes[i], target_height, cell, curv, reach,
                        max_k2, side, prev, cur, partial_t[g], True,
                    )
                else:
                    _horizon_side(
                        dem, rows[i], cols[i], eyes[i], target_height, cell, curv, reach,
                        max_k2, side, prev, cur, partial[g], True,
                    )
            partial[g, rows[i], cols[i]] += 1
    counts = np.zeros((nrows, ncols), dtype=np.uint32)
    for r in prange(nrows):
        for g in range(groups):
            for c in range(ncols):
                counts[r, c] += partial[g, r, c] + partial_t[g, c, r]
    return counts
