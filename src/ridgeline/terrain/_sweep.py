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
Each side is further cut into azimuth sectors, which the threads take from a queue.

Most cells are neither seen nor raise ``H``, and most of those are settled without an
arctangent: the tangent of a cell's elevation angle is its height difference over its
distance, and every piece of ``H`` keeps a lower bound of its tangent.  A run of cells
whose highest tangent (a bound from the highest cell around them, or the exact tangents
of their centres and corners) stays below every piece over their azimuth span is hidden
and blocks nothing, so it is settled whole: first segments of 64 cells on the bound (the
highest cell of each 64-cell block of a grid row or column is found once, before the
sweep), then blocks of 16 on exact tangents, then single cells.  Only cells that may be
seen or may block get exact angles, which are the same floats as before; early decisions
are strict inequalities with margins far above rounding, so the answer is the one
computing every angle would give.  The output starts as "not visible" on every target,
so a cell settled as hidden costs no write.

A column's blocking cells give two pieces each (entering corner to centre, centre to
exiting corner); only neighbouring cells' pieces overlap, so the column's own envelope is
built in one pass (:func:`_column_envelope`) and then merged into ``H``.

Ties follow r.viewshed: a cell blocks only strictly inside its (entering, exiting)
azimuth interval (r.viewshed processes exits before and entries after a query at the
same azimuth), and a target is visible when the blocking angle equals its own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ridgeline.jit import announce_compiles, for_grids

announce_compiles("ridgeline.terrain", "terrain", for_grids("DEMs"))
TWO_PI = 2.0 * math.pi
#: Relative step of one to two units in the last place of a float64.
_NUDGE = 2.0**-52
#: Margin of the early decisions made on tangents, relative and absolute: far above the
#: rounding of an angle or of a piece's value, far below any difference that matters.
_TAN_MARGIN = 1e-9
#: Cells per block in the first, block-wise pass over a column.
_BLOCK = 16
#: Cells per segment, first tested whole on a bound from the highest cell around them.
_SEGMENT = 64


def _take_next_typing(typingctx: Any, counter: Any) -> Any:
    """Typing and code of :data:`_take_next` (an int64 array in, its first item's old value out)."""
    sig = types.int64(counter)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        first = [context.get_constant(types.intp, 0)]
        ptr = cgutils.get_item_pointer(context, builder, array_type, array, first)  # type: ignore[no-untyped-call]
        return builder.atomic_rmw("add", ptr, context.get_constant(types.int64, 1), "monotonic")

    return sig, codegen


#: ``_take_next(counter)``, in jitted code only: atomically add one to ``counter[0]`` and
#: return its old value, a shared task queue.  numba's parallel loops split their
#: iterations among threads up front; with this, threads take the next task when free.
_take_next: Any = intrinsic(_take_next_typing)


def _copy_rows_typing(typingctx: Any, dst: Any, dst_row: Any, src: Any, src_row: Any, count: Any) -> Any:
    """Typing and code of :data:`_copy_rows` (two C-contiguous arrays of one type, row indices, a row count)."""
    arrays = isinstance(dst, types.Array) and isinstance(src, types.Array)
    if not (arrays and dst.layout == src.layout == "C" and (dst.dtype, dst.ndim) == (src.dtype, src.ndim)):
        return None  # only whole rows of C-contiguous arrays of one type are plain bytes to copy
    sig = types.void(dst, dst_row, src, src_row, count)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        dst_type, _, src_type, _, _ = signature.args
        dst_arr = context.make_array(dst_type)(context, builder, args[0])
        src_arr = context.make_array(src_type)(context, builder, args[2])
        row_bytes = cgutils.unpack_tuple(builder, dst_arr.strides)[0]  # type: ignore[no-untyped-call]
        i8p = cgutils.voidptr_t
        dst_ptr = builder.gep(builder.bitcast(dst_arr.data, i8p), [builder.mul(args[1], row_bytes)])
        src_ptr = builder.gep(builder.bitcast(src_arr.data, i8p), [builder.mul(args[3], row_bytes)])
        cgutils.raw_memcpy(builder, dst_ptr, src_ptr, builder.mul(args[4], row_bytes), 1)  # type: ignore[no-untyped-call]
        return context.get_dummy_value()

    return sig, codegen


#: ``_copy_rows(dst, dst_row, src, src_row, count)``, in jitted code only: copy ``count``
#: whole rows of ``src`` from ``src_row`` to ``dst`` at ``dst_row`` with one memcpy.  Both
#: arrays are C-contiguous with rows of the same size, and the rows lie inside both.
_copy_rows: Any = intrinsic(_copy_rows_typing)


