"""The batched cumulative viewshed equals the sum of single viewsheds."""

from __future__ import annotations

import numpy as np

from ridgeline.terrain.cumulative import cumulative_viewshed
from ridgeline.terrain.viewshed import Observer, viewshed_grid

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
