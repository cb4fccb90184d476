"""Vessel positions as columns: what every input produces and every detector reads.

AIS arrives one message at a time but is judged in thousands; holding positions as numpy
columns lets the detectors run compiled over whole chunks instead of per message in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Positions:
    """A chunk of position reports: one row per report, times in seconds since 1970 (UTC).

    ``vessel`` is the MMSI for AIS and the track id for radar; ``sog_kn`` and ``cog_deg`` are
    NaN where the report does not say.
    """

    time: F64
    vessel: I64
    lat: F64
    lon: F64
    sog_kn: F32
    cog_deg: F32

    def __post_init__(self) -> None:
        n = len(self.time)
        for name in ("vessel", "lat", "lon", "sog_kn", "cog_deg"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Positions.{name} has {len(getattr(self, name))} rows, time has {n}")

    def __len__(self) -> int:
        return len(self.time)

    @staticmethod
    def empty() -> Positions:
        """No reports."""
        return Positions.from_lists([], [], [], [], [], [])

    @staticmethod
    def from_lists(
        time: list[float] | F64,
        vessel: list[int] | I64,
        lat: list[float] | F64,
        lon: list[float] | F64,
        sog_kn: list[float] | F32,
        cog_deg: list[float] | F32,
    ) -> Positions:
        """Columns from Python lists (or arrays), with the right dtypes."""
        return Positions(
            time=np.asarray(time, dtype=np.float64),
            vessel=np.asarray(vessel, dtype=np.int64),
            lat=np.asarray(lat, dtype=np.float64),
            lon=np.asarray(lon, dtype=np.float64),
            sog_kn=np.asarray(sog_kn, dtype=np.float32),
            cog_deg=np.asarray(cog_deg, dtype=np.float32),
        )

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Positions:
        """The rows at ``index`` (indices or a mask)."""
        return Positions(
            self.time[index], self.vessel[index], self.lat[index], self.lon[index],
            self.sog_kn[index], self.cog_deg[index],
        )

    def chunks(self, size: int) -> Iterator[Positions]:
        """The rows ``size`` at a time, in order, as a feed would deliver them."""
        for start in range(0, len(self), size):
            part = slice(start, start + size)
            yield Positions(
                self.time[part], self.vessel[part], self.lat[part], self.lon[part],
                self.sog_kn[part], self.cog_deg[part],
            )

    def bounds(self) -> tuple[float, float, float, float]:
        """The box the positions lie in: (west, south, east, north)."""
        return (float(self.lon.min()), float(self.lat.min()), float(self.lon.max()), float(self.lat.max()))

    def sorted_by_time(self) -> Positions:
        """The same rows, oldest first (stable, so equal times keep their order)."""
        order = np.argsort(self.time, kind="stable")
        return self.take(order)

    @staticmethod
    def concat(parts: list[Positions]) -> Positions:
        """All rows of ``parts``, in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Positions.empty()
        if len(parts) == 1:
            return parts[0]
        names = ("time", "vessel", "lat", "lon", "sog_kn", "cog_deg")
        return Positions(*(np.concatenate([getattr(p, f) for p in parts]) for f in names))


@dataclass
class VesselInfo:
    """What a vessel says about itself (AIS static data): never who is aboard."""

    mmsi: int
    name: str | None = None
    ship_type: str | None = None
    length_m: float | None = None
    width_m: float | None = None

    def merge(self, other: VesselInfo) -> None:
        """Fill what this one lacks from ``other`` (later static reports win where both say)."""
        for name in ("name", "ship_type", "length_m", "width_m"):
            value = getattr(other, name)
            if value not in (None, ""):
                setattr(self, name, value)


@dataclass
class PositionColumns:
    """Growing Python lists that become a ``Positions`` chunk: the readers' buffer."""

    time: list[float] = field(default_factory=list)
    vessel: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    sog_kn: list[float] = field(default_factory=list)
    cog_deg: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.time)

    def append(self, time: float, vessel: int, lat: float, lon: float, sog_kn: float, cog_deg: float) -> None:
        """One report."""
        self.time.append(time)
        self.vessel.append(vessel)
        self.lat.append(lat)
        self.lon.append(lon)
        self.sog_kn.append(sog_kn)
        self.cog_deg.append(cog_deg)

    def drain(self) -> Positions:
        """Everything buffered, as columns; the buffer is empty afterwards."""
        out = Positions.from_lists(self.time, self.vessel, self.lat, self.lon, self.sog_kn, self.cog_deg)
        for name in ("time", "vessel", "lat", "lon", "sog_kn", "cog_deg"):
            getattr(self, name).clear()
        return out
