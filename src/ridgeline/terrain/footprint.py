"""Sensor footprints: viewshed ∩ range ∩ field of view.

A camera sees what the terrain lets it see (the viewshed from the top of its mast, for a
target of a person's height), no further than its detection range (by day or by night),
and only inside its field of view: an azimuth wedge for a fixed camera, the whole pan
range for a pan-tilt-zoom camera, all round for a radar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ridgeline.config.sector import SensorConfig, SiteConfig
from ridgeline.errors import ConfigError
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import DEFAULT_CURVATURE_COEFF, Observer, viewshed_window


@dataclass(frozen=True)
class Footprint:
    """Cells one sensor covers, as a boolean window placed at (row0, col0) of the grid."""

    site_id: str
    sensor_id: str
    mask: np.ndarray
    row0: int
    col0: int

    @property
    def cells(self) -> int:
        return int(self.mask.sum())


def sensor_range(sensor: SensorConfig, night: bool) -> float:
    """Detection range of a sensor by day or by night, metres (0: blind)."""
    return sensor.night_range_m if night else sensor.day_range_m


def wedge(sensor: SensorConfig) -> tuple[float, float] | None:
    """The clockwise azimuth interval [start, end] in degrees a sensor can look at; None = all round."""
    if sensor.kind == "radar" or sensor.fov_deg >= 360.0:
        return None
    half = sensor.fov_deg / 2.0
    if sensor.kind == "ptz":
        if sensor.pan_min_deg is None or sensor.pan_max_deg is None:
            return None
        span = (sensor.pan_max_deg - sensor.pan_min_deg) % 360.0 + sensor.fov_deg
        if span >= 360.0:
            return None
        return ((sensor.pan_min_deg - half) % 360.0, (sensor.pan_max_deg + half) % 360.0)
    if sensor.azimuth_deg is None:  # a sector file refuses this; a sensor built in code may not
        raise ConfigError(f"sensor {sensor.id}: a {sensor.kind} with fov_deg under 360 needs azimuth_deg")
    return ((sensor.azimuth_deg - half) % 360.0, (sensor.azimuth_deg + half) % 360.0)


def bearing_deg(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Bearing in degrees clockwise from north of map offsets (dx east, dy north)."""
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def in_wedge(bearing_deg: np.ndarray, interval: tuple[float, float] | None) -> np.ndarray:
    """Whether each bearing (degrees clockwise from north) lies in a clockwise interval."""
    if interval is None:
        return np.ones(bearing_deg.shape, dtype=bool)
    start, end = interval
    span = (end - start) % 360.0
    return ((bearing_deg - start) % 360.0) <= span


def sensor_footprint(
    terrain: Terrain,
    site: SiteConfig,
    sensor: SensorConfig,
    night: bool = False,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
) -> Footprint:
    """What one sensor covers over the terrain."""
    rng = sensor_range(sensor, night)
    row, col = terrain.cell_of_lonlat(site.lon, site.lat, what=f"site {site.id}")
    if rng <= 0:
        return Footprint(site.id, sensor.id, np.zeros((1, 1), dtype=bool), row, col)
    vis, row0, col0 = viewshed_window(
        terrain,
        Observer(
            row=row,
            col=col,
            height=site.mast_height_m,
            target_height=sensor.target_height_m,
            radius=rng,
        ),
        curvature_coeff,
    )
    mask = vis == 1
    interval = wedge(sensor)
    if interval is not None:
        rr, cc = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
        dx = (cc + col0 - col).astype(np.float64)
        dy = -(rr + row0 - row).astype(np.float64)
        mask &= in_wedge(bearing_deg(dx, dy), interval)
        mask[row - row0, col - col0] = True
    return Footprint(site.id, sensor.id, mask, row0, col0)
