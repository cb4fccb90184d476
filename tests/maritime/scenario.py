"""Vessel scenarios with known truth: a straight coast, vessels that move, meet, stop and go silent."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from affine import Affine

from ridgeline.maritime.geodesy import KNOT_MS
from ridgeline.maritime.positions import Positions
from ridgeline.maritime.radar import RadarPlots
from ridgeline.maritime.shore import Shore
from ridgeline.model.earth import MEAN_RADIUS_M

COAST_LAT = -45.0
"""Land north of this latitude, sea south of it, from 8°E to 12°E: a made-up coast in the open South
Atlantic, over 1,000 km from any port of the built-in World Port Index (and from any real land), so
neither the world ports nor the global land mask meet it."""
T0 = 1_700_000_000.0
M_PER_DEG = math.pi / 180 * MEAN_RADIUS_M


def coast() -> Shore:
    """A straight east-west coast at COAST_LAT on a 0.005° grid."""
    cell = 0.002
    west, north = 8.0, COAST_LAT + 1.0
    rows, cols = int(3.0 / cell), int(4.0 / cell)
    lat = north - (np.arange(rows) + 0.5) * cell
    land = np.repeat((lat > COAST_LAT)[:, None], cols, axis=1)
    return Shore.from_land_mask(land, Affine(cell, 0, west, 0, -cell, north))


def offshore(km: float) -> float:
    """The latitude ``km`` south of the coast."""
    return COAST_LAT - km * 1000 / M_PER_DEG


def move(lat: float, lon: float, metres_north: float, metres_east: float) -> tuple[float, float]:
    return lat + metres_north / M_PER_DEG, lon + metres_east / (M_PER_DEG * math.cos(math.radians(lat)))


@dataclass
class Voyage:
    """One vessel's reports, built leg by leg."""

    mmsi: int
    lat: float
    lon: float
    t: float = T0
    every_s: float = 60.0
    rows: list[tuple[float, int, float, float, float, float]] = field(default_factory=list)

    def leg(self, hours: float, knots: float, course_deg: float, report: bool = True) -> Voyage:
        """Steam (or drift) for ``hours``; silent if not ``report``."""
        steps = max(1, int(hours * 3600 / self.every_s))
        v = knots * KNOT_MS * self.every_s
        for _ in range(steps):
            self.lat, self.lon = move(self.lat, self.lon, v * math.cos(math.radians(course_deg)),
                                      v * math.sin(math.radians(course_deg)))
            self.t += self.every_s
            if report:
                self.rows.append((self.t, self.mmsi, self.lat, self.lon, knots, course_deg))
        return self

    def positions(self) -> Positions:
        t, v, la, lo, s, c = zip(*self.rows, strict=True)
        return Positions.from_lists(list(t), list(v), list(la), list(lo), list(s), list(c))


def write_csv(path: Path, *voyages: Voyage, ids: dict[int, str] | None = None,
              types: dict[int, str] | None = None) -> Path:
    """The voyages' reports as a receiver's CSV file, oldest first; ``ids`` writes vessels under other ids
    (an anonymised data set: ``1..N``, hashes), ``types`` adds a ship type column."""
    rows = sorted(r for v in voyages for r in v.rows)
    ids = ids or {}
    if types is None:
        path.write_text("time,mmsi,lat,lon,sog,cog\n" + "".join(
            f"{t},{ids.get(m, m)},{la:.7f},{lo:.7f},{s},{c}\n" for t, m, la, lo, s, c in rows))
        return path
    path.write_text("time,mmsi,lat,lon,sog,cog,ship_type\n" + "".join(
        f'{t},{ids.get(m, m)},{la:.7f},{lo:.7f},{s},{c},"{types.get(m, "")}"\n' for t, m, la, lo, s, c in rows))
    return path


def together(*voyages: Voyage) -> Positions:
    """All reports, in time order."""
    return Positions.concat([v.positions() for v in voyages]).sorted_by_time()


def radar_track(track: int, lat: float, lon: float, hours: float, knots: float, course_deg: float,
                every_s: float = 10.0, t0: float = T0) -> RadarPlots:
    """A radar track moving straight."""
    n = int(hours * 3600 / every_s)
    t = t0 + every_s * np.arange(1, n + 1)
    d = knots * KNOT_MS * every_s * np.arange(1, n + 1)
    la = lat + d * math.cos(math.radians(course_deg)) / M_PER_DEG
    lo = lon + d * math.sin(math.radians(course_deg)) / (M_PER_DEG * math.cos(math.radians(lat)))
    return RadarPlots(np.full(n, track, np.int64), t, la, lo)


def chunks(positions: Positions, size: int) -> list[Positions]:
    """The reports cut into chunks of ``size``, as a live feed would deliver them."""
    return list(positions.chunks(size))