@njit(cache=True, inline="always")
def _height(dem: np.ndarray, row: int, col: int, nodata: float) -> Any:
    """A cell's height as float32 (as r.viewshed stores it), NaN where it has no data.

    ``dem`` is float32 with NaN for no data (``nodata`` NaN), or a DEM's 16-bit integers
    as stored, ``nodata`` marking its voids: the same heights either way, without a
    float32 copy of a large integer grid.
    """
    v = dem[row, col]
    if v == nodata:
        return np.float32(np.nan)
    return np.float32(v)


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
def _side_azimuth(x: float, y: float, vx: float, vy: float, wrap: bool) -> float:
    """:func:`_azimuth`, taken in (-pi, pi] on the side whose sweep crosses azimuth 0 (``wrap``)."""
    a = _azimuth(x, y, vx, vy)
    if wrap and a > math.pi:
        a -= TWO_PI
    return a


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
    out: np.ndarray, oid: np.ndarray, clean: bool,
) -> int:
    """Upper envelope of two sorted piece lists with disjoint interiors.

    A piece is a row (x0, x1, ac, gc, s, tlo): defined on [x0, x1], valued
    gc + s * (x - ac), and ``tlo`` a lower bound of the tangent of that value over the
    piece (carried along untouched: a stretch of a piece is never lower than the piece).
    Adjacent output pieces from the same source are joined.  Returns the count written
    to ``out``.  (Written as one loop with the emission inline: calling a helper that
    takes arrays costs two atomic reference-count updates per call in numba.)

    Pieces of ``a`` that end before the next piece of ``b`` begins are copied as they
    are, in a tight loop: when ``a`` is the envelope of all nearer columns and ``b`` one
    column's few blockers, that is nearly all of ``a``.  ``clean`` says ``a`` is itself
    an output of this function (sorted, disjoint, no empty pieces, no two touching
    pieces of one source), so such runs are copied whole.
    """
    i = 0
    j = 0
    n = 0
    x = -1e300
    while i < na or j < nb:
        # fast path: whole pieces of a before the next piece of b (the same emission
        # as the general step below, which would take them one at a time)
        limit = b[j, 0] if j < nb else np.inf
        if clean and i < na and a[i, 1] <= limit and a[i, 0] >= x:
            # the run's end, by doubling steps then halving them (the ends are sorted):
            # a run is often hundreds of pieces, copied whole without reading each
            e = i + 1
            step = 1
            while e + step <= na and a[e + step - 1, 1] <= limit:
                e += step
                step *= 2
            hi_e = min(e + step, na + 1)  # a[e - 1, 1] <= limit; a[hi_e - 1, 1] > limit or hi_e = na + 1
            while hi_e - e > 1:
                mid = (e + hi_e) // 2
                if a[mid - 1, 1] <= limit:
                    e = mid
                else:
                    hi_e = mid
            if n > 0 and oid[n - 1] == aid[i] and out[n - 1, 1] >= a[i, 0]:
                out[n - 1, 1] = a[i, 1]
                i += 1
            _copy_rows(out, n, a, i, e - i)
            _copy_rows(oid, n, aid, i, e - i)
            n += e - i
            x = a[e - 1, 1]
            i = e
        while not clean and i < na and a[i, 1] <= limit and a[i, 0] >= x and a[i, 1] > a[i, 0]:
            if n > 0 and oid[n - 1] == aid[i] and out[n - 1, 1] >= a[i, 0]:
                out[n - 1, 1] = a[i, 1]
            else:
                for f in range(6):
                    out[n, f] = a[i, f]
                oid[n] = aid[i]
                n += 1
            x = a[i, 1]
            i += 1
        if i >= na and j >= nb:
            break
        # fast path: b's piece over consecutive pieces of a and above each of them, up to
        # its end (the general step below would take them one at a time, to the same effect)
        if j < nb and i < na and b[j, 0] <= x and a[i, 0] <= x:
            start = x
            e = i
            b_done = False
            while e < na and a[e, 0] <= x:
                hi = a[e, 1] if a[e, 1] <= b[j, 1] else b[j, 1]
                if hi > x:
                    d0 = (a[e, 3] + a[e, 4] * (x - a[e, 2])) - (b[j, 3] + b[j, 4] * (x - b[j, 2]))
                    d1 = (a[e, 3] + a[e, 4] * (hi - a[e, 2])) - (b[j, 3] + b[j, 4] * (hi - b[j, 2]))
                    if d0 > 0.0 or d1 > 0.0 or (d0 >= 0.0 and d1 >= 0.0):
                        break
                    x = hi
                if a[e, 1] > b[j, 1]:
                    b_done = True  # this piece of a goes on past b's end
                    break
                e += 1
            if e > i or b_done:
                if x > start:
                    if n > 0 and oid[n - 1] == bid[j] and out[n - 1, 1] >= start:
                        if x > out[n - 1, 1]:
                            out[n - 1, 1] = x
                    else:
                        for f in range(6):
                            out[n, f] = b[j, f]
                        out[n, 0] = start
                        out[n, 1] = x
                        oid[n] = bid[j]
                        n += 1
                i = e
                if b[j, 1] <= x:
                    j += 1
                continue
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
                pt = a[i, 5]
            else:
                sid = bid[j]
                pc = b[j, 2]
                pg = b[j, 3]
                ps = b[j, 4]
                pt = b[j, 5]
            if n > 0 and oid[n - 1] == sid and out[n - 1, 1] >= plo:
                if phi > out[n - 1, 1]:
                    out[n - 1, 1] = phi
            else:
                out[n, 0] = plo
                out[n, 1] = phi
                out[n, 2] = pc
                out[n, 3] = pg
                out[n, 4] = ps
                out[n, 5] = pt
                oid[n] = sid
                n += 1
        if hi > x:
            x = hi
        if adv_a:
            i += 1
        if adv_b:
            j += 1
    return n


