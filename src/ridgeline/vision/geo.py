"""Pixel to map: where on the ground a pixel lies, by a camera ray over the DEM or a homography.

``CameraPose`` is a pinhole camera on a mast: position, height above ground, azimuth
(degrees clockwise from north), tilt (degrees, negative looking down), horizontal field of
view and image size.  ``pixel_to_ground`` walks the ray through a pixel over the terrain
(half a cell at a time, then bisection) to where it first meets the ground, with the same
earth curvature and refraction as the viewshed; ``ground_to_pixel`` is the inverse
projection (and says whether the point is hidden).  Where the terrain is flat or a DEM is
too coarse, ``Homography`` maps image to map from four or more surveyed points.

The terrain is anything with ``elevation``, ``transform``, ``cell_size``, ``to_map`` and
``to_lonlat`` (the terrain engine's ``Terrain`` is one): vision does not import the terrain
engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

from ridgeline.errors import GeoError
from ridgeline.model.earth import MEAN_RADIUS_M

if TYPE_CHECKING:
    from affine import Affine

#: The refraction-corrected curvature the viewshed uses (GDAL's 0.85714), on the mean earth radius.
CURVATURE_COEFF = 0.85714


class HeightField(Protocol):
    """What pixel-to-map needs of the terrain."""

    @property
    def elevation(self) -> np.ndarray: ...

    @property
    def transform(self) -> Affine: ...

    @property
    def cell_size(self) -> float: ...

    def to_map(self, lon: float, lat: float) -> tuple[float, float]: ...

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]: ...



@dataclass(frozen=True)
class CameraPose:
    """A camera on a mast."""

    lon: float
    lat: float
    mast_height_m: float
    azimuth_deg: float
    tilt_deg: float
    hfov_deg: float
    width: int
    height: int

    @property
    def focal_px(self) -> float:
        return (self.width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Forward, right and up unit vectors in map coordinates (x east, y north, z up)."""
        yaw, pitch = math.radians(self.azimuth_deg), math.radians(self.tilt_deg)
        forward = np.array([math.sin(yaw) * math.cos(pitch), math.cos(yaw) * math.cos(pitch), math.sin(pitch)])
        right = np.array([math.cos(yaw), -math.sin(yaw), 0.0])
        up = np.cross(right, forward)
        return forward, right, up


def _height(terrain: HeightField, x: float, y: float) -> float:
    """Bilinear terrain height at map point (x, y); NaN outside or over voids."""
    col, row = ~terrain.transform @ (x, y)
    r, c = row - 0.5, col - 0.5
    r0, c0 = math.floor(r), math.floor(c)
    h, w = terrain.elevation.shape
    if not (0 <= r0 < h - 1 and 0 <= c0 < w - 1):
        return math.nan
    fr, fc = r - r0, c - c0
    z = terrain.elevation[r0 : r0 + 2, c0 : c0 + 2].astype(np.float64)
    return float((z[0, 0] * (1 - fc) + z[0, 1] * fc) * (1 - fr) + (z[1, 0] * (1 - fc) + z[1, 1] * fc) * fr)


def _eye(terrain: HeightField, pose: CameraPose) -> np.ndarray:
    x, y = terrain.to_map(pose.lon, pose.lat)
    ground = _height(terrain, x, y)
    if math.isnan(ground):
        raise GeoError(f"camera at lon {pose.lon:.5f}, lat {pose.lat:.5f} is outside the terrain")
    return np.array([x, y, ground + pose.mast_height_m])


def _above_ground(terrain: HeightField, eye: np.ndarray, p: np.ndarray) -> float:
    """How far point p is above the terrain, with the earth curving away from the eye."""
    ground = _height(terrain, float(p[0]), float(p[1]))
    d2 = float((p[0] - eye[0]) ** 2 + (p[1] - eye[1]) ** 2)
    return float(p[2]) - (ground - d2 * CURVATURE_COEFF / (2 * MEAN_RADIUS_M))


