"""Radio links over real terrain (SRTM N44W072: the Presidential Range, New Hampshire)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS

from ridgeline.config.sector import Sector
from ridgeline.errors import ConfigError, OutsideTerrainError, RidgelineError, TerrainError
from ridgeline.model.earth import MEAN_RADIUS_M
from ridgeline.terrain import radio
from ridgeline.terrain.dem import Terrain, load_terrain
from ridgeline.terrain.radio import (
    RadioLink,
    best_links,
    free_space_loss_db,
    itm_path_loss,
    line_of_sight,
    link_table,
    terrain_profile,
)

HGT = Path(__file__).resolve().parents[2] / "examples" / "white-mountains" / "N44W072.hgt"

MT_WASHINGTON = (-71.3033, 44.2706)
PINKHAM_NOTCH = (-71.25, 44.26)
CRAWFORD_NOTCH = (-71.40, 44.21)
WILDCAT_RIDGE = (-71.21, 44.25)  # across Pinkham Notch from the summit


@pytest.fixture(scope="module")
def presidentials() -> Terrain:
    return load_terrain([HGT], resolution=90.0)


def flat_terrain(elevation: float = 200.0, size: int = 700) -> Terrain:
    """A constant-elevation 90 m grid in UTM 19N, ``size`` cells (63 km) a side."""
    return Terrain(
        np.full((size, size), elevation, dtype=np.float32),
        Affine(90.0, 0.0, 300000.0, 0.0, -90.0, 5000000.0),
        CRS.from_epsg(32619),
    )


FLAT = flat_terrain()


def profile_between(
    terrain: Terrain, a: tuple[float, float], b: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    return terrain_profile(terrain, *terrain.to_map(*a), *terrain.to_map(*b))


def flat_loss(distance_m: float, frequency_mhz: float = 700.0) -> float:
    x0, y0 = FLAT.xy(350, 5)
    d, z = terrain_profile(FLAT, x0, y0, x0 + distance_m, y0)
    return itm_path_loss(d, z, frequency_mhz, 30.0, 10.0)


# ------------------------------------------------------------------------- profiles


def test_profile_from_summit_starts_at_its_highest_point(presidentials: Terrain) -> None:
    x0, y0 = presidentials.to_map(*MT_WASHINGTON)
    d, z = terrain_profile(presidentials, x0, y0, x0 + 5000.0, y0)
    assert d[0] == 0.0 and d[-1] == pytest.approx(5000.0)
    steps = np.diff(d)
    assert np.allclose(steps, steps[0]) and steps[0] <= presidentials.cell_size
    assert np.isfinite(z).all()
    assert z[0] == z.max()
    assert 1850.0 < z[0] < 1950.0  # SRTM at 90 m: ~1904 m (the summit is 1917 m)
    assert z[-1] < z[0] - 1000.0  # down into the Great Gulf / Pinkham side


def test_profile_is_bilinear_on_a_plane() -> None:
    rows, cols = np.mgrid[0:100, 0:120].astype(np.float32)
    plane = Terrain(
        (2.0 * cols + 3.0 * rows).astype(np.float32),
        Affine(90.0, 0.0, 0.0, 0.0, -90.0, 9000.0),
        CRS.from_epsg(32619),
    )
    x0, y0, x1, y1 = 1000.0, 8000.0, 9500.0, 1234.0
    d, z = terrain_profile(plane, x0, y0, x1, y1, step=45.0)
    t = d / d[-1]
    xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    expected = 2.0 * (xs / 90.0 - 0.5) + 3.0 * ((9000.0 - ys) / 90.0 - 0.5)
    np.testing.assert_allclose(z, expected, atol=1e-3)


def test_profile_fills_short_voids_by_interpolation() -> None:
    _, cols = np.mgrid[0:50, 0:200].astype(np.float32)
    elevation = (5.0 * cols).astype(np.float32)
    elevation[:, 100:104] = np.nan  # a 360 m void band across the path
    ramp = Terrain(elevation, Affine(90.0, 0.0, 0.0, 0.0, -90.0, 4500.0), CRS.from_epsg(32619))
    d, z = terrain_profile(ramp, 500.0, 2000.0, 17000.0, 2000.0)
    assert np.isfinite(z).all()
    assert (np.diff(z) >= 0).all()
    col = (500.0 + d) / 90.0 - 0.5
    plane = 5.0 * col
    away = np.abs(col - 101.5) > 3.0  # bilinear is exact more than a cell from the void
    np.testing.assert_allclose(z[away], plane[away], atol=1e-3)
    np.testing.assert_allclose(z, plane, atol=5.0)  # within one cell's rise across it


def test_profile_mostly_over_voids_is_refused() -> None:
    elevation = np.full((50, 200), 100.0, dtype=np.float32)
    elevation[:, 40:] = np.nan
    holey = Terrain(elevation, Affine(90.0, 0.0, 0.0, 0.0, -90.0, 4500.0), CRS.from_epsg(32619))
    with pytest.raises(TerrainError, match=r"from \(500\.0, 2000\.0\) to \(17000\.0, 2000\.0\)"):
        terrain_profile(holey, 500.0, 2000.0, 17000.0, 2000.0)


def test_profile_endpoint_outside_the_terrain(presidentials: Terrain) -> None:
    x0, y0 = presidentials.to_map(*MT_WASHINGTON)
    with pytest.raises(OutsideTerrainError, match="outside the DEM"):
        terrain_profile(presidentials, x0, y0, x0 + 500_000.0, y0)


# --------------------------------------------------------------------- line of sight


def test_line_of_sight_earth_bulge_and_fresnel_zone() -> None:
    span, k = 20_000.0, 4.0 / 3.0
    d = np.array([0.0, span / 2, span])
    z = np.zeros(3)
    bulge = span**2 / (8.0 * k * MEAN_RADIUS_M)  # ~5.9 m at mid-path
    fresnel = math.sqrt(299.792458 / 700.0 * span / 4.0)  # 1st zone radius at mid-path
    clear, clearance, ratio = line_of_sight(d, z, 20.0, 20.0, frequency_mhz=700.0)
    assert clear
    assert clearance == pytest.approx(20.0 - bulge)
    assert ratio == pytest.approx((20.0 - bulge) / fresnel)
    clear, clearance, _ = line_of_sight(d, z, 5.0, 5.0, frequency_mhz=700.0)
    assert not clear and clearance == pytest.approx(5.0 - bulge)
    assert line_of_sight(d, z, 5.0, 5.0, frequency_mhz=700.0, k_factor=1e9)[0]


# ------------------------------------------------------------------------ ITM loss


def test_link_across_the_range_is_blocked_and_lossier_than_free_space(
    presidentials: Terrain,
) -> None:
    d, z = profile_between(presidentials, PINKHAM_NOTCH, CRAWFORD_NOTCH)
    clear, clearance, ratio = line_of_sight(d, z, 30.0, 10.0, frequency_mhz=700.0)
    assert not clear
    assert clearance < -500.0  # the Presidential Range stands in the way
    assert ratio < 0.0
    loss = itm_path_loss(d, z, 700.0, 30.0, 10.0)
    free = free_space_loss_db(d[-1], 700.0)
    assert 12_000.0 < d[-1] < 14_500.0
    assert math.isfinite(loss)
    assert loss > free + 20.0  # measured: ~198 dB against ~112 dB


def test_clear_link_over_a_valley_is_near_free_space(presidentials: Terrain) -> None:
    d, z = profile_between(presidentials, MT_WASHINGTON, WILDCAT_RIDGE)
    assert z.min() < min(z[0], z[-1]) - 300.0  # Pinkham Notch lies between
    clear, clearance, ratio = line_of_sight(d, z, 10.0, 10.0, frequency_mhz=700.0)
    assert clear and clearance > 0.0 and ratio > 0.6
    loss = itm_path_loss(d, z, 700.0, 10.0, 10.0)
    free = 32.45 + 20.0 * math.log10(700.0) + 20.0 * math.log10(d[-1] / 1000.0)
    assert loss == pytest.approx(free, abs=3.0)  # measured: equal (~107.2 dB at ~7.8 km)


def test_loss_grows_with_distance_on_flat_terrain() -> None:
    losses = [flat_loss(km * 1000.0) for km in (1, 2, 5, 10, 20, 40, 60)]
    assert all(b > a for a, b in itertools.pairwise(losses))
    assert losses[0] == pytest.approx(free_space_loss_db(1000.0, 700.0), abs=3.0)
    assert losses[-1] > free_space_loss_db(60_000.0, 700.0) + 20.0  # beyond the radio horizon


@settings(max_examples=40, deadline=None)
@given(
    near_km=st.floats(min_value=1.0, max_value=49.0),
    extra_km=st.floats(min_value=0.2, max_value=49.0),
)
def test_flat_loss_is_finite_and_increasing(near_km: float, extra_km: float) -> None:
    far_km = min(near_km + extra_km, 50.0)
    near, far = flat_loss(near_km * 1000.0), flat_loss(far_km * 1000.0)
    assert math.isfinite(near) and math.isfinite(far)
    assert near > free_space_loss_db(near_km * 1000.0, 700.0) - 0.1  # median ≈ ≥ free space
    if far_km > near_km:
        assert far > near


@pytest.mark.parametrize("frequency_mhz", [10.0, 25_000.0, math.nan])
def test_frequency_outside_itm_range_is_refused(frequency_mhz: float) -> None:
    d, z = np.linspace(0.0, 5000.0, 51), np.full(51, 100.0)
    with pytest.raises(ConfigError, match="outside the Longley-Rice"):
        itm_path_loss(d, z, frequency_mhz, 30.0, 10.0)


def test_antenna_height_outside_itm_range_is_refused() -> None:
    d, z = np.linspace(0.0, 5000.0, 51), np.full(51, 100.0)
    with pytest.raises(ConfigError, match=r"receiver antenna height 0\.1 m"):
        itm_path_loss(d, z, 700.0, 30.0, 0.1)


def test_uneven_or_void_profiles_are_refused() -> None:
    d, z = np.array([0.0, 100.0, 300.0]), np.zeros(3)
    with pytest.raises(TerrainError, match="evenly spaced"):
        itm_path_loss(d, z, 700.0, 30.0, 10.0)
    with pytest.raises(TerrainError, match="finite"):
        itm_path_loss(np.array([0.0, 100.0]), np.array([0.0, np.nan]), 700.0, 30.0, 10.0)


def test_itmlogic_failure_becomes_a_terrain_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(prop: dict[str, object]) -> dict[str, object]:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(radio, "qlrpfl", broken)
    d, z = np.linspace(0.0, 5000.0, 51), np.full(51, 100.0)
    with pytest.raises(TerrainError, match=r"itmlogic\) failed .*ZeroDivisionError") as info:
        itm_path_loss(d, z, 700.0, 30.0, 10.0)
    assert isinstance(info.value, RidgelineError)


# ------------------------------------------------------------------------ link table


def sector_with(towers: list[dict[str, Any]]) -> Sector:
    return Sector.model_validate(
        {
            "name": "Presidentials",
            "terrain": {"dem": [str(HGT)]},
            "line": {"coordinates": [[-71.35, 44.22], [-71.22, 44.28]]},
            "sites": [
                {"id": "wildcat", "lon": WILDCAT_RIDGE[0], "lat": WILDCAT_RIDGE[1]},
                {"id": "crawford", "lon": CRAWFORD_NOTCH[0], "lat": CRAWFORD_NOTCH[1]},
                {"id": "pinkham", "lon": PINKHAM_NOTCH[0], "lat": PINKHAM_NOTCH[1]},
            ],
            "cell_towers": towers,
            "radio": {"receiver_sensitivity_dbm": -100.0, "required_margin_db": 10.0},
        }
    )


SUMMIT_TOWER: dict[str, Any] = {"id": "summit", "lon": MT_WASHINGTON[0], "lat": MT_WASHINGTON[1], "height_m": 30.0}
PINKHAM_TOWER: dict[str, Any] = {
    "id": "notch",
    "lon": PINKHAM_NOTCH[0],
    "lat": PINKHAM_NOTCH[1],
    "height_m": 30.0,
    "frequency_mhz": 1900.0,
    "power_dbm": 43.0,
}


def test_link_table_and_best_links(presidentials: Terrain) -> None:
    sector = sector_with([SUMMIT_TOWER, PINKHAM_TOWER])
    links = link_table(presidentials, sector)
    assert [(ln.site_id, ln.tower_id) for ln in links] == [
        (s, t) for s in ("wildcat", "crawford", "pinkham") for t in ("summit", "notch")
    ]
    for ln in links:
        assert isinstance(ln, RadioLink) and math.isfinite(ln.path_loss_db)
        tower = SUMMIT_TOWER if ln.tower_id == "summit" else PINKHAM_TOWER
        assert ln.received_dbm == pytest.approx(float(tower.get("power_dbm", 46.0)) - ln.path_loss_db)
        assert ln.margin_db == pytest.approx(ln.received_dbm + 100.0)
        assert ln.usable == (ln.margin_db >= 10.0)
    by_pair = {(ln.site_id, ln.tower_id): ln for ln in links}
    assert by_pair["wildcat", "summit"].line_of_sight
    assert by_pair["wildcat", "summit"].usable
    assert not by_pair["crawford", "summit"].line_of_sight
    assert not by_pair["crawford", "notch"].usable
    colocated = by_pair["pinkham", "notch"]  # site at the tower: free space, no terrain
    assert colocated.distance_m < 1.0 and colocated.line_of_sight

    best = best_links(links, site_ids=[s.id for s in sector.sites] + ["spare"])
    assert best["wildcat"] is by_pair["wildcat", "summit"]
    assert best["pinkham"] is colocated
    assert best["crawford"] is None  # behind the range from both towers: flag it
    assert best["spare"] is None


def test_link_table_tower_off_the_dem(presidentials: Terrain) -> None:
    far = {"id": "boston", "lon": -71.06, "lat": 42.36}
    with pytest.raises(OutsideTerrainError, match="cell tower 'boston'"):
        link_table(presidentials, sector_with([SUMMIT_TOWER, far]))
