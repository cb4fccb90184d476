"""The exact viewshed kernel: r.viewshed's terrain model, computed column by column.

GRASS ``r.viewshed`` (Haverkort, Toma & Zhuang 2009) decides a cell visible when its
centre's elevation angle is at least the elevation angle of every cell that the line of
sight crosses on the way, where a crossed cell's elevation angle is interpolated linearly
*in azimuth* between the angle at its entering corner, its centre and its exiting corner
(corner heights are the mean of the four cells around the corner).  It finds those cells
with a radial sweep and a balanced tree, which costs a sort of 3n events and a tree walk
per cell.

We compute the same answer differently.  Split the plane into four sides (east, north,
west, south of the observer).  On one side every cell belongs to a "column" ``k`` (its
distance along the side's axis), and a line of sight to a target in column ``k`` crosses
only cells of columns ``< k``.  So if ``H_k(angle)`` is the upper envelope of the
interpolated elevation angles of every cell in columns ``<= k`` (a piecewise linear
function of azimuth), a target in column ``k + 1`` is visible exactly when its elevation
angle is ``>= H_k`` at its azimuth.  ``H`` is kept as a sorted list of pieces and merged
with each new column in linear time, so a side costs O(cells) with no sort and no tree.
Each side is further cut into azimuth sectors that run in parallel.

Ties follow r.viewshed: a cell blocks only strictly inside its (entering, exiting)
azimuth interval (r.viewshed processes exits before and entries after a query at the
same azimuth), and a target is visible when the blocking angle equals its own.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

TWO_PI = 2.0 * math.pi
#: Relative step of one to two units in the last place of a float64.
_NUDGE = 2.0**-52


@njit(cache=True, inline="always")
def _azimuth(x: float, y: float, vx: float, vy: float) -> float:
    """Counter-clockwise azimuth from east of point (x, y) seen from (vx, vy), rows down.

    The same quadrant arithmetic as r.viewshed, so exact ties land on the same floats.
    """
    dx = x - vx
    dy = y - vy
    if dy == 0.0 and dx > 0.0:
        return 0.0
    if dx == 0.0:
        if dy < 0.0:
            return math.pi / 2.0
        if dy > 0.0:
            return math.pi * 3.0 / 2.0
        return 0.0
    a = math.atan(abs(dy) / abs(dx))
    if dx > 0.0 and dy < 0.0:
        return a
    if dx < 0.0 and dy < 0.0:
        return math.pi - a
    if dy == 0.0:
        return math.pi
    if dx < 0.0:
        return math.pi + a
    return math.pi * 2.0 - a


@njit(cache=True, inline="always")
def _corner(row: int, col: int, vr: int, vc: int, entering: bool) -> tuple[float, float]:
    """Offset (drow, dcol) of the corner where a cell enters or leaves the sweep."""
    if row < vr:
        if col < vc:
            return (-0.5, 0.5) if entering else (0.5, -0.5)
        if col == vc:
            return (0.5, 0.5) if entering else (0.5, -0.5)
        return (0.5, 0.5) if entering else (-0.5, -0.5)
    if row == vr:
        if col > vc:
            return (0.5, -0.5) if entering else (-0.5, -0.5)
        return (-0.5, 0.5) if entering else (0.5, 0.5)
    if col > vc:
        return (0.5, -0.5) if entering else (-0.5, 0.5)
    if col == vc:
        return (-0.5, -0.5) if entering else (-0.5, 0.5)
    return (-0.5, -0.5) if entering else (0.5, 0.5)


@njit(cache=True, inline="always")
def _slope(ac: float, gc: float, ae: float, ge: float) -> float:
    """Slope of the elevation angle of a half-cell, linear in azimuth.

    A piece is valued ``gc + slope * (x - ac)``: exactly ``gc`` at the cell centre's
    azimuth, where r.viewshed's exact ties between a blocker and a target occur.
    """
    if ae == ac:
        return 0.0
    return (ge - gc) / (ae - ac)


@njit(cache=True)
def _merge(
    a: np.ndarray, aid: np.ndarray, na: int,
    b: np.ndarray, bid: np.ndarray, nb: int,
    out: np.ndarray, oid: np.ndarray,
) -> int:
    """Upper envelope of two sorted piece lists with disjoint interiors.

    A piece is a row (x0, x1, ac, gc, s): defined on [x0, x1], valued gc + s * (x - ac).  Adjacent
    output pieces from the same source are joined.  Returns the count written to ``out``.
    (Written as one loop with the emission inline: calling a helper that takes arrays
    costs two atomic reference-count updates per call in numba.)
    """
    i = 0
    j = 0
    n = 0
    x = -1e300
    while i < na or j < nb:
        # choose the next stretch [lo, hi], its source, and which inputs it uses up
        adv_a = False
        adv_b = False
        cross = False
        xc = 0.0
        if j >= nb:
            src_a = True
            lo = a[i, 0] if a[i, 0] > x else x
            hi = a[i, 1]
            adv_a = True
        elif i >= na:
            src_a = False
            lo = b[j, 0] if b[j, 0] > x else x
            hi = b[j, 1]
            adv_b = True
        else:
            sa = a[i, 0] if a[i, 0] > x else x
            sb = b[j, 0] if b[j, 0] > x else x
            if a[i, 1] <= sb:
                src_a = True
                lo = sa
                hi = a[i, 1]
                adv_a = True
            elif b[j, 1] <= sa:
                src_a = False
                lo = sb
                hi = b[j, 1]
                adv_b = True
            elif sa < sb:
                src_a = True
                lo = sa
                hi = sb
            elif sb < sa:
                src_a = False
                lo = sb
                hi = sa
            else:
                lo = sa
                hi = a[i, 1] if a[i, 1] < b[j, 1] else b[j, 1]
                adv_a = a[i, 1] <= hi
                adv_b = b[j, 1] <= hi
                d0 = (a[i, 3] + a[i, 4] * (lo - a[i, 2])) - (b[j, 3] + b[j, 4] * (lo - b[j, 2]))
                d1 = (a[i, 3] + a[i, 4] * (hi - a[i, 2])) - (b[j, 3] + b[j, 4] * (hi - b[j, 2]))
                if d0 >= 0.0 and d1 >= 0.0:
                    src_a = True
                elif d0 <= 0.0 and d1 <= 0.0:
                    src_a = False
                else:
                    cross = True
                    src_a = d0 > 0.0
                    xc = lo + (hi - lo) * d0 / (d0 - d1)
                    xc = min(max(xc, lo), hi)
        # emit [lo, hi], or [lo, xc] and [xc, hi] at a crossing
        for part in range(2 if cross else 1):
            plo = lo
            phi = hi
            pa = src_a
            if cross:
                if part == 0:
                    phi = xc
                else:
                    plo = xc
                    pa = not src_a
            if phi <= plo:
                continue
            if pa:
                sid = aid[i]
                pc = a[i, 2]
                pg = a[i, 3]
                ps = a[i, 4]
            else:
                sid = bid[j]
                pc = b[j, 2]
                pg = b[j, 3]
                ps = b[j, 4]
            if n > 0 and oid[n - 1] == sid and out[n - 1, 1] >= plo:
                if phi > out[n - 1, 1]:
                    out[n - 1, 1] = phi
            else:
                out[n, 0] = plo
                out[n, 1] = phi
                out[n, 2] = pc
                out[n, 3] = pg
                out[n, 4] = ps
                oid[n] = sid
                n += 1
        if hi > x:
            x = hi
        if adv_a:
            i += 1
        if adv_b:
            j += 1
    return n


# Axis (drow, dcol) of each side and the minor direction in which azimuth increases.
_SIDES = np.array(
    [
        [0, 1, -1, 0],  # east:  col = vc + k, row = vr - m
        [-1, 0, 0, -1],  # north: row = vr - k, col = vc - m
        [0, -1, 1, 0],  # west:  col = vc - k, row = vr + m
        [1, 0, 0, 1],  # south: row = vr + k, col = vc + m
    ],
    dtype=np.int64,
)


@njit(cache=True)
def _ensure(arr: np.ndarray, ids: np.ndarray, need: int) -> tuple[np.ndarray, np.ndarray]:
    if arr.shape[0] >= need:
        return arr, ids
    cap = max(need, 2 * arr.shape[0])
    new = np.empty((cap, 5), dtype=np.float64)
    new[: arr.shape[0]] = arr
    newid = np.empty(cap, dtype=np.int64)
    newid[: ids.shape[0]] = ids
    return new, newid


@njit(cache=True)
def _sweep_sector(
    dem: np.ndarray,
    vr: int,
    vc: int,
    vp_elev: float,
    target_offset: float,
    cell: float,
    curv: float,
    max_dist2: float,
    side: int,
    t_lo: float,
    t_hi: float,
    last: bool,
    out: np.ndarray,
) -> None:
    """Sweep one azimuth sector of one side, writing 1 into ``out`` for visible targets.

    The sector holds the targets whose minor/major ratio t lies in [t_lo, t_hi) (t_hi
    included for the last sector); blockers are taken a cell wider on each side.
    """
    nrows, ncols = dem.shape
    ar = _SIDES[side, 0]
    ac_ = _SIDES[side, 1]
    mr = _SIDES[side, 2]
    mc = _SIDES[side, 3]
    # furthest column that still has cells inside the grid
    if ar > 0:
        kmax = nrows - 1 - vr
    elif ar < 0:
        kmax = vr
    elif ac_ > 0:
        kmax = ncols - 1 - vc
    else:
        kmax = vc
    if max_dist2 < np.inf:
        kmax = min(kmax, int(math.sqrt(max_dist2) / cell) + 1)
    wrap = side == 0
    cap = 64
    h = np.empty((cap, 5), dtype=np.float64)
    hid = np.empty(cap, dtype=np.int64)
    nh = 0
    tmp = np.empty((cap, 5), dtype=np.float64)
    tid = np.empty(cap, dtype=np.int64)
    col_env = np.empty((cap, 5), dtype=np.float64)
    col_id = np.empty(cap, dtype=np.int64)
    grp = np.empty((3, cap, 5), dtype=np.float64)
    gid = np.empty((3, cap), dtype=np.int64)
    ng = np.zeros(3, dtype=np.int64)
    # heights are rounded through float32 where r.viewshed stores them, and differenced
    # in float64 as it does (in numba, float() of a float32 stays a float32)
    fvpe = np.float64(np.float32(vp_elev))
    p2 = 0
    coff = kmax + 3
    cache = np.empty((2, 2 * kmax + 8, 5), dtype=np.float64)
    cstamp = np.full((2, 2 * kmax + 8), -10, dtype=np.int64)
    for k in range(1, kmax + 1):
        m_lo = max(-k, int(math.floor(t_lo * k)) - 2)
        m_hi = min(k, int(math.ceil(t_hi * k)) + 2)
        ncell = m_hi - m_lo + 1
        if ncell <= 0:
            continue
        need = ncell * 2 + 2
        if grp.shape[1] < need:
            grp = np.empty((3, 2 * need, 5), dtype=np.float64)
            gid = np.empty((3, 2 * need), dtype=np.int64)
        ng[:] = 0
        p = 0
        p2 = 0
        g = 0
        for m in range(m_lo, m_hi + 1):
            row = vr + k * ar + m * mr
            col = vc + k * ac_ + m * mc
            if row < 0 or row >= nrows or col < 0 or col >= ncols:
                continue
            h0 = dem[row, col]
            if math.isnan(h0):
                continue
            dyc = float(row - vr) * cell
            dxc = float(col - vc) * cell
            d2c = dxc * dxc + dyc * dyc
            if d2c > max_dist2:
                continue
            e1 = np.float64(np.float32(np.float64(h0) - d2c * curv))
            a1 = _azimuth(float(col), float(row), float(vc), float(vr))
            if wrap and a1 > math.pi:
                a1 -= TWO_PI
            dc = math.sqrt(d2c)
            g1 = math.atan((e1 - fvpe) / dc)
            # query: is this target above the envelope of all nearer columns?
            tm = m / k
            if tm >= t_lo and (tm < t_hi or (last and tm <= t_hi)):
                gt = g1
                if target_offset != 0.0:
                    gt = math.atan((e1 + target_offset - fvpe) / dc)
                while p < nh and h[p, 1] < a1:
                    p += 1
                best = -np.inf
                q = p
                while q < nh and h[q, 0] <= a1:
                    v = h[q, 3] + h[q, 4] * (a1 - h[q, 2])
                    if v > best:
                        best = v
                    q += 1
                out[row, col] = 1 if best <= gt else 0
            # Can this cell raise the envelope at all?  Bound its elevation angles from
            # above (the highest of its 3x3 neighbourhood at its nearest corner distance) and
            # its azimuth span from outside; if the bound stays at or below the envelope
            # over the whole span, the cell blocks nothing nearer columns do not already
            # block, now or later (the envelope only rises), so it is left out.
            if dc > 3.0 * cell:
                zmax = h0
                for rr in range(max(row - 1, 0), min(row + 2, nrows)):
                    for cc in range(max(col - 1, 0), min(col + 2, ncols)):
                        zz = dem[rr, cc]
                        if zz > zmax:
                            zmax = zz
                rise = float(zmax) - fvpe
                reach = 0.70711 * cell
                bound = math.atan(rise / (dc - reach) if rise > 0.0 else rise / (dc + reach))
                if g1 > bound:
                    bound = g1
                half = 0.75 * cell / (dc - reach)
                lo = a1 - half
                hi = a1 + half
                while p2 > 0 and h[p2 - 1, 1] >= lo:
                    p2 -= 1
                while p2 < nh and h[p2, 1] < lo:
                    p2 += 1
                q = p2
                covered = lo
                hmin = np.inf
                while q < nh and h[q, 0] <= hi:
                    if h[q, 0] > covered:
                        break
                    xa = lo if h[q, 0] < lo else h[q, 0]
                    xb = hi if h[q, 1] > hi else h[q, 1]
                    va = h[q, 3] + h[q, 4] * (xa - h[q, 2])
                    vb = h[q, 3] + h[q, 4] * (xb - h[q, 2])
                    if va < hmin:
                        hmin = va
                    if vb < hmin:
                        hmin = vb
                    if h[q, 1] > covered:
                        covered = h[q, 1]
                    q += 1
                if covered >= hi and bound < hmin - 1e-12:
                    continue
            # the cell as a blocker: two pieces, entering-centre and centre-exiting
            for ev in range(2):
                entering = ev == 0
                drow, dcol = _corner(row, col, vr, vc, entering)
                # the corner, shared with the neighbouring cells and the next column:
                # its azimuth and its elevation angle are computed once and cached
                cid = k if drow * ar + dcol * ac_ > 0.0 else k - 1
                mcorner = m if drow * mr + dcol * mc > 0.0 else m - 1
                par = cid & 1
                jj = mcorner + coff
                if cstamp[par, jj] != cid:
                    y = vr + (cid + 0.5) * ar + (mcorner + 0.5) * mr
                    x = vc + (cid + 0.5) * ac_ + (mcorner + 0.5) * mc
                    az = _azimuth(x, y, float(vc), float(vr))
                    if wrap and az > math.pi:
                        az -= TWO_PI
                    dy = (y - vr) * cell
                    dx = (x - vc) * cell
                    d2 = dx * dx + dy * dy
                    # corner height: mean of the four cells around it (NaN: a cell is missing)
                    ra = int(math.floor(y - 0.5))
                    ca = int(math.floor(x - 0.5))
                    gq = np.nan
                    if ra >= 0 and ra + 1 < nrows and ca >= 0 and ca + 1 < ncols:
                        q1 = dem[ra, ca]
                        q2 = dem[ra, ca + 1]
                        q3 = dem[ra + 1, ca]
                        q4 = dem[ra + 1, ca + 1]
                        if not (math.isnan(q1) or math.isnan(q2) or math.isnan(q3) or math.isnan(q4)):
                            eh = float(((q1 + q2) + q3) + q4) / 4.0  # float32 sum, as r.viewshed
                            ee = np.float64(np.float32(eh - d2 * curv))
                            gq = math.atan((ee - fvpe) / math.sqrt(d2))
                    cstamp[par, jj] = cid
                    cache[par, jj, 0] = az
                    # just inside the corner's azimuth, either way: a cell blocks only
                    # strictly between its entering and exiting azimuths (never 0 here)
                    cache[par, jj, 1] = az + abs(az) * _NUDGE
                    cache[par, jj, 2] = az - abs(az) * _NUDGE
                    cache[par, jj, 3] = gq
                    cache[par, jj, 4] = d2
                ae = cache[par, jj, 0]
                ge = cache[par, jj, 3]
                if math.isnan(ge):
                    # a neighbour is missing: r.viewshed uses the cell's own height
                    d2 = cache[par, jj, 4]
                    ee = np.float64(np.float32(np.float64(h0) - d2 * curv))
                    ge = math.atan((ee - fvpe) / math.sqrt(d2))
                q = ng[g]
                if entering:
                    grp[g, q, 0] = cache[par, jj, 1]
                    grp[g, q, 1] = a1
                else:
                    grp[g, q, 0] = a1
                    grp[g, q, 1] = cache[par, jj, 2]
                grp[g, q, 2] = a1
                grp[g, q, 3] = g1
                grp[g, q, 4] = _slope(a1, g1, ae, ge)
                gid[g, q] = (row * ncols + col) * 2 + ev
                ng[g] = q + 1
            g = 0 if g == 2 else g + 1
        # the column's own envelope first (its cells overlap their neighbours only),
        # then one pass over the envelope of all nearer columns
        col_env, col_id = _ensure(col_env, col_id, 3 * (ng[0] + ng[1]) + 4)
        nc = _merge(grp[0], gid[0], ng[0], grp[1], gid[1], ng[1], col_env, col_id)
        tmp, tid = _ensure(tmp, tid, 3 * (nc + ng[2]) + 4)
        nc = _merge(col_env, col_id, nc, grp[2], gid[2], ng[2], tmp, tid)
        col_env, tmp = tmp, col_env
        col_id, tid = tid, col_id
        tmp, tid = _ensure(tmp, tid, 3 * (nh + nc) + 4)
        nt = _merge(h, hid, nh, col_env, col_id, nc, tmp, tid)
        h, tmp = tmp, h
        hid, tid = tid, hid
        nh = nt


@njit(cache=True)
def _observer_elevation(dem: np.ndarray, vr: int, vc: int, observer_height: float) -> float:
    """Eye height above the datum, rounded through float32 as r.viewshed stores it."""
    ground = float(dem[vr, vc])
    if math.isnan(ground):
        ground = 0.0
    return np.float64(np.float32(np.float64(np.float32(ground)) + observer_height))


@njit(cache=True, parallel=True)
def sweep_viewshed(
    dem: np.ndarray,
    vr: int,
    vc: int,
    observer_height: float,
    target_height: float,
    cell: float,
    curv: float,
    max_dist2: float,
    sectors_per_side: int,
) -> np.ndarray:
    """Exact viewshed of one observer; 1 visible, 0 not, 255 nodata or beyond the radius.

    ``dem`` is float32 with NaN for nodata, square cells of size ``cell`` metres.  ``curv``
    is curvature_coefficient / (2 * earth radius), 0 for a flat earth.
    """
    nrows, ncols = dem.shape
    out = np.full((nrows, ncols), 255, dtype=np.uint8)
    vp_elev = _observer_elevation(dem, vr, vc, observer_height)
    ntask = 4 * sectors_per_side
    for t in prange(ntask):
        side = t % 4
        s = t // 4
        t_lo = -1.0 + 2.0 * s / sectors_per_side
        t_hi = -1.0 + 2.0 * (s + 1) / sectors_per_side
        _sweep_sector(
            dem, vr, vc, vp_elev, target_height, cell, curv, max_dist2,
            side, t_lo, t_hi, s == sectors_per_side - 1, out,
        )
    out[vr, vc] = 1
    return out


@njit(cache=True)
def _viewshed_serial(
    dem: np.ndarray,
    vr: int,
    vc: int,
    observer_height: float,
    target_height: float,
    cell: float,
    curv: float,
    max_dist2: float,
) -> np.ndarray:
    """One viewshed on one thread (the four sides in turn), for batches of observers."""
    out = np.full(dem.shape, 255, dtype=np.uint8)
    vp_elev = _observer_elevation(dem, vr, vc, observer_height)
    for side in range(4):
        _sweep_sector(
            dem, vr, vc, vp_elev, target_height, cell, curv, max_dist2,
            side, -1.0, 1.0, True, out,
        )
    out[vr, vc] = 1
    return out


@njit(cache=True, parallel=True)
def batch_viewsheds(
    dem: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    heights: np.ndarray,
    target_height: float,
    cell: float,
    curv: float,
    radius: float,
    query_rows: np.ndarray,
    query_cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Many viewsheds in one parallel call, one observer per thread at a time.

    Returns (counts, seen): ``counts`` is the cumulative viewshed (how many observers see
    each cell), ``seen[i, q]`` whether observer i sees query cell q.  Each observer works
    on the window its radius covers, so the cost is per observer, not per grid.
    """
    nrows, ncols = dem.shape
    nobs = rows.shape[0]
    nq = query_rows.shape[0]
    counts = np.zeros((nrows, ncols), dtype=np.uint32)
    seen = np.zeros((nobs, nq), dtype=np.uint8)
    reach = int(math.ceil(radius / cell)) + 2
    max_dist2 = radius * radius
    chunk = 64
    for start in range(0, nobs, chunk):
        stop = min(start + chunk, nobs)
        wins = np.zeros((stop - start, 2 * reach + 1, 2 * reach + 1), dtype=np.uint8)
        for i in prange(start, stop):
            r0 = max(rows[i] - reach, 0)
            c0 = max(cols[i] - reach, 0)
            r1 = min(rows[i] + reach + 1, nrows)
            c1 = min(cols[i] + reach + 1, ncols)
            vis = _viewshed_serial(
                dem[r0:r1, c0:c1], rows[i] - r0, cols[i] - c0, heights[i],
                target_height, cell, curv, max_dist2,
            )
            wins[i - start, : r1 - r0, : c1 - c0] = vis
            for q in range(nq):
                qr = query_rows[q] - r0
                qc = query_cols[q] - c0
                if 0 <= qr < r1 - r0 and 0 <= qc < c1 - c0 and vis[qr, qc] == 1:
                    seen[i, q] = 1
        for i in range(start, stop):
            r0 = max(rows[i] - reach, 0)
            c0 = max(cols[i] - reach, 0)
            r1 = min(rows[i] + reach + 1, nrows)
            c1 = min(cols[i] + reach + 1, ncols)
            for r in range(r1 - r0):
                for c in range(c1 - c0):
                    if wins[i - start, r, c] == 1:
                        counts[r0 + r, c0 + c] += 1
    return counts, seen
