"""The travel-time kernel: Dijkstra over a raster's 16-move graph, with an array binary heap.

Every cell links to its 8 neighbours and to the 8 cells a knight's move away.  A move of
``(dr, dc)`` covers ``L = cell × √(dr² + dc²)`` metres horizontally and climbs
``dz = z_to − z_from``; its slope ``S = dz / L`` is signed, so uphill and downhill differ.
Its speed in km/h is

    speed = base × exp(−decay × |S + offset|)

where ``base`` and ``decay`` are taken from the cell moved *to* (on a path or not), and
the move is impassable when ``|S|`` exceeds that cell's slope limit.  With base 6 km/h
(on a path) and 0.6 × 6 (off it), decay 3.5 and offset 0.05 this is Tobler's hiking
function; a vehicle or boat is the same formula with other constants
(:mod:`ridgeline.terrain.travel` turns each mode's model into them).  The move takes
``L / speed`` hours, kept in minutes.  Only the two end cells of a move must be passable
(a knight's move does not look at the cells it steps over).

A *reversed* search answers "how long from every cell to the source": it runs outward
from the source over the moves turned around, so the popped cell ``u`` is the end of a
move ``v → u`` and the slope is ``z_u − z_v``.  One reversed search from an alert thus
gives every unit's time to reach it.

The heap holds cell indices with their tentative minutes beside them (so sifting reads
along the heap, not all over the grid), and each cell's place in the heap, so a shorter
time moves the cell up where it is (decrease-key) rather than adding a second entry:
two 4-byte and two 8-byte arrays per cell, allocated once, no growth.
``predecessor`` keeps, per cell, which move reached it (0-15): the cell it came from is
``cell − MOVES[k]`` in both directions, which for a reversed search is the next cell on
the way to the source.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ridgeline.jit import announce_compiles, for_grids

announce_compiles("ridgeline.terrain", "terrain", for_grids("DEMs"))

#: the 16 moves (row step, column step): the 8 neighbours, then the 8 knight's moves
MOVES = np.array(
    [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1),
     (-2, -1), (-2, 1), (-1, -2), (-1, 2), (1, -2), (1, 2), (2, -1), (2, 1)],
    dtype=np.int64,
)

#: minutes per (metre / km/h): 60 minutes / 1000 metres
MINUTES_PER_M_PER_KMH = 0.06

#: layout of the ``params`` array the kernel reads: index of each constant
BASE_OFF, BASE_ON, DECAY_OFF, DECAY_ON, OFFSET, MAX_SLOPE_OFF, MAX_SLOPE_ON = range(7)


@njit(cache=True, inline="always")
def _sift_up(heap: np.ndarray, keys: np.ndarray, where: np.ndarray, i: int, node: int, k: float) -> None:
    """Put ``node`` with key ``k`` at place ``i`` or above, moving larger parents down."""
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= k:
            break
        p = heap[parent]
        heap[i] = p
        keys[i] = keys[parent]
        where[p] = i
        i = parent
    heap[i] = node
    keys[i] = k
    where[node] = i


@njit(cache=True, inline="always")
def _sift_down(heap: np.ndarray, keys: np.ndarray, where: np.ndarray, size: int, node: int, k: float) -> None:
    """Put ``node`` with key ``k`` at the root or below, moving smaller children up."""
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        kc = keys[child]
        if child + 1 < size and keys[child + 1] < kc:
            child += 1
            kc = keys[child]
        if kc >= k:
            break
        c = heap[child]
        heap[i] = c
        keys[i] = kc
        where[c] = i
        i = child
    heap[i] = node
    keys[i] = k
    where[node] = i


@njit(cache=True, error_model="numpy")
def travel_search(
    z: np.ndarray,
    passable: np.ndarray,
    on_path: np.ndarray,
    cell: float,
    params: np.ndarray,
    source: int,
    reverse: bool,
    targets: np.ndarray,
    max_minutes: float,
    radius_cells: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Minutes from ``source`` to every cell (to it, if ``reverse``), the move that reached each, cells settled.

    ``z`` the heights (any numeric type), ``passable`` and ``on_path`` uint8 grids of the
    same shape, ``source`` a flat index.  The search stops once every cell of ``targets``
    (flat indices; empty: none) is settled, or at the first cell past ``max_minutes``
    (``inf``: no limit); cells beyond ``radius_cells`` of the source (``0``: no limit)
    are never entered.  Cells not settled when it stops read ``inf`` and move ``-1``.
    """
    rows, cols = z.shape
    n = rows * cols
    minutes = np.full(n, np.inf)
    predecessor = np.full(n, -1, dtype=np.int8)
    heap = np.empty(n, dtype=np.int32)
    keys = np.empty(n)  # the minutes of heap[i], beside it, so sifting reads along the heap
    # place in the heap; -1 never reached, -2 settled, or never to be entered (impassable)
    where = np.empty(n, dtype=np.int32)
    enterable = passable.ravel()
    for i in range(n):
        where[i] = -1 if enterable[i] else -2
    if not enterable[source]:
        return minutes.reshape(rows, cols), predecessor.reshape(rows, cols), 0
    is_target = np.zeros(n if targets.size else 1, dtype=np.uint8)
    pending = 0
    for t in targets:
        if is_target[t] == 0:
            is_target[t] = 1
            pending += 1

    heights = z.ravel()
    path = on_path.ravel()
    lengths = np.empty(16)
    steps = np.empty(16, dtype=np.int64)  # each move as a step of the flat index
    for k in range(16):
        lengths[k] = cell * np.sqrt(float(MOVES[k, 0] ** 2 + MOVES[k, 1] ** 2))
        steps[k] = MOVES[k, 0] * cols + MOVES[k, 1]
    base_off, base_on = params[BASE_OFF], params[BASE_ON]
    decay_off, decay_on = params[DECAY_OFF], params[DECAY_ON]
    # a move's minutes on flat ground at each base speed: L / speed = (L / base) × exp(decay × |S + offset|),
    # one multiplication a move instead of a division
    flat_off = np.empty(16)
    flat_on = np.empty(16)
    for k in range(16):
        flat_off[k] = lengths[k] * MINUTES_PER_M_PER_KMH / base_off if base_off > 0 else np.inf
        flat_on[k] = lengths[k] * MINUTES_PER_M_PER_KMH / base_on if base_on > 0 else np.inf
    offset = params[OFFSET]
    max_off, max_on = params[MAX_SLOPE_OFF], params[MAX_SLOPE_ON]
    r_src, c_src = source // cols, source % cols
    radius2 = radius_cells * radius_cells

    minutes[source] = 0.0
    heap[0] = source
    keys[0] = 0.0
    where[source] = 0
    size = 1
    settled = 0
    while size > 0:
        u = heap[0]
        tu = keys[0]
        if tu > max_minutes:
            break
        size -= 1
        if size > 0:
            _sift_down(heap, keys, where, size, heap[size], keys[size])
        where[u] = -2
        settled += 1
        if pending > 0 and is_target[u]:
            pending -= 1
            if pending == 0:
                break
        ru, cu = u // cols, u % cols
        inside = 2 <= ru < rows - 2 and 2 <= cu < cols - 2  # every move stays on the grid
        zu = float(heights[u])
        path_u = path[u]
        for k in range(16):
            if not inside:
                rv = ru + MOVES[k, 0]
                cv = cu + MOVES[k, 1]
                if rv < 0 or rv >= rows or cv < 0 or cv >= cols:
                    continue
            v = u + steps[k]
            if where[v] == -2:
                continue
            if radius2 > 0.0 and float((v // cols - r_src) ** 2 + (v % cols - c_src) ** 2) > radius2:
                continue
            length = lengths[k]
            if reverse:  # the move v -> u: it climbs z_u - z_v and its speed is u's
                slope = (zu - float(heights[v])) / length
                to_path = path_u
            else:  # the move u -> v
                slope = (float(heights[v]) - zu) / length
                to_path = path[v]
            if to_path:
                if abs(slope) > max_on:
                    continue
                t = tu + flat_on[k] * np.exp(decay_on * abs(slope + offset))
            else:
                if abs(slope) > max_off:
                    continue
                t = tu + flat_off[k] * np.exp(decay_off * abs(slope + offset))
            if t < minutes[v]:
                minutes[v] = t
                predecessor[v] = k
                i = where[v]
                if i < 0:
                    i = size
                    size += 1
                _sift_up(heap, keys, where, i, v, t)
    for i in range(size):  # reached but not settled: not known to be the fastest
        minutes[heap[i]] = np.inf
        predecessor[heap[i]] = -1
    return minutes.reshape(rows, cols), predecessor.reshape(rows, cols), settled
