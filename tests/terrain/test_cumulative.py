"""Cumulative viewsheds: the exact batch equals the sum of single viewsheds; the fast
kernel counts each cell once and stays close to the exact answer on real terrain."""

from __future__ import annotations

import numpy as np
import pytest

from ridgeline.errors import TerrainError
from ridgeline.model.earth import WGS84_SEMI_MAJOR_M
from ridgeline.terrain._horizon import horizon_viewshed
from ridgeline.terrain.cumulative import cumulative_viewshed
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import DEFAULT_CURVATURE_COEFF, Observer, viewshed_grid

from ..conftest import flat_terrain


def test_cumulative_is_sum_of_singles() -> None:
    rng = np.random.default_rng(11)
    t = flat_terrain((90, 110), cell=30.0)
    t.elevation[:] = (rng.normal(0, 1, t.shape).cumsum(axis=0) * 10 + 500).astype(np.float32)
    rows = rng.integers(0, 90, 9)
    cols = rng.integers(0, 110, 9)
    got = cumulative_viewshed(t, rows, cols, observer_height=5.0, radius=1200.0)
    want = np.zeros(t.shape, dtype=np.int64)
    for r, c in zip(rows, cols, strict=True):
        want += viewshed_grid(t, Observer(int(r), int(c), height=5.0, radius=1200.0)) == 1
    np.testing.assert_array_equal(got, want)
    assert got.max() >= 2


def test_fast_kernel_sees_all_of_a_flat_plain_once() -> None:
    # without curvature every cell of a plain is visible: each cell within the radius of
    # an observer is counted exactly once per observer (diagonals belong to one side only)
    t = flat_terrain((70, 90), cell=30.0)
    rows = np.array([10, 35, 60])
    cols = np.array([10, 45, 80])
    got = cumulative_viewshed(t, rows, cols, radius=900.0, curvature_coeff=0.0, method="fast")
    rr, cc = np.mgrid[0:70, 0:90]
    want = sum(((rr - r) ** 2 + (cc - c) ** 2 <= 30**2).astype(np.int64) for r, c in zip(rows, cols, strict=True))
    np.testing.assert_array_equal(got, want)


def test_fast_kernel_is_the_same_on_the_transposed_grid() -> None:
    rng = np.random.default_rng(5)
    dem = (rng.normal(0, 1, (61, 83)).cumsum(axis=1) * 8 + 300).astype(np.float32)
    curv = DEFAULT_CURVATURE_COEFF / (2 * WGS84_SEMI_MAJOR_M)
    a = horizon_viewshed(dem, 20, 50, 3.0, 0.0, 30.0, curv, 1500.0)
    b = horizon_viewshed(np.ascontiguousarray(dem.T), 50, 20, 3.0, 0.0, 30.0, curv, 1500.0)
    np.testing.assert_array_equal(a, b.T)


def test_fast_kernel_agrees_with_the_exact_one_on_real_terrain(real_terrain_crop: Terrain) -> None:
    # the interpolated horizon is an approximation; on real hills it still gets nearly
    # every cell right (bench/viewshed.py prints the figures on the whole tile)
    t = real_terrain_crop
    rng = np.random.default_rng(3)
    rows = rng.integers(0, t.shape[0], 6)
    cols = rng.integers(0, t.shape[1], 6)
    for r, c in zip(rows, cols, strict=True):
        exact = viewshed_grid(t, Observer(int(r), int(c), height=2.0, radius=3000.0))
        fast = cumulative_viewshed(t, [r], [c], radius=3000.0, method="fast")
        valid = exact != 255
        agree = ((fast == 1) == (exact == 1))[valid].mean()
        assert agree > 0.97, (r, c, agree)


def test_coarsened_fast_kernel_keeps_the_grid_and_its_voids() -> None:
    t = flat_terrain((41, 53), cell=30.0)
    t.elevation[0:5, 0:5] = np.nan
    got = cumulative_viewshed(t, [20], [26], radius=600.0, curvature_coeff=0.0, method="fast", coarsen=3)
    assert got.shape == t.shape
    assert (got[0:5, 0:5] == 0).all()
    assert got[20, 26] == 1


@pytest.mark.parametrize(
    ("method", "coarsen", "message"),
    [("exact", 2, "fast cumulative method only"), ("fast", 0, "whole number"), ("magic", 1, "unknown")],
)
def test_bad_cumulative_options_name_the_cause(method: str, coarsen: int, message: str) -> None:
    with pytest.raises(TerrainError, match=message):
        cumulative_viewshed(flat_terrain(), [5], [5], method=method, coarsen=coarsen)  # type: ignore[arg-type]