@njit(cache=True)
def _column_envelope(grp: np.ndarray, gid: np.ndarray, ng: np.ndarray, out: np.ndarray, oid: np.ndarray) -> int:
    """One column's blocking pieces as one sorted list with disjoint interiors, or -1.

    The column's blocking cells, in azimuth order, went alternately into ``grp[0]`` and
    ``grp[1]``, two pieces each (entering-centre, centre-exiting).  Only the exiting piece
    of one cell and the entering piece of the next may overlap, and then the overlap is
    settled here in one pass, to the very floats :func:`_merge` of the two groups gives:
    the same stretch ends, differences and crossing (``grp[0]``'s piece taken on a tie),
    adjacent stretches of one piece joined.  Any other layout (an empty piece, a piece
    reaching back past the last one's start) returns -1, and the caller merges the groups.
    """
    n = 0
    last_g = 0  # group of the cell that gave out[n - 1]
    for c in range((ng[0] + ng[1]) // 2):
        g = c & 1
        for ev in range(2):
            q = (c >> 1) * 2 + ev
            q0 = grp[g, q, 0]
            q1 = grp[g, q, 1]
            if not q1 > q0:
                return -1
            if n == 0 or q0 >= out[n - 1, 1]:
                for f in range(6):
                    out[n, f] = grp[g, q, f]
                oid[n] = gid[g, q]
                n += 1
                last_g = g
                continue
            p0 = out[n - 1, 0]
            p1 = out[n - 1, 1]
            if ev != 0 or last_g == g or not (q0 > p0 and q1 >= p1):
                return -1
            # the stretch [q0, p1] where both are defined; d is group 0's piece minus group 1's
            pv0 = out[n - 1, 3] + out[n - 1, 4] * (q0 - out[n - 1, 2])
            pv1 = out[n - 1, 3] + out[n - 1, 4] * (p1 - out[n - 1, 2])
            qv0 = grp[g, q, 3] + grp[g, q, 4] * (q0 - grp[g, q, 2])
            qv1 = grp[g, q, 3] + grp[g, q, 4] * (p1 - grp[g, q, 2])
            if g == 0:
                d0 = qv0 - pv0
                d1 = qv1 - pv1
            else:
                d0 = pv0 - qv0
                d1 = pv1 - qv1
            if math.isnan(d0) or math.isnan(d1):
                return -1
            # where P gives way to Q for good, or Q is above first and the three-part case below
            q_first = False
            xc = 0.0
            if d0 >= 0.0 and d1 >= 0.0:
                split = q0 if g == 0 else p1  # group 0's piece wins, on a tie too
            elif d0 <= 0.0 and d1 <= 0.0:
                split = p1 if g == 0 else q0
            else:
                xc = q0 + (p1 - q0) * d0 / (d0 - d1)
                xc = min(max(xc, q0), p1)
                split = xc
                q_first = (d0 > 0.0) == (g == 0)  # Q above at q0
            if q_first:
                # Q above from its start to the crossing, P from there to its end, then Q again
                out[n - 1, 1] = q0
                pn = n - 1
                if xc > q0:
                    for f in range(6):
                        out[n, f] = grp[g, q, f]
                    out[n, 0] = q0
                    out[n, 1] = xc
                    oid[n] = gid[g, q]
                    n += 1
                    if p1 > xc:
                        for f in range(6):
                            out[n, f] = out[pn, f]
                        out[n, 0] = xc
                        out[n, 1] = p1
                        oid[n] = oid[pn]
                        n += 1
                else:
                    out[n - 1, 1] = p1  # no stretch of Q before the crossing: P joins up again
                split = p1
            else:
                out[n - 1, 1] = split  # P up to the split (unchanged if it wins)
            # then Q from the split to its end, joined to the last piece if that is Q's
            if q1 > split:
                if oid[n - 1] == gid[g, q]:
                    out[n - 1, 1] = q1
                else:
                    for f in range(6):
                        out[n, f] = grp[g, q, f]
                    out[n, 0] = split
                    oid[n] = gid[g, q]
                    n += 1
            last_g = g if oid[n - 1] == gid[g, q] else 1 - g
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
    new = np.empty((cap, 6), dtype=np.float64)
    new[: arr.shape[0]] = arr
    newid = np.empty(cap, dtype=np.int64)
    newid[: ids.shape[0]] = ids
    return new, newid


@njit(cache=True, inline="always")
def _below(r: float) -> float:
    """A tangent a little below ``r``: its angle is under atan(r) by far more than rounding."""
    return r - abs(r) * _TAN_MARGIN - _TAN_MARGIN


@njit(cache=True, inline="always")
def _tan_below(y: float) -> float:
    """A number below tan(y) by more than rounding, with no trigonometry (-inf if y < -0.5).

    tan(y) >= y for y >= 0, and tan(y) >= y (1 + 0.4 y^2) for -0.5 < y < 0: a tangent
    below this is below tan(y), so its angle is below y, and the atan can be spared.
    """
    if y >= 0.0:
        return y - 1e-13
    if y > -0.5:
        return y * (1.0 + 0.4 * y * y) - 1e-13
    return -np.inf


@njit(cache=True)
def _sector_extent(nrows: int, ncols: int, vr: int, vc: int, cell: float, max_dist2: float, side: int) -> int:
    """The furthest column of a side that still has cells inside the grid and the radius."""
    ar = _SIDES[side, 0]
    ac_ = _SIDES[side, 1]
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
    return kmax


@njit(cache=True, inline="always")
def _minor_range(nrows: int, ncols: int, rowk: int, colk: int, mr: int, mc: int) -> tuple[int, int]:
    """The minor indices that keep a column's cells (rowk + m * mr, colk + m * mc) inside the grid."""
    if mr != 0:
        a = -rowk * mr
        b = (nrows - 1 - rowk) * mr
    else:
        a = -colk * mc
        b = (ncols - 1 - colk) * mc
    return min(a, b), max(a, b)


@njit(cache=True, inline="always")
def _half_floor(i: int, sign: int) -> int:
    """floor((i + 1/2) * sign - 1/2) for sign +1 or -1: the lower of the two cells a corner lies between."""
    return i if sign > 0 else -i - 1


@njit(cache=True)
def _corner_row(
    dem: np.ndarray, vr: int, vc: int, cid: int, m0: int, m1: int,
    ar: int, ac_: int, mr: int, mc: int, cell: float, curv: float, fvpe: float,
    cache: np.ndarray, stamp: np.ndarray, par: int, coff: int, nodata: float,
) -> None:
    """Corners (cid + 1/2, m + 1/2) for m in [m0, m1]: squared distance and tangent into ``cache``.

    Slots whose ``stamp`` says they hold column ``cid`` already are left as they are.

    The corner's height is the mean of the four cells around it, as r.viewshed takes it;
    the tangent is NaN when one of them is missing (the NaN carries through the sum).
    Offsets from the observer are half-integers, so they and the four cells' indices are
    exact, and the distances are the same floats as from the corner's coordinates.
    """
    nrows, ncols = dem.shape
    for mcorner in range(m0, m1 + 1):
        if stamp[par, mcorner + coff] == cid:
            continue
        stamp[par, mcorner + coff] = cid
        oy = (cid + 0.5) * ar + (mcorner + 0.5) * mr
        ox = (cid + 0.5) * ac_ + (mcorner + 0.5) * mc
        dy = oy * cell
        dx = ox * cell
        d2 = dx * dx + dy * dy
        ra = vr + (_half_floor(cid, ar) if ar != 0 else _half_floor(mcorner, mr))
        ca = vc + (_half_floor(cid, ac_) if ac_ != 0 else _half_floor(mcorner, mc))
        tq = np.nan
        if ra >= 0 and ra + 1 < nrows and ca >= 0 and ca + 1 < ncols:
            eh = float(
                ((_height(dem, ra, ca, nodata) + _height(dem, ra, ca + 1, nodata)) + _height(dem, ra + 1, ca, nodata))
                + _height(dem, ra + 1, ca + 1, nodata)
            ) / 4.0
            ee = np.float64(np.float32(eh - d2 * curv))  # float32 sum, as r.viewshed
            tq = (ee - fvpe) / math.sqrt(d2)
        cache[par, mcorner + coff, 0] = d2
        cache[par, mcorner + coff, 1] = tq


@njit(cache=True, inline="always")
def _seek(h: np.ndarray, nh: int, pos: int, x: float) -> int:
    """The first envelope piece that ends at or after ``x``, searched from ``pos`` (pieces are sorted).

    Steps back one piece at a time (the spans searched for move forward, a little back
    at times) and forward likewise for a few pieces, then by doubling steps and halving
    them: a search that skips far ahead costs a few probes, not one per piece.
    """
    while pos > 0 and h[pos - 1, 1] >= x:
        pos -= 1
    for _ in range(8):
        if pos >= nh or h[pos, 1] >= x:
            return pos
        pos += 1
    if pos >= nh or h[pos, 1] >= x:
        return pos
    step = 1
    lo = pos
    while lo + step < nh and h[lo + step, 1] < x:
        lo += step
        step *= 2
    hi = min(lo + step, nh)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if h[mid, 1] < x:
            lo = mid
        else:
            hi = mid
    return hi


@njit(cache=True, inline="always")
def _above(h: np.ndarray, nh: int, pos: int, lo: float, hi: float, bound: float) -> bool:
    """Whether envelope pieces cover [lo, hi] without a gap, each with its tangent bound above ``bound``.

    ``pos`` is the first piece that ends at or after ``lo`` (see :func:`_seek`).
    """
    q = pos
    covered = lo
    while q < nh and h[q, 0] <= hi:
        if h[q, 0] > covered or h[q, 5] <= bound:
            return False
        if h[q, 1] > covered:
            covered = h[q, 1]
        q += 1
    return covered >= hi


@njit(cache=True)
def _column_block_max(dem: np.ndarray, nodata: float, b: int, zrow: np.ndarray) -> None:
    """``zrow[b, c]``: the highest cell of column c in rows [b * _SEGMENT - 1, (b + 1) * _SEGMENT] (-inf if none)."""
    nrows, ncols = dem.shape
    acc = zrow[b]
    acc[:] = -np.inf
    for r in range(max(b * _SEGMENT - 1, 0), min((b + 1) * _SEGMENT + 1, nrows)):
        for c in range(ncols):
            v = _height(dem, r, c, nodata)
            if v > acc[c]:
                acc[c] = v


@njit(cache=True)
def _row_block_max(dem: np.ndarray, nodata: float, r: int, zcol: np.ndarray) -> None:
    """``zcol[r, b]``: the highest cell of row r in columns [b * _SEGMENT - 1, (b + 1) * _SEGMENT] (-inf if none)."""
    ncols = dem.shape[1]
    for b in range(zcol.shape[1]):
        z = -np.inf
        for c in range(max(b * _SEGMENT - 1, 0), min((b + 1) * _SEGMENT + 1, ncols)):
            v = _height(dem, r, c, nodata)
            if v > z:
                z = v
        zcol[r, b] = z


@njit(cache=True)
def _fill_row(
    dem: np.ndarray, nodata: float, r: int, vr: int, vc: int, cell: float, max_dist2: float, out: np.ndarray
) -> None:
    """Row r of a viewshed before the sweep: 0 (not visible) for every target, 255 where none.

    A cell is a target when it has data and lies within the radius; the sweep then only
    marks the visible ones, and cells it settles as hidden in bulk cost nothing.
    """
    dyc = float(r - vr) * cell
    for c in range(dem.shape[1]):
        dxc = float(c - vc) * cell
        target = not math.isnan(_height(dem, r, c, nodata)) and not dxc * dxc + dyc * dyc > max_dist2
        out[r, c] = 0 if target else 255


@njit(cache=True, inline="always")
def _block_max_arrays(dem: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Room for the highest cells of each block: _SEGMENT rows of a column, _SEGMENT columns of a row."""
    nrows, ncols = dem.shape
    zrow = np.empty(((nrows + _SEGMENT - 1) // _SEGMENT, ncols), dtype=np.float32)
    zcol = np.empty((nrows, (ncols + _SEGMENT - 1) // _SEGMENT), dtype=np.float32)
    return zrow, zcol


@njit(cache=True)
def _segment_hidden(
    h: np.ndarray, nh: int, pos: int, zmax: float,
    vr: int, vc: int, k: int, s0: int, s1: int,
    ar: int, ac_: int, mr: int, mc: int, wrap: bool,
    cell: float, curv: float, fvpe: float, target_offset: float,
) -> tuple[bool, int]:
    """Whether cells s0..s1 of column k are all hidden and can block nothing, from a bound alone.

    ``zmax`` is the highest cell around them (every corner height is a mean of cells
    among those), and the bound is its tangent at their least distance, so no cell's
    exact tangents are needed; the envelope must stay above it, with a margin, over the
    cells' whole azimuth span.  Also returns where the span starts in ``h``.
    """
    if zmax == -np.inf:
        return True, pos  # no data: nothing to see or to block
    # least and greatest distance of any centre or corner of the cells
    mnear = 0.0 if s0 - 0.5 <= 0.0 <= s1 + 0.5 else min(abs(s0 - 0.5), abs(s1 + 0.5))
    mfar = max(abs(s0 - 0.5), abs(s1 + 0.5))
    dmin = cell * math.sqrt((k - 0.5) ** 2 + mnear**2)
    dmax = cell * math.sqrt((k + 0.5) ** 2 + mfar**2)
    top = float(zmax) - (dmin * dmin if curv >= 0.0 else dmax * dmax) * curv
    top += abs(top) * 1e-6 + 1e-3  # float32 rounding of heights and sums, and more
    rise = top + max(target_offset, 0.0) - fvpe
    bound = rise / dmin if rise > 0.0 else rise / dmax
    bound += abs(bound) * _TAN_MARGIN + _TAN_MARGIN
    half = 0.75 * cell / (dmin - 0.70711 * cell)
    a_lo = _side_azimuth(float(vc + k * ac_ + s0 * mc), float(vr + k * ar + s0 * mr), float(vc), float(vr), wrap)
    a_hi = _side_azimuth(float(vc + k * ac_ + s1 * mc), float(vr + k * ar + s1 * mr), float(vc), float(vr), wrap)
    pos = _seek(h, nh, pos, a_lo - half)
    return _above(h, nh, pos, a_lo - half, a_hi + half, bound), pos


@njit(cache=True)
def _sweep_sector(
    dem: np.ndarray,
    nodata: float,
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
    zrow: np.ndarray,
    zcol: np.ndarray,
    out: np.ndarray,
) -> None:
    """Sweep one azimuth sector of one side, marking its visible targets 1 in ``out``.

    ``out`` holds 0 on every target already (see :func:`_fill_row`); a diagonal cell, a
    target of two sides, is written 0 or 1 by each, as before.

    The sector holds the targets whose minor/major ratio t lies in [t_lo, t_hi) (t_hi
    included for the last sector); blockers are taken a cell wider on each side.

    Most cells are neither visible nor raise the envelope, and tests on the tangent of
    the elevation angle settle most of them with no trigonometry (the tangent of a cell's
    angle is its height difference over its distance).  Every envelope piece keeps a
    lower bound of its tangent: a target whose tangent is below that of every piece over
    it is hidden, and a cell whose centre and corners all have tangents below them
    cannot raise the envelope.  A column is taken in segments (its cells in one block of
    _SEGMENT grid rows or columns): one settled whole on a bound (the highest cell around
    it at its least distance) needs nothing written, as ``out`` says "not visible"
    already.  The others are read into a buffer (tangents of the cells and of their
    corners), then settled a block of _BLOCK cells
    at a time, with the azimuths of the block's end cells only; a block that cannot be
    settled whole is taken cell by cell, and only cells that still might block or be
    seen get exact angles.  The answer is the same as computing every angle, since only
    strict inequalities with a margin far above rounding are decided early.
    """
    nrows, ncols = dem.shape
    ar = _SIDES[side, 0]
    ac_ = _SIDES[side, 1]
    mr = _SIDES[side, 2]
    mc = _SIDES[side, 3]
    kmax = _sector_extent(nrows, ncols, vr, vc, cell, max_dist2, side)
    wrap = side == 0
    radius_cut = max_dist2 < np.inf
    far = 3.0 * cell
    reach = 0.70711 * cell
    cap = 64
    h = np.empty((cap, 6), dtype=np.float64)
    hid = np.empty(cap, dtype=np.int64)
    nh = 0
    tmp = np.empty((cap, 6), dtype=np.float64)
    tid = np.empty(cap, dtype=np.int64)
    col_env = np.empty((cap, 6), dtype=np.float64)
    col_id = np.empty(cap, dtype=np.int64)
    # a column's blocking pieces, alternate blocking cells in alternate groups: a cell's
    # azimuth span overlaps only its neighbours' in the column, so neither group overlaps itself
    grp = np.empty((2, cap, 6), dtype=np.float64)
    gid = np.empty((2, cap), dtype=np.int64)
    ng = np.zeros(2, dtype=np.int64)
    # heights are rounded through float32 where r.viewshed stores them, and differenced
    # in float64 as it does (in numba, float() of a float32 stays a float32)
    fvpe = np.float64(np.float32(vp_elev))
    # Which corners a cell enters and leaves the sweep at depends on the side and on the
    # sign of its minor index only: for m < 0, m = 0 and m > 0, and for the entering
    # and the exiting corner, the corner's column (k or k - 1) and minor index (m or m - 1).
    dkc = np.zeros((3, 2), dtype=np.int64)
    dmc = np.zeros((3, 2), dtype=np.int64)
    for sg in range(3):
        for ev in range(2):
            drow, dcol = _corner(vr + ar + (sg - 1) * mr, vc + ac_ + (sg - 1) * mc, vr, vc, ev == 0)
            dkc[sg, ev] = 0 if drow * ar + dcol * ac_ > 0.0 else -1
            dmc[sg, ev] = 0 if drow * mr + dcol * mc > 0.0 else -1
    coff = kmax + 3
    width = 2 * kmax + 8
    # Corners of columns k - 1 and k (rows indexed by column parity): 0 squared distance,
    # 1 tangent (NaN when a cell around it is missing), then, computed only for corners of
    # blocking cells, 2 azimuth, 3 and 4 just inside it either way, 5 elevation angle.
    cache = np.empty((2, width, 6), dtype=np.float64)
    cstamp = np.full((2, width), -10, dtype=np.int64)
    astamp = np.full((2, width), -10, dtype=np.int64)
    # Segments are the cells of a column in one block of _SEGMENT grid rows (east and west
    # sides) or columns (north and south); the block's minor coordinate u = ubase + m * udir.
    # zrow and zcol hold each block's highest cell, one wider each way, for the segment test.
    ubase = vr if ar == 0 else vc
    udir = mr if ar == 0 else mc
    nseg = zrow.shape[0] if ar == 0 else zcol.shape[1]
    # The column's cells: kind (0 none: off the grid, no data or beyond the radius;
    # 1 blocker only; 2 target too), then 0 distance, 1 tangent, 2 target tangent,
    # 3 largest tangent of centre and corners, 4 and 5 the corners' tangents, 6 azimuth
    # (NaN until needed).
    kind = np.zeros(width, dtype=np.int8)
    # The last column in which each minor index, and each segment, had a visible cell.
    # Where the column before had one, the tests that settle a whole segment or block as
    # hidden would almost surely fail (open ground seen from a summit), so they are not
    # made; that changes only the work, never the answer.
    seen_col = np.full(width, -10, dtype=np.int64)
    seg_seen = np.full(nseg, -10, dtype=np.int64)
    cf = np.empty((width, 7), dtype=np.float64)
    for k in range(1, kmax + 1):
        m_lo = max(-k, int(math.floor(t_lo * k)) - 2)
        m_hi = min(k, int(math.ceil(t_hi * k)) + 2)
        ncell = m_hi - m_lo + 1
        if ncell <= 0:
            continue
        # the cells of the column inside the grid, and the targets among them
        rowk = vr + k * ar
        colk = vc + k * ac_
        gmin, gmax = _minor_range(nrows, ncols, rowk, colk, mr, mc)
        g_lo = max(m_lo, gmin)
        g_hi = min(m_hi, gmax)
        q_lo = m_lo
        while q_lo <= m_hi and not q_lo / k >= t_lo:
            q_lo += 1
        q_hi = m_hi
        while q_hi >= q_lo and not (q_hi / k < t_hi or (last and q_hi / k <= t_hi)):
            q_hi -= 1
        need = ncell * 2 + 2
        if grp.shape[1] < need:
            grp = np.empty((2, 2 * need, 6), dtype=np.float64)
            gid = np.empty((2, 2 * need), dtype=np.int64)
        ng[:] = 0
        if g_hi < g_lo:
            continue
        p = 0
        p2 = 0
        p3 = 0
        g = 0
        s0 = g_lo
        while s0 <= g_hi:
            sidx = (ubase + s0 * udir) // _SEGMENT
            s1 = min((sidx + 1) * _SEGMENT - 1 - ubase if udir > 0 else ubase - sidx * _SEGMENT, g_hi)
            if nh > 0 and k > 4 and seg_seen[sidx] != k - 1:
                # the highest cell around the segment, in this column and the two beside it
                zmax = -np.inf
                for kk in range(k - 1, k + 2):
                    if ar == 0:
                        line = vc + kk * ac_
                        if 0 <= line < ncols:
                            zmax = max(zmax, zrow[sidx, line])
                    else:
                        line = vr + kk * ar
                        if 0 <= line < nrows:
                            zmax = max(zmax, zcol[line, sidx])
                hidden_all, p3 = _segment_hidden(
                    h, nh, p3, zmax, vr, vc, k, s0, s1, ar, ac_, mr, mc, wrap,
                    cell, curv, fvpe, target_offset,
                )
                if hidden_all:
                    # every target hidden, no cell blocks: ``out`` says so already, but for
                    # a diagonal cell, which the side beside this one may have answered too
                    for m in (-k, k):
                        if not (max(s0, q_lo) <= m <= min(s1, q_hi)):
                            continue
                        row = rowk + m * mr
                        col = colk + m * mc
                        if not math.isnan(_height(dem, row, col, nodata)):
                            if radius_cut:
                                dyc = float(row - vr) * cell
                                dxc = float(col - vc) * cell
                                if dxc * dxc + dyc * dyc > max_dist2:
                                    continue
                            out[row, col] = 0
                    s0 = s1 + 1
                    continue
            kind[s0 - m_lo : s1 - m_lo + 1] = 0
            # the corners of columns k - 1 (mostly met already) and k
            for cid in range(k - 1, k + 1):
                _corner_row(
                    dem, vr, vc, cid, s0 - 1, s1, ar, ac_, mr, mc, cell, curv, fvpe,
                    cache, cstamp, cid & 1, coff, nodata,
                )
            # pass 1: heights, distances and tangents, no trigonometry
            for m in range(s0, s1 + 1):
                u = m - m_lo
                row = rowk + m * mr
                col = colk + m * mc
                h0 = _height(dem, row, col, nodata)
                if math.isnan(h0):
                    continue
                dyc = float(row - vr) * cell
                dxc = float(col - vc) * cell
                d2c = dxc * dxc + dyc * dyc
                if d2c > max_dist2:
                    continue
                e1 = np.float64(np.float32(np.float64(h0) - d2c * curv))
                dc = math.sqrt(d2c)
                r1 = (e1 - fvpe) / dc
                tmax = r1
                sg = 0 if m < 0 else (1 if m == 0 else 2)
                for ev in range(2):
                    par = (k + dkc[sg, ev]) & 1
                    jj = m + dmc[sg, ev] + coff
                    te = cache[par, jj, 1]
                    if math.isnan(te):
                        # a neighbour is missing: r.viewshed uses the cell's own height
                        d2 = cache[par, jj, 0]
                        ee = np.float64(np.float32(np.float64(h0) - d2 * curv))
                        te = (ee - fvpe) / math.sqrt(d2)
                    cf[u, 4 + ev] = te
                    if te > tmax:
                        tmax = te
                cf[u, 0] = dc
                cf[u, 1] = r1
                cf[u, 3] = tmax
                cf[u, 6] = np.nan
                if q_lo <= m <= q_hi:
                    kind[u] = 2
                    cf[u, 2] = r1 if target_offset == 0.0 else (e1 + target_offset - fvpe) / dc
                    if m == k or m == -k:
                        out[row, col] = 0  # a diagonal cell: the side beside may have answered it too
                else:
                    kind[u] = 1
            # pass 2: blocks of cells, then single cells where a block is not settled whole
            u0 = s0 - m_lo
            uend = s1 - m_lo + 1
            while u0 < uend:
                u1 = min(u0 + _BLOCK, uend)
                first = -1
                lastc = -1
                allfar = True
                tblk = -np.inf
                dmin = np.inf
                for u in range(u0, u1):
                    if kind[u] == 0:
                        continue
                    if first < 0:
                        first = u
                    lastc = u
                    if cf[u, 0] <= far or seen_col[m_lo + u + coff] == k - 1:
                        allfar = False  # too near to bound its span, or a neighbour was seen
                        break
                    if cf[u, 3] > tblk:
                        tblk = cf[u, 3]
                    if kind[u] == 2:
                        rt_up = cf[u, 2] + abs(cf[u, 2]) * _TAN_MARGIN + _TAN_MARGIN
                        if rt_up > tblk:
                            tblk = rt_up
                    if cf[u, 0] < dmin:
                        dmin = cf[u, 0]
                if first < 0:
                    u0 = u1
                    continue
                if allfar and nh > 0:
                    # the block's azimuth span, bounded from outside
                    for u in (first, lastc):
                        m = m_lo + u
                        cf[u, 6] = _side_azimuth(float(colk + m * mc), float(rowk + m * mr), float(vc), float(vr), wrap)
                    half = 0.75 * cell / (dmin - reach)
                    lo = cf[first, 6] - half
                    hi = cf[lastc, 6] + half
                    p2 = _seek(h, nh, p2, lo)
                    if _above(h, nh, p2, lo, hi, tblk):
                        # every target hidden (marked so already), no cell blocks
                        u0 = u1
                        continue
                for u in range(u0, u1):
                    if kind[u] == 0:
                        continue
                    m = m_lo + u
                    row = rowk + m * mr
                    col = colk + m * mc
                    dc = cf[u, 0]
                    r1 = cf[u, 1]
                    a1 = cf[u, 6]
                    if math.isnan(a1):
                        a1 = _side_azimuth(float(col), float(row), float(vc), float(vr), wrap)
                    g1 = np.nan
                    visible = False
                    # query: is this target above the envelope of all nearer columns?
                    if kind[u] == 2:
                        rt = cf[u, 2]
                        p = _seek(h, nh, p, a1)
                        # hidden for sure if a piece over a1 has a tangent bound above the target's
                        rt_up = rt + abs(rt) * _TAN_MARGIN + _TAN_MARGIN
                        q = p
                        hidden = False
                        while q < nh and h[q, 0] <= a1:
                            if h[q, 5] > rt_up:
                                hidden = True
                                break
                            q += 1
                        if not hidden:
                            gt = math.atan(rt)
                            if target_offset == 0.0:
                                g1 = gt
                            best = -np.inf
                            q = p
                            while q < nh and h[q, 0] <= a1:
                                v = h[q, 3] + h[q, 4] * (a1 - h[q, 2])
                                if v > best:
                                    best = v
                                q += 1
                            if best <= gt:
                                visible = True
                                seen_col[m + coff] = k
                                seg_seen[(ubase + m * udir) // _SEGMENT] = k
                                out[row, col] = 1
                    # Can this cell raise the envelope at all?  Its elevation angles lie
                    # between its centre's and its corners', so the largest of their tangents
                    # bounds them; its azimuth span is bounded from outside.  If the bound
                    # stays below the envelope over the whole span, the cell blocks nothing
                    # nearer columns do not already block, now or later (the envelope only
                    # rises), so it is left out.  (A target seen at its own height is at or
                    # above the envelope, so the test would fail: it is not made.)
                    if dc > far and not (visible and target_offset == 0.0):
                        tmax = cf[u, 3]
                        half = 0.75 * cell / (dc - reach)
                        lo = a1 - half
                        hi = a1 + half
                        p2 = _seek(h, nh, p2, lo)
                        q = p2
                        covered = lo
                        hmin = np.inf
                        tmin = np.inf
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
                            if h[q, 5] < tmin:
                                tmin = h[q, 5]
                            if h[q, 1] > covered:
                                covered = h[q, 1]
                            q += 1
                        if covered >= hi and (
                            tmax < tmin
                            or tmax < _tan_below(hmin - 1e-12)
                            or math.atan(tmax) < hmin - 1e-12
                        ):
                            continue
                    # the cell as a blocker: two pieces, entering-centre and centre-exiting
                    if math.isnan(g1):
                        g1 = math.atan(r1)
                    sg = 0 if m < 0 else (1 if m == 0 else 2)
                    for ev in range(2):
                        cid = k + dkc[sg, ev]
                        par = cid & 1
                        jj = m + dmc[sg, ev] + coff
                        te = cf[u, 4 + ev]
                        if astamp[par, jj] != cid:
                            x = vc + (cid + 0.5) * ac_ + (jj - coff + 0.5) * mc
                            y = vr + (cid + 0.5) * ar + (jj - coff + 0.5) * mr
                            az = _side_azimuth(x, y, float(vc), float(vr), wrap)
                            astamp[par, jj] = cid
                            cache[par, jj, 2] = az
                            # just inside the corner's azimuth, either way: a cell blocks only
                            # strictly between its entering and exiting azimuths (never 0 here)
                            cache[par, jj, 3] = az + abs(az) * _NUDGE
                            cache[par, jj, 4] = az - abs(az) * _NUDGE
                            tq = cache[par, jj, 1]
                            cache[par, jj, 5] = np.nan if math.isnan(tq) else math.atan(tq)
                        ae = cache[par, jj, 2]
                        ge = cache[par, jj, 5]
                        if math.isnan(ge):
                            ge = math.atan(te)
                        q = ng[g]
                        if ev == 0:
                            grp[g, q, 0] = cache[par, jj, 3]
                            grp[g, q, 1] = a1
                        else:
                            grp[g, q, 0] = a1
                            grp[g, q, 1] = cache[par, jj, 4]
                        grp[g, q, 2] = a1
                        grp[g, q, 3] = g1
                        grp[g, q, 4] = _slope(a1, g1, ae, ge)
                        grp[g, q, 5] = _below(min(r1, te))
                        gid[g, q] = (row * ncols + col) * 2 + ev
                        ng[g] = q + 1
                    g = 1 - g
                u0 = u1
            s0 = s1 + 1
        if ng[0] + ng[1] == 0:
            continue
        # the column's own envelope first, then one pass over the envelope of all nearer columns
        col_env, col_id = _ensure(col_env, col_id, 3 * (ng[0] + ng[1]) + 4)
        nc = _column_envelope(grp, gid, ng, col_env, col_id)
        if nc < 0:
            nc = _merge(grp[0], gid[0], ng[0], grp[1], gid[1], ng[1], col_env, col_id, False)
        tmp, tid = _ensure(tmp, tid, 3 * (nh + nc) + 4)
        nt = _merge(h, hid, nh, col_env, col_id, nc, tmp, tid, True)
        h, tmp = tmp, h
        hid, tid = tid, hid
        nh = nt


@njit(cache=True)
def _observer_elevation(dem: np.ndarray, nodata: float, vr: int, vc: int, observer_height: float) -> float:
    """Eye height above the datum, rounded through float32 as r.viewshed stores it."""
    ground = float(_height(dem, vr, vc, nodata))
    if math.isnan(ground):
        ground = 0.0
    return np.float64(np.float32(np.float64(np.float32(ground)) + observer_height))


@njit(cache=True)
def _sector_cells(
    nrows: int, ncols: int, vr: int, vc: int, kmax: int, side: int, t_lo: float, t_hi: float
) -> float:
    """Roughly how many grid cells one sector sweeps: its share of the work."""
    ar = _SIDES[side, 0]
    ac_ = _SIDES[side, 1]
    mr = _SIDES[side, 2]
    mc = _SIDES[side, 3]
    total = 0.0
    for k in range(1, kmax + 1):
        m_lo = max(-k, int(math.floor(t_lo * k)))
        m_hi = min(k, int(math.ceil(t_hi * k)))
        gmin, gmax = _minor_range(nrows, ncols, vr + k * ar, vc + k * ac_, mr, mc)
        lo = max(m_lo, gmin)
        hi = min(m_hi, gmax)
        if hi >= lo:
            total += hi - lo + 1
    return total


@njit(cache=True, parallel=True)
def sweep_viewshed(
    dem: np.ndarray,
    nodata: float,
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

    ``dem`` is float32 with NaN for no data (``nodata`` NaN), or 16-bit integers as a DEM
    stores them with ``nodata`` marking voids; square cells of size ``cell`` metres.
    ``curv`` is curvature_coefficient / (2 * earth radius), 0 for a flat earth.

    The sectors differ a lot in size (an observer near one edge has a short side there),
    so the threads take them from a queue one at a time, largest first.
    """
    nrows, ncols = dem.shape
    out = np.empty((nrows, ncols), dtype=np.uint8)
    zrow, zcol = _block_max_arrays(dem)
    for r in prange(nrows):  # the fresh memory is first touched by both threads
        _fill_row(dem, nodata, r, vr, vc, cell, max_dist2, out)
        _row_block_max(dem, nodata, r, zcol)
    for b in prange(zrow.shape[0]):
        _column_block_max(dem, nodata, b, zrow)
    vp_elev = _observer_elevation(dem, nodata, vr, vc, observer_height)
    ntask = 4 * sectors_per_side
    size = np.empty(ntask, dtype=np.float64)
    for t in range(ntask):
        side = t % 4
        s = t // 4
        kmax = _sector_extent(nrows, ncols, vr, vc, cell, max_dist2, side)
        size[t] = _sector_cells(
            nrows, ncols, vr, vc, kmax, side,
            -1.0 + 2.0 * s / sectors_per_side, -1.0 + 2.0 * (s + 1) / sectors_per_side,
        )
    order = np.argsort(-size)
    queue = np.zeros(1, dtype=np.int64)
    # each thread runs one worker that takes tasks until none is left (the other
    # workers it is handed find the queue empty)
    for _ in prange(ntask):
        while True:
            i = _take_next(queue)
            if i >= ntask:
                break
            t = order[i]
            side = t % 4
            s = t // 4
            t_lo = -1.0 + 2.0 * s / sectors_per_side
            t_hi = -1.0 + 2.0 * (s + 1) / sectors_per_side
            _sweep_sector(
                dem, nodata, vr, vc, vp_elev, target_height, cell, curv, max_dist2,
                side, t_lo, t_hi, s == sectors_per_side - 1, zrow, zcol, out,
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
    out = np.empty(dem.shape, dtype=np.uint8)
    vp_elev = _observer_elevation(dem, np.nan, vr, vc, observer_height)
    zrow, zcol = _block_max_arrays(dem)
    for r in range(dem.shape[0]):
        _fill_row(dem, np.nan, r, vr, vc, cell, max_dist2, out)
        _row_block_max(dem, np.nan, r, zcol)
    for b in range(zrow.shape[0]):
        _column_block_max(dem, np.nan, b, zrow)
    for side in range(4):
        _sweep_sector(
            dem, np.nan, vr, vc, vp_elev, target_height, cell, curv, max_dist2,
            side, -1.0, 1.0, True, zrow, zcol, out,
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


@njit(cache=True, parallel=True)
def count_viewshed(vis: np.ndarray) -> tuple[int, int]:
    """(visible, with an answer) cells of a viewshed grid: its 1s, and all but its 255s."""
    nrows = vis.shape[0]
    seen = np.zeros(nrows, dtype=np.int64)
    answered = np.zeros(nrows, dtype=np.int64)
    for r in prange(nrows):
        a = 0
        b = 0
        for v in vis[r]:
            a += v == 1
            b += v != 255
        seen[r] = a
        answered[r] = b
    return int(seen.sum()), int(answered.sum())
