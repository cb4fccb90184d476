"""The exact viewshed kernel against a direct transcription of r.viewshed's model.

``model_viewshed`` below is the model stated plainly and computed the slow way: a target is
visible when no cell nearer to the observer, whose azimuth span strictly contains the
target's azimuth, has an interpolated elevation angle above the target's.  The kernel
must give the same answer on every random small terrain, ties included (integer heights
make many).  The comparison with r.viewshed itself is in test_viewshed_reference.py.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ridgeline.errors import OutsideTerrainError
from ridgeline.terrain._sweep import _azimuth, _corner, count_viewshed, sweep_viewshed
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import Observer, preload, viewshed_grid, viewshed_window

from ..conftest import ROOT, flat_terrain


def model_viewshed(dem: np.ndarray, vr: int, vc: int, h: float, th: float, cell: float, curv: float) -> np.ndarray:
    nrows, ncols = dem.shape
    vpe = float(np.float32(dem[vr, vc])) + h

    def adj(z: float, d2: float) -> float:
        return float(np.float32(z - d2 * curv))

    cells = []
    for r in range(nrows):
        for c in range(ncols):
            if (r, c) == (vr, vc) or math.isnan(dem[r, c]):
                continue
            d2 = ((c - vc) * cell) ** 2 + ((r - vr) * cell) ** 2
            e1 = adj(float(dem[r, c]), d2)
            a1 = _azimuth(c, r, vc, vr)
            g1 = math.atan((e1 - vpe) / math.sqrt(d2))
            ends = []
            for entering in (True, False):
                dr, dc = _corner(r, c, vr, vc, entering)
                r1, c1 = r + int(2 * dr), c + int(2 * dc)
                eh = float(dem[r, c])
                if 0 <= r1 < nrows and 0 <= c1 < ncols:
                    quad = [dem[r1, c1], dem[r1, c], dem[r, c1]]
                    if not any(math.isnan(q) for q in quad):
                        eh = float(((quad[0] + quad[1]) + quad[2]) + dem[r, c]) / 4.0
                y, x = r + dr, c + dc
                dd2 = ((x - vc) * cell) ** 2 + ((y - vr) * cell) ** 2
                ends.append((_azimuth(x, y, vc, vr), math.atan((adj(eh, dd2) - vpe) / math.sqrt(dd2))))
            (a0, g0), (a2, g2) = ends
            if a0 > a1:
                a0 -= 2 * math.pi
            gt = math.atan((e1 + th - vpe) / math.sqrt(d2)) if th else g1
            cells.append((r, c, d2, a0, a1, a2, g0, g1, g2, gt))
    out = np.full(dem.shape, 255, dtype=np.uint8)
    out[vr, vc] = 1
    for r, c, d2, _a0, a1, _a2, _g0, _g1, _g2, gt in cells:
        best = -math.inf
        for rb, cb, d2b, b0, b1, b2, h0, h1, h2 in (x[:9] for x in cells):
            if d2b >= d2 or (rb, cb) == (r, c):
                continue
            for theta in (a1, a1 - 2 * math.pi):
                if b0 < theta < b2:
                    if theta < b1:
                        v = h1 + (h0 - h1) * (b1 - theta) / (b1 - b0)
                    elif theta > b1:
                        v = h1 + (h2 - h1) * (theta - b1) / (b2 - b1)
                    else:
                        v = h1
                    best = max(best, v)
        out[r, c] = 1 if best <= gt else 0
    return out


@settings(max_examples=40, deadline=None)
@given(
    dem=arrays(np.float32, st.tuples(st.integers(5, 13), st.integers(5, 13)),
               elements=st.integers(0, 12).map(float)),
    where=st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)),
    h=st.sampled_from([0.0, 1.5, 10.0]),
    th=st.sampled_from([0.0, 2.0]),
    curv=st.sampled_from([0.0, 0.002]),
)
def test_kernel_equals_the_model(dem: np.ndarray, where: tuple[float, float], h: float, th: float, curv: float) -> None:
    vr, vc = int(where[0] * dem.shape[0]), int(where[1] * dem.shape[1])
    expected = model_viewshed(dem, vr, vc, h, th, 10.0, curv)
    got = sweep_viewshed(dem, np.nan, vr, vc, h, th, 10.0, curv, np.inf, 3)
    np.testing.assert_array_equal(got, expected)


def test_kernel_equals_the_model_with_nodata() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        dem = rng.integers(0, 30, size=(15, 17)).astype(np.float32)
        dem[rng.random(dem.shape) < 0.1] = np.nan
        vr, vc = 7, 8
        dem[vr, vc] = 5.0
        np.testing.assert_array_equal(
            sweep_viewshed(dem, np.nan, vr, vc, 2.0, 0.0, 30.0, 0.0, np.inf, 2),
            model_viewshed(dem, vr, vc, 2.0, 0.0, 30.0, 0.0),
        )


def test_flat_plain_is_all_visible() -> None:
    t = flat_terrain()
    vis = viewshed_grid(t, Observer(50, 50, height=2.0), curvature_coeff=0.0)
    assert (vis == 1).all()


def test_earth_curvature_hides_the_far_plain() -> None:
    t = flat_terrain((401, 401), cell=100.0)
    vis = viewshed_grid(t, Observer(200, 200, height=2.0, target_height=0.0), curvature_coeff=0.85714)
    # horizon of a 2 m observer with k=7/6 refraction is about 5.4 km: near seen, far hidden
    assert vis[200, 240] == 1 and vis[200, 260] == 0 and vis[200, 399] == 0


def test_wall_casts_a_shadow() -> None:
    t = flat_terrain()
    t.elevation[:, 60] = 200.0
    vis = viewshed_grid(t, Observer(50, 50, height=2.0), curvature_coeff=0.0)
    assert vis[50, 60] == 1
    assert (vis[:, 61:][20:80] == 0).all()
    assert (vis[:, :60] == 1).all()


def test_ridge_hides_the_valley_but_not_the_tower_behind() -> None:
    """Behind a ridge the kernel settles whole runs of cells on a bound, without their
    angles: the valley there is hidden, but a tower far behind still shows above it."""
    t = flat_terrain((301, 301), cell=10.0)
    t.elevation[:, 160] = 120.0  # a ridge 100 m east of the observer: 18 m over the eye
    t.elevation[140:143, 280] = 400.0  # a tower 1.3 km east, a steeper 298 m over it
    vis = viewshed_grid(t, Observer(150, 150, height=2.0), curvature_coeff=0.0)
    behind = vis[:, 161:].copy()
    assert (vis[140:143, 280] == 1).all()
    behind[140:143, 280 - 161] = 0
    assert (behind == 0).all()
    assert (vis[:, :161] == 1).all()


@pytest.mark.parametrize("heights", [np.float32, np.int16])
def test_preload_loads_the_code_viewshed_grid_calls(heights: type) -> None:
    preload(heights)
    loaded = set(sweep_viewshed.signatures)
    t = flat_terrain((20, 20))
    if heights is np.int16:
        t = Terrain(t.elevation.astype(np.int16), t.transform, t.crs, nodata=-32768.0)
    viewshed_grid(t, Observer(5, 5))
    assert set(sweep_viewshed.signatures) == loaded


def test_preload_compiles_when_the_cache_is_empty(tmp_path: Path) -> None:
    """preload loads cached code without numba's registries; a cache miss must still compile."""
    script = (
        "import numpy as np\n"
        "from ridgeline.terrain.viewshed import Observer, preload, viewshed_grid\n"
        "from tests.conftest import flat_terrain\n"
        "preload(np.float32)\n"
        "vis = viewshed_grid(flat_terrain((9, 9)), Observer(4, 4))\n"
        "print(int((vis == 1).sum()))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["81"]  # a flat plain is all seen
    assert any(tmp_path.rglob("*.nbc"))  # and the compiled code went into the cache
    # the compile was said once on stderr, with the type of heights it was for
    assert done.stderr.count("compiling terrain kernels for float32 DEMs (first run only") == 1, done.stderr


@pytest.mark.parametrize("seed", range(4))
def test_stored_16_bit_heights_give_the_float32_answer(seed: int) -> None:
    """A 16-bit DEM as stored, voids marked by its nodata value, is seen exactly as the
    same DEM in float32 with NaN voids."""
    rng = np.random.default_rng(seed)
    n = 40
    smooth = rng.normal(0, 1, (n, n)).cumsum(axis=0).cumsum(axis=1) * 4
    dem16 = np.round(smooth + 500).astype(np.int16)
    dem16[rng.random(dem16.shape) < 0.05] = -32768
    vr, vc = int(rng.integers(0, n)), int(rng.integers(0, n))
    dem16[vr, vc] = 510
    dem32 = dem16.astype(np.float32)
    dem32[dem16 == -32768] = np.nan
    for curv in (0.0, 0.001):
        np.testing.assert_array_equal(
            sweep_viewshed(dem16, -32768.0, vr, vc, 2.0, 0.0, 10.0, curv, np.inf, 3),
            sweep_viewshed(dem32, np.nan, vr, vc, 2.0, 0.0, 10.0, curv, np.inf, 3),
        )
    t = Terrain(dem16, flat_terrain((n, n)).transform, flat_terrain((n, n)).crs, nodata=-32768.0)
    void = np.argwhere(dem16 == -32768)[0]
    with pytest.raises(OutsideTerrainError, match="no elevation data"):
        viewshed_grid(t, Observer(int(void[0]), int(void[1])))


def test_count_viewshed() -> None:
    vis = np.random.default_rng(1).choice(np.array([0, 1, 255], dtype=np.uint8), size=(37, 53))
    assert count_viewshed(vis) == (int((vis == 1).sum()), int((vis != 255).sum()))


def test_radius_limits_the_answer() -> None:
    t = flat_terrain()
    vis = viewshed_grid(t, Observer(50, 50, height=2.0, radius=300.0), curvature_coeff=0.0)
    assert vis[50, 60] == 1 and vis[50, 61] == 255
    assert (vis == 1).sum() == sum(
        1 for r in range(101) for c in range(101) if (r - 50) ** 2 + (c - 50) ** 2 <= 100
    )


def test_window_matches_full_grid() -> None:
    rng = np.random.default_rng(3)
    t = flat_terrain((121, 131))
    t.elevation[:] = rng.normal(100, 20, size=t.shape).astype(np.float32)
    obs = Observer(40, 70, height=5.0, target_height=1.7, radius=1500.0)
    full = viewshed_grid(t, obs)
    win, r0, c0 = viewshed_window(t, obs)
    np.testing.assert_array_equal(full[r0 : r0 + win.shape[0], c0 : c0 + win.shape[1]], win)
    assert (full == 1).sum() == (win == 1).sum()


def test_observer_outside_or_on_nodata() -> None:
    t = flat_terrain((20, 20))
    with pytest.raises(OutsideTerrainError, match="outside the DEM grid"):
        viewshed_grid(t, Observer(25, 3))
    t.elevation[3, 3] = np.nan
    with pytest.raises(OutsideTerrainError, match="no elevation data"):
        viewshed_grid(t, Observer(3, 3))


@pytest.mark.parametrize("seed", range(6))
def test_kernel_equals_the_model_on_larger_terrain(seed: int) -> None:
    """Grids large enough that most cells are far from the observer, where the kernel
    leaves out blockers that cannot rise above the horizon: the answer must not change."""
    rng = np.random.default_rng(seed)
    n = 26
    smooth = rng.normal(0, 1, (n, n)).cumsum(axis=0).cumsum(axis=1)
    dem = (smooth * 3 + rng.integers(0, 4, (n, n))).astype(np.float32)
    if seed % 2:
        dem = np.round(dem)  # integer heights: many exact ties
    vr, vc = int(rng.integers(0, n)), int(rng.integers(0, n))
    h = [2.0, 15.0, 0.0][seed % 3]
    for curv in (0.0, 0.001):
        np.testing.assert_array_equal(
            sweep_viewshed(dem, np.nan, vr, vc, h, 0.0, 10.0, curv, np.inf, 4),
            model_viewshed(dem, vr, vc, h, 0.0, 10.0, curv),
        )
