"""The exact kernel's envelope pieces: one column's envelope built in one pass is the merge's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.terrain._sweep import _column_envelope, _merge

# A cell's elevation angles at its entering corner, centre and exiting corner, small
# integers so that exact ties between neighbours (equal lines, crossings at an end) occur.
_angle = st.integers(-3, 3).map(float)


@st.composite
def _column(draw: st.DrawFn) -> list[tuple[float, float, float, float, float]]:
    """Blocking cells in azimuth order: (enter, centre, exit azimuths; enter, centre angles...)."""
    cells = []
    x = 0.0
    for _ in range(draw(st.integers(1, 12))):
        start = x + draw(st.sampled_from([-0.5, -0.25, 0.0, 0.25, 1.0]))  # overlaps the one before or not
        centre = start + draw(st.sampled_from([0.5, 1.0]))
        end = centre + draw(st.sampled_from([0.5, 1.0]))
        cells.append((start, centre, end, draw(_angle), draw(_angle), draw(_angle)))
        x = end
    return cells


def _groups(cells: list[tuple[float, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells' two pieces each, alternate cells in alternate groups, as the kernel lays them out."""
    grp = np.zeros((2, 2 * len(cells) + 2, 6))
    gid = np.zeros((2, 2 * len(cells) + 2), dtype=np.int64)
    ng = np.zeros(2, dtype=np.int64)
    for c, (a0, ac, a1, g0, gc, g1) in enumerate(cells):
        g = c % 2
        for ev, (x0, x1, ge, ae) in enumerate(((a0, ac, g0, a0), (ac, a1, g1, a1))):
            q = ng[g]
            grp[g, q] = (x0, x1, ac, gc, (ge - gc) / (ae - ac), -1.0)
            gid[g, q] = 2 * c + ev
            ng[g] = q + 1
    return grp, gid, ng


@settings(max_examples=300, deadline=None)
@given(_column())
def test_column_envelope_is_the_merge_of_the_two_groups(cells: list[tuple[float, ...]]) -> None:
    grp, gid, ng = _groups(cells)
    size = 3 * int(ng.sum()) + 4
    out, oid = np.empty((size, 6)), np.empty(size, dtype=np.int64)
    ref, rid = np.empty((size, 6)), np.empty(size, dtype=np.int64)
    n = _column_envelope(grp, gid, ng, out, oid)
    nr = _merge(grp[0], gid[0], ng[0], grp[1], gid[1], ng[1], ref, rid, False)
    if n < 0:
        return  # a layout it leaves to the merge
    assert n == nr
    np.testing.assert_array_equal(out[:n], ref[:nr])
    np.testing.assert_array_equal(oid[:n], rid[:nr])


def test_column_envelope_settles_crossings_in_one_pass() -> None:
    # the second cell starts under the first one's exiting piece and crosses it
    cells = [(0.0, 1.0, 2.0, 0.0, 1.0, 0.0), (1.5, 2.5, 3.5, -1.0, 2.0, 0.0)]
    grp, gid, ng = _groups(cells)
    out, oid = np.empty((16, 6)), np.empty(16, dtype=np.int64)
    n = _column_envelope(grp, gid, ng, out, oid)
    assert n == 4
    assert list(oid[:n]) == [0, 1, 2, 3]
    # the first cell's exiting piece falls 1 - (x - 1), the second's entering piece rises
    # 2 + 3 (x - 2.5): they meet at x = 1.875, where one ends and the other starts
    assert out[1, 1] == 1.875
    assert out[2, 0] == 1.875
