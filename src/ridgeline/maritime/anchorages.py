"""Ports, anchorages and berths: listed by the operator, built in, or learned from where vessels stop.

Harbours and anchorages are full of vessels standing close together doing nothing wrong; an
encounter or a landing there is a port call.  Three sources say where they are:

- the sector's own ports (``listed``), each with its radius or the zone's ``port_radius_m``;
- the World Port Index built in (``world``), each reaching as far as its harbour size says;
- places learned from stops (``learned``), on a metric grid, a cell counting with its eight
  neighbours (a harbour spreads over several cells).  Global Fishing Watch learns anchorages
  where many distinct vessels stop (``min_vessels``); a place where stops *recur* is a berth
  too: ``min_occasions`` stops there that do not overlap in time, by any vessels, the same one
  included.  A vessel that comes back to the same spot keeps a mooring there, and a marina's
  few boats each come and go; two boats landing side by side are one occasion, not two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ridgeline.config.maritime import Port
from ridgeline.model.earth import MEAN_RADIUS_M

Source = Literal["listed", "world", "learned"]


@dataclass(frozen=True)
class Anchorage:
    """A place where stops are port calls: a listed port, a world port, or a learned anchorage or berth."""

    id: str
    lat: float
    lon: float
    radius_m: float | None
    learned: bool
    name: str | None = None
    vessels: int = 0
    source: Source = "listed"
    occasions: int = 0
    """For a learned place: separate stops there (stops that overlap in time count once)."""


@dataclass
class _Cell:
    vessels: set[int] = field(default_factory=set)
    lat_sum: float = 0.0
    lon_sum: float = 0.0
    stops: int = 0
    spans: list[tuple[float, float]] = field(default_factory=list)


def occasions(spans: list[tuple[float, float]]) -> int:
    """How many separate times stops happened: the groups of time spans that overlap one another."""
    count = 0
    until = -math.inf
    for start, end in sorted(spans):
        if start > until:
            count += 1
            until = end
        else:
            until = max(until, end)
    return count


@dataclass
class Anchorages:
    """Listed ports, world ports and places learned from stops, with distance queries."""

    ports: list[Port] = field(default_factory=list)
    learn: bool = True
    min_vessels: int = 4
    cell_m: float = 1000.0
    world: list[Port] = field(default_factory=list)
    min_occasions: int = 2
    _cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    _learned: dict[tuple[int, int], Anchorage] = field(default_factory=dict)
    _all: list[Anchorage] = field(default_factory=list)
    _lat: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _lon: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _radius: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _source: npt.NDArray[np.object_] = field(default_factory=lambda: np.zeros(0, object))

    def __post_init__(self) -> None:
        self._fixed = [Anchorage(p.id, p.lat, p.lon, p.radius_m, False, p.name, source="listed") for p in self.ports]
        self._fixed += [Anchorage(p.id, p.lat, p.lon, p.radius_m, False, p.name, source="world") for p in self.world]
        self._rebuild()

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        k = math.pi / 180.0 * MEAN_RADIUS_M
        return (math.floor(lat * k / self.cell_m), math.floor(lon * k * math.cos(math.radians(lat)) / self.cell_m))

    def add_stop(self, vessel: int, lat: float, lon: float, start: float | None = None,
                 end: float | None = None) -> Anchorage | None:
        """Count a stop (from ``start`` to ``end``, if known); the anchorage or berth it completes, if any.

        The same stop told twice (while it goes on, then when it ends) overlaps itself in time and
        counts once.
        """
        if not self.learn:
            return None
        key = self._cell(lat, lon)
        cell = self._cells.setdefault(key, _Cell())
        cell.vessels.add(vessel)
        cell.lat_sum += lat
        cell.lon_sum += lon
        cell.stops += 1
        if start is not None and end is not None:
            cell.spans.append((start, end))
        if key in self._learned:
            return None
        near: set[int] = set()
        spans: list[tuple[float, float]] = []
        slat = slon = 0.0
        count = 0
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                c = self._cells.get((key[0] + di, key[1] + dj))
                if c is not None:
                    near |= c.vessels
                    spans += c.spans
                    slat += c.lat_sum
                    slon += c.lon_sum
                    count += c.stops
        times = occasions(spans)
        if len(near) < self.min_vessels and times < self.min_occasions:
            return None
        self._learned[key] = Anchorage(
            id=f"anchorage-{key[0]}-{key[1]}", lat=slat / count, lon=slon / count, radius_m=None,
            learned=True, vessels=len(near), source="learned", occasions=times,
        )
        self._rebuild()
        return self._learned[key]

    def _rebuild(self) -> None:
        self._all = every = self._fixed + list(self._learned.values())
        self._lat = np.array([a.lat for a in every], np.float64)
        self._lon = np.array([a.lon for a in every], np.float64)
        self._radius = np.array([np.nan if a.radius_m is None else a.radius_m for a in every], np.float64)
        self._source = np.array([a.source for a in every], dtype=object)

    def all(self) -> list[Anchorage]:
        """Listed ports first, then world ports, then learned anchorages and berths."""
        return list(self._all)

    def _distances(self, lat: float, lon: float) -> npt.NDArray[np.float64]:
        p1 = np.radians(lat)
        p2 = np.radians(self._lat)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(self._lon - lon) / 2) ** 2
        return np.asarray(2 * MEAN_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))), np.float64)

    def nearest(self, lat: float, lon: float, source: Source | None = None) -> tuple[float, float, int]:
        """(distance in metres to the nearest one, of ``source`` if given, its own radius or NaN, its
        index in ``all()``) — inf if none."""
        if not len(self._lat):
            return math.inf, math.nan, -1
        d = self._distances(lat, lon)
        if source is not None:
            d = np.where(self._source == source, d, np.inf)
        k = int(np.argmin(d))
        if math.isinf(d[k]):
            return math.inf, math.nan, -1
        return float(d[k]), float(self._radius[k]), k

    def within(self, lat: float, lon: float, radius_m: float, source: Source | None = None) -> Anchorage | None:
        """The port, anchorage or berth (of ``source`` if given) this point is within (its own radius,
        else ``radius_m``), if any; of several, the one it is deepest in for its size (least distance
        over radius: a quay inside a big harbour is the quay)."""
        if not len(self._lat):
            return None
        d = self._distances(lat, lon)
        reach = np.where(np.isnan(self._radius), radius_m, self._radius)
        depth = np.where(reach > 0, d / np.maximum(reach, 1e-9), np.where(d == 0, 0.0, np.inf))
        if source is not None:
            depth = np.where(self._source == source, depth, np.inf)
        k = int(np.argmin(depth))
        return self._all[k] if depth[k] <= 1.0 else None
