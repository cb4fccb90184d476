"""Pixel to map on real terrain: ground points rendered into a camera's image and back.

A camera on Mt Washington's summit (the real 90 m DEM crop), 15 m mast, looking
south-west 6 degrees down, 60-degree field of view at 1920 x 1080.  Random ground points
0.5-8 km away are projected into the image (the known truth: pixels, and whether the point
is hidden); each visible pixel is cast back onto the DEM.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ridgeline.errors import GeoError
from ridgeline.terrain.dem import Terrain
from ridgeline.vision.geo import CameraPose, Homography, ground_to_pixel, pixel_to_ground


def summit_camera(t: Terrain) -> tuple[CameraPose, float, float]:
    r0, c0 = np.unravel_index(np.nanargmax(t.elevation), t.shape)
    x0, y0 = t.xy(int(r0), int(c0))
    lon, lat = t.to_lonlat(x0, y0)
    azimuth = math.degrees(math.atan2(100 - c0, r0 - 100)) % 360  # towards the crop's centre
    return CameraPose(lon, lat, 15.0, azimuth, -6.0, 60.0, 1920, 1080), x0, y0


def test_pixels_go_back_to_their_ground_points(real_terrain_crop: Terrain) -> None:
    t = real_terrain_crop
    pose, x0, y0 = summit_camera(t)
    rng = np.random.default_rng(0)
    exact: list[float] = []
    noisy_per_km: list[float] = []
    for _ in range(3000):
        r, c = rng.integers(5, 195, 2)
        x, y = t.xy(r + rng.random() - 0.5, c + rng.random() - 0.5)
        d = math.hypot(x - x0, y - y0)
        if not 500 < d < 8000:
            continue
        px = ground_to_pixel(t, pose, *t.to_lonlat(x, y))
        if px is None:
            continue
        back = pixel_to_ground(t, pose, *px)
        assert back is not None
        bx, by = t.to_map(*back)
        exact.append(math.hypot(bx - x, by - y))
        back = pixel_to_ground(t, pose, px[0] + rng.uniform(-1, 1), px[1] + rng.uniform(-1, 1))
        if back is not None:
            bx, by = t.to_map(*back)
            noisy_per_km.append(math.hypot(bx - x, by - y) / d * 1000)
    print(f"\n{len(exact)} visible points: exact pixels median {np.median(exact):.1f} m, "
          f"90th percentile {np.percentile(exact, 90):.1f} m; pixels off by up to 1 px: median "
          f"{np.median(noisy_per_km):.1f} m per km of range, 90th percentile {np.percentile(noisy_per_km, 90):.1f}")
    assert len(exact) > 100
    assert np.median(exact) < 1.0 and np.percentile(exact, 90) < 5.0
    assert np.median(noisy_per_km) < 5.0


def test_the_sky_and_points_behind_have_no_ground(real_terrain_crop: Terrain) -> None:
    pose, _, _ = summit_camera(real_terrain_crop)
    assert pixel_to_ground(real_terrain_crop, pose, 960, 0) is None  # well above the horizon
    behind = CameraPose(pose.lon, pose.lat, 15, (pose.azimuth_deg + 180) % 360, -6, 60, 1920, 1080)
    assert ground_to_pixel(real_terrain_crop, behind, pose.lon + 0.0, pose.lat + 0.0) is None


def test_a_homography_from_surveyed_points() -> None:
    # a flat car park seen from above at an angle: four corners surveyed, the middle follows
    true = np.array([[2.0e-6, 1.0e-7, -71.30], [-5.0e-8, -2.0e-6, 44.27], [1.0e-5, 2.0e-5, 1.0]])
    pixels = [(100.0, 100.0), (1800.0, 120.0), (1700.0, 1000.0), (150.0, 950.0), (900.0, 500.0)]
    lonlats = []
    for u, v in pixels:
        p = true @ np.array([u, v, 1.0])
        lonlats.append((p[0] / p[2], p[1] / p[2]))
    h = Homography.from_points(pixels[:4], lonlats[:4])
    lon, lat = h.to_lonlat(*pixels[4])
    assert abs(lon - lonlats[4][0]) < 1e-6 and abs(lat - lonlats[4][1]) < 1e-6  # ~0.1 m
    with pytest.raises(GeoError, match="at least 4 surveyed points"):
        Homography.from_points(pixels[:3], lonlats[:3])


def test_the_locate_hook_puts_a_pixel_where_its_ray_meets_flat_ground() -> None:
    from ridgeline.vision.geo import ground_locator

    from ..conftest import flat_terrain

    t = flat_terrain()  # 3 km square at 100 m, UTM 19N
    cx, cy = t.transform @ (50.5, 50.5)
    lon, lat = t.to_lonlat(cx, cy)
    locate = ground_locator(CameraPose(lon, lat, 20.0, 0.0, -10.0, 60.0, 640, 360), t)
    ground = locate(320.0, 180.0)  # the image centre: straight ahead, 10 degrees down
    assert ground is not None
    gx, gy = t.to_map(*ground)
    # 20 m / tan(10 deg) = 113.4 m due north (the earth's curvature moves it by centimetres)
    assert gx == pytest.approx(cx, abs=0.05) and gy - cy == pytest.approx(20.0 / math.tan(math.radians(10)), abs=0.3)
    assert locate(320.0, 0.0) is None  # 7 degrees above the horizon: sky
    far_lon, far_lat = t.to_lonlat(cx + 10_000, cy)
    with pytest.raises(GeoError, match="outside the terrain"):
        ground_locator(CameraPose(far_lon, far_lat, 20.0, 0.0, -10.0, 60.0, 640, 360), t)
