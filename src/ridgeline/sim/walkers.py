"""Simulated sensor: people walking across the watched line, sensed where a site's sensors see.

Walkers start a few kilometres on one side of the line near the site and walk across it
at walking speed with a wandering heading.  Each tick (``tick_s`` of simulated time), a
walker inside a sensor's footprint (viewshed ∩ range ∩ field of view, from the coverage
engine) gives that sensor a detection; a step that crosses the line gives a ``line_crossing``
event from every sensor that sees the crossing.  As real sensors would, each sensor follows
the walker under its own object id and places it with its own error (``POSITION_ERROR_M``),
so the centre has to tell that two sensors' events are one walker.  Messages are paced at
``rate`` ticks per second of wall time, so a demo runs faster than real life.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from shapely.geometry import LineString, Point

from ridgeline.config.sector import Sector
from ridgeline.errors import ConfigError
from ridgeline.model import Detection, Event, EventType, ObjectClass, Position, Severity, new_id, utc_now
from ridgeline.model.envelope import MessageType
from ridgeline.model.sensor import SensorMessage
from ridgeline.terrain.coverage import load_sector_terrain
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.footprint import Footprint, sensor_footprint

#: Standard deviation of a sensor's position error, metres (a radar's or a camera's ray over the DEM).
POSITION_ERROR_M = 15.0


class WalkerAdapter:
    """Random walkers crossing the watched line, sensed by one site's sensors."""

    name = "simulate"

    def __init__(self, site: str, sector: Sector, rate: float = 2.0, walkers: int = 6, tick_s: float = 20.0,
                 seed: int | None = None, terrain: Terrain | None = None, **_: Any) -> None:
        match = [s for s in sector.sites if s.id == site]
        if not match:
            raise ConfigError(f"sector has no site {site!r}")
        self.site = match[0]
        self.rate = rate
        self.tick_s = tick_s
        self.terrain = terrain if terrain is not None else load_sector_terrain(sector)
        self.footprints: list[Footprint] = [sensor_footprint(self.terrain, self.site, s) for s in self.site.sensors
                                             if s.watches_ground]
        self.line = LineString([self.terrain.to_map(lon, lat) for lon, lat in sector.line_lonlat()])
        self.rng = np.random.default_rng(seed)
        self.site_xy = self.terrain.to_map(self.site.lon, self.site.lat)
        reach = max((s.day_range_m for s in self.site.sensors if s.watches_ground), default=2000.0)
        self.anchor = self.line.interpolate(self.line.project(Point(self.site_xy)))
        self.reach = max(reach, 1000.0)
        self.walkers = [self._spawn() for _ in range(walkers)]
        self._closed = threading.Event()

    def _spawn(self) -> dict[str, Any]:
        """A walker 1-3 km from the line, near where the line passes the site, heading across."""
        d = self.line.project(self.anchor) + self.rng.uniform(-self.reach, self.reach)
        d = min(max(d, 0.0), self.line.length)
        p = self.line.interpolate(d)
        q = self.line.interpolate(min(d + 10.0, self.line.length))
        tx, ty = q.x - p.x, q.y - p.y
        norm = math.hypot(tx, ty) or 1.0
        nx, ny = -ty / norm, tx / norm
        side = 1.0 if self.rng.random() < 0.5 else -1.0
        off = self.rng.uniform(1000.0, 3000.0)
        return {
            "id": new_id(), "x": p.x + side * nx * off, "y": p.y + side * ny * off,
            "heading": math.atan2(-side * ny, -side * nx), "speed": self.rng.uniform(0.8, 1.6),
            "travelled": 0.0, "limit": 2 * off + 1000.0,
        }

    def _seen_by(self, x: float, y: float) -> list[str]:
        """The sensors whose footprint holds the point."""
        if not self.terrain.contains(x, y):
            return []
        r, c = self.terrain.rowcol(x, y)
        seen = []
        for fp in self.footprints:
            h, w = fp.mask.shape
            if 0 <= r - fp.row0 < h and 0 <= c - fp.col0 < w and fp.mask[r - fp.row0, c - fp.col0]:
                seen.append(fp.sensor_id)
        return seen

    def _placed(self, x: float, y: float) -> Position:
        """Where a sensor puts the point: the truth and its error."""
        ex, ey = self.rng.normal(0.0, POSITION_ERROR_M, 2)
        lon, lat = self.terrain.to_lonlat(x + ex, y + ey)
        return Position(lon=lon, lat=lat)

    def messages(self) -> Iterator[SensorMessage]:
        start = time.monotonic()
        tick = 0
        while not self._closed.is_set():
            tick += 1
            # walkers move tick_s of simulated time per tick; what they cause is stamped with
            # the real clock, so the centre sees a live (time-lapse) scene, never the future
            clock = utc_now()
            for i, w in enumerate(self.walkers):
                x0, y0 = w["x"], w["y"]
                w["heading"] += self.rng.normal(0.0, 0.15)
                step = w["speed"] * self.tick_s
                w["x"] += step * math.cos(w["heading"])
                w["y"] += step * math.sin(w["heading"])
                w["travelled"] += step
                for sensor in self._seen_by(w["x"], w["y"]):
                    yield MessageType.DETECTIONS, Detection(
                        sensor=sensor, time=clock, object_class=ObjectClass.PERSON,
                        position=self._placed(w["x"], w["y"]), confidence=float(self.rng.uniform(0.6, 0.95)),
                    )
                crossing = LineString([(x0, y0), (w["x"], w["y"])]).intersection(self.line)
                if not crossing.is_empty:
                    cx, cy = crossing.centroid.x, crossing.centroid.y
                    direction = "left_to_right" if _side(self.line, x0, y0) > 0 else "right_to_left"
                    for sensor in self._seen_by(cx, cy):
                        yield MessageType.EVENTS, Event(
                            type=EventType.LINE_CROSSING, time=clock, severity=Severity.HIGH, sensor=sensor,
                            object_id=f"{sensor[:37]}:{w['id']}", object_class=ObjectClass.PERSON,
                            position=self._placed(cx, cy), detail={"direction": direction},
                        )
                if w["travelled"] > w["limit"]:
                    self.walkers[i] = self._spawn()
            if self.rate > 0:
                delay = start + tick / self.rate - time.monotonic()
                if delay > 0:
                    self._closed.wait(delay)

    def close(self) -> None:
        self._closed.set()


def _side(line: LineString, x: float, y: float) -> float:
    """Positive left of the line's direction at its nearest point, negative right."""
    d = line.project(Point(x, y))
    p = line.interpolate(d)
    q = line.interpolate(min(d + 1.0, line.length))
    return (q.x - p.x) * (y - p.y) - (q.y - p.y) * (x - p.x)
