"""Ports and anchorages: listed by the operator, or learned from where vessels stop.

Harbours and anchorages are full of vessels standing close together doing nothing wrong; an
encounter or a landing there is a port call.  Global Fishing Watch learns anchorages from
where many distinct vessels stop; so does this, on a metric grid: a cell where at least
``min_vessels`` different vessels have stopped becomes an anchorage at the mean stop place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ridgeline.config.maritime import Port
from ridgeline.model.earth import MEAN_RADIUS_M


@dataclass(frozen=True)
class Anchorage:
    """A place where stops are port calls."""

    id: str
    lat: float
    lon: float
    radius_m: float | None
    learned: bool
    name: str | None = None
    vessels: int = 0


@dataclass
class Anchorages:
    """Listed ports plus anchorages learned from stops, with distance queries."""

    ports: list[Port] = field(default_factory=list)
    learn: bool = True
    min_vessels: int = 4
    cell_m: float = 1000.0
    _cells: dict[tuple[int, int], tuple[set[int], float, float, int]] = field(default_factory=dict)
    _learned: dict[tuple[int, int], Anchorage] = field(default_factory=dict)
    _all: list[Anchorage] = field(default_factory=list)
    _lat: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _lon: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _radius: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        self._rebuild()

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        k = math.pi / 180.0 * MEAN_RADIUS_M
        return (math.floor(lat * k / self.cell_m), math.floor(lon * k * math.cos(math.radians(lat)) / self.cell_m))

    def add_stop(self, vessel: int, lat: float, lon: float) -> Anchorage | None:
        """Count a stop; the anchorage it completes, if this stop makes one.

        A harbour spreads over several grid cells, so a cell counts the distinct vessels that
        stopped in it and its eight neighbours.
        """
        if not self.learn:
            return None
        key = self._cell(lat, lon)
        vessels, slat, slon, count = self._cells.get(key, (set(), 0.0, 0.0, 0))
        vessels.add(vessel)
        self._cells[key] = (vessels, slat + lat, slon + lon, count + 1)
        if key in self._learned:
            return None
        near: set[int] = set()
        slat = slon = 0.0
        count = 0
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                cell = self._cells.get((key[0] + di, key[1] + dj))
                if cell is not None:
                    near |= cell[0]
                    slat += cell[1]
                    slon += cell[2]
                    count += cell[3]
        if len(near) < self.min_vessels:
            return None
        self._learned[key] = Anchorage(
            id=f"anchorage-{key[0]}-{key[1]}", lat=slat / count, lon=slon / count, radius_m=None,
            learned=True, vessels=len(near),
        )
        self._rebuild()
        return self._learned[key]

    def _rebuild(self) -> None:
        listed = [Anchorage(p.id, p.lat, p.lon, p.radius_m, False, p.name) for p in self.ports]
        self._all = every = listed + list(self._learned.values())
        self._lat = np.array([a.lat for a in every], np.float64)
        self._lon = np.array([a.lon for a in every], np.float64)
        self._radius = np.array([np.nan if a.radius_m is None else a.radius_m for a in every], np.float64)

    def all(self) -> list[Anchorage]:
        """Listed ports first, then learned anchorages."""
        return list(self._all)

    def nearest(self, lat: float, lon: float) -> tuple[float, float, int]:
        """(distance in metres to the nearest one, its own radius or NaN, its index) — inf if none."""
        if not len(self._lat):
            return math.inf, math.nan, -1
        p1 = np.radians(lat)
        p2 = np.radians(self._lat)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(self._lon - lon) / 2) ** 2
        d = 2 * MEAN_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        k = int(np.argmin(d))
        return float(d[k]), float(self._radius[k]), k

    def within(self, lat: float, lon: float, radius_m: float) -> Anchorage | None:
        """The port or anchorage this point is within (its own radius, else ``radius_m``), if any."""
        d, own, k = self.nearest(lat, lon)
        if k < 0:
            return None
        if d <= (own if not math.isnan(own) else radius_m):
            return self._all[k]
        return None