def pixel_to_ground(terrain: HeightField, pose: CameraPose, u: float, v: float,
                    max_range_m: float = 20_000.0) -> tuple[float, float] | None:
    """Lon/lat where the ray through pixel (u, v) meets the ground, or None (sky, off the DEM)."""
    forward, right, up = pose.axes()
    f = pose.focal_px
    ray = forward + right * ((u - pose.width / 2.0) / f) - up * ((v - pose.height / 2.0) / f)
    ray /= np.linalg.norm(ray)
    eye = _eye(terrain, pose)
    step = terrain.cell_size / 2.0
    t_prev = 0.0
    t = step
    while t <= max_range_m:
        above = _above_ground(terrain, eye, eye + t * ray)
        if math.isnan(above):
            return None
        if above <= 0.0:
            lo, hi = t_prev, t
            for _ in range(30):
                mid = (lo + hi) / 2.0
                if _above_ground(terrain, eye, eye + mid * ray) > 0.0:
                    lo = mid
                else:
                    hi = mid
            p = eye + hi * ray
            return terrain.to_lonlat(float(p[0]), float(p[1]))
        t_prev = t
        t += step
    return None


def ground_to_pixel(terrain: HeightField, pose: CameraPose, lon: float, lat: float) -> tuple[float, float] | None:
    """Pixel (u, v) where a ground point appears, or None (behind, outside the image, hidden)."""
    forward, right, up = pose.axes()
    eye = _eye(terrain, pose)
    x, y = terrain.to_map(lon, lat)
    ground = _height(terrain, x, y)
    if math.isnan(ground):
        return None
    d2 = (x - eye[0]) ** 2 + (y - eye[1]) ** 2
    target = np.array([x, y, ground - d2 * CURVATURE_COEFF / (2 * MEAN_RADIUS_M)])
    rel = target - eye
    depth = float(rel @ forward)
    if depth <= 0:
        return None
    f = pose.focal_px
    u = pose.width / 2.0 + f * float(rel @ right) / depth
    v = pose.height / 2.0 - f * float(rel @ up) / depth
    if not (0 <= u < pose.width and 0 <= v < pose.height):
        return None
    # hidden if the ray meets the ground well before the point
    hit = pixel_to_ground(terrain, pose, u, v, max_range_m=float(np.linalg.norm(rel)) + terrain.cell_size)
    if hit is None:
        return None
    hx, hy = terrain.to_map(*hit)
    if math.hypot(hx - x, hy - y) > 2 * terrain.cell_size:
        return None
    return u, v


def ground_locator(pose: CameraPose, terrain: HeightField,
                   max_range_m: float = 20_000.0) -> Callable[[float, float], tuple[float, float] | None]:
    """The pipeline's ``locate`` hook for a camera: pixel (u, v) -> lon/lat where its ray meets
    the ground, or None (sky, off the DEM).  Raises ``GeoError`` at once if the camera
    stands outside the terrain, rather than on the first event."""
    _eye(terrain, pose)

    def locate(u: float, v: float) -> tuple[float, float] | None:
        return pixel_to_ground(terrain, pose, u, v, max_range_m)

    return locate


@dataclass(frozen=True)
class Homography:
    """Image to map (lon/lat) through a plane fitted to surveyed points.

    Fitted on lon/lat relative to the points' mean, scaled to about a metre, so the solve
    is well conditioned.
    """

    matrix: np.ndarray
    origin: tuple[float, float]
    scale: float = 1e5

    @classmethod
    def from_points(cls, pixels: list[tuple[float, float]], lonlats: list[tuple[float, float]]) -> Homography:
        if len(pixels) != len(lonlats) or len(pixels) < 4:
            raise GeoError(f"a homography needs at least 4 surveyed points with pixels, got {len(pixels)}")
        ll = np.asarray(lonlats, dtype=np.float64)
        origin = ll.mean(axis=0)
        local = (ll - origin) * cls.scale
        m, _ = cv2.findHomography(np.asarray(pixels, dtype=np.float64), local)
        if m is None:
            raise GeoError("the surveyed points are degenerate (collinear?): no homography")
        return cls(m, (float(origin[0]), float(origin[1])))

    def to_lonlat(self, u: float, v: float) -> tuple[float, float]:
        p = self.matrix @ np.array([u, v, 1.0])
        return (self.origin[0] + float(p[0] / p[2]) / self.scale, self.origin[1] + float(p[1] / p[2]) / self.scale)
