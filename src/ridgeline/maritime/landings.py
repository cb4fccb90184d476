"""Which stops are landings: a short stop at a shore where no ship has business.

Every stop the engine finds is judged here once it ends (and, provisionally, while it goes on);
a stop is a landing unless one of these reasons sets it aside, tried in this order, the first
that applies being the one counted:

``away_from_shore``     farther from shore than the zone's ``landing_max_shore_m``;
``listed_port``         within one of the sector's own ports;
``world_port``          within a World Port Index harbour;
``learned_berth``       within a place learned from stops (many vessels, or stops that recur);
``on_land_uncertain``   the land mask puts it on land, but within one cell's diagonal of water:
                        a harbour basin, a canal or a quay narrower than the mask's cells, where
                        the mask cannot say whether the shore is there;
``inland``              on land farther than that from any water the mask knows: a river, canal or
                        lake berth the mask lacks (a landing is at the sea's edge);
``ship_type``           a ship type that only berths in ports, or a port's own service craft;
``too_long``            longer than the zone's ``landing_max_duration_s``: a vessel stopped that
                        long is berthed, not landing.

The counts let a reader check that nothing was set aside for no reason: every stop judged is
either a landing or counted under exactly one reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ridgeline.maritime import _passes as P  # noqa: N812 (P.T_PORT… read as constants)
from ridgeline.maritime.anchorages import Anchorages
from ridgeline.maritime.shore import Shore
from ridgeline.maritime.stops import Stops

REASONS = ("away_from_shore", "listed_port", "world_port", "learned_berth", "on_land_uncertain", "inland",
           "ship_type", "too_long")
LABELS = {
    "away_from_shore": "away from the shore",
    "on_land_uncertain": "on land within mask uncertainty",
    "inland": "inland beyond it",
    "listed_port": "at a listed port",
    "world_port": "at a world port",
    "learned_berth": "at a learned berth",
    "ship_type": "by ship type",
    "too_long": "too long",
}
"""How each reason reads in a summary."""


@dataclass(frozen=True)
class StopPlace:
    """What is known of where and how long a vessel stopped, for judging it."""

    lat: float
    lon: float
    shore_m: float
    """Metres to shore (0 on land per the mask)."""
    duration_s: float
    ship_type: str
    """AIS ship type, lower case, '_' as space ('' if unknown)."""


@dataclass(frozen=True)
class LandingRules:
    """The zone's landing thresholds and what is known of the sector's shore and harbours."""

    anchorages: Anchorages
    shore: Shore | None
    ignore_types: Sequence[str]

    def reason(self, stop: StopPlace, max_shore_m: float, port_radius_m: float,
               max_duration_s: float) -> str | None:
        """Why this stop is not a landing (one of ``REASONS``), or None if it is one."""
        if stop.shore_m > max_shore_m:
            return "away_from_shore"
        for source in ("listed", "world", "learned"):
            if self.anchorages.within(stop.lat, stop.lon, port_radius_m, source) is not None:
                return {"listed": "listed_port", "world": "world_port", "learned": "learned_berth"}[source]
        if stop.shore_m == 0 and self.shore is not None:
            water = float(self.shore.water_distance_m(np.array([stop.lat]), np.array([stop.lon]))[0])
            return "on_land_uncertain" if water <= self.shore.cell_m else "inland"
        if stop.ship_type and any(word in stop.ship_type for word in self.ignore_types):
            return "ship_type"
        if stop.duration_s > max_duration_s:
            return "too_long"
        return None


def summary(counts: dict[str, int]) -> str:
    """``set aside: at a listed port 3, ...`` for the reasons that set any stop aside."""
    parts = [f"{LABELS[r]} {counts[r]}" for r in REASONS if counts.get(r)]
    return "set aside: " + (", ".join(parts) if parts else "none")


@dataclass(frozen=True)
class Judged:
    """One ended stop and the verdict on it (None: a landing)."""

    vessel: int
    start: float
    end: float
    place: StopPlace
    reason: str | None


@dataclass
class LandingJudge:
    """Judges the engine's stops chunk by chunk: each going-on stop once when first seen, each again
    when it ends (then counted: ``stop_count``, ``set_aside``).  A stop said to be a landing while it
    went on that ends set aside (it lasted too long, a berth was learned meanwhile) is ``withdrawn``:
    a batch drops its key; a live listener has heard it once.  ``on_judged`` hears every ended stop."""

    rules: LandingRules
    on_judged: Callable[[Judged], None] | None = None
    stop_count: int = 0
    set_aside: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    withdrawn: set[str] = field(default_factory=set)
    _seen: set[tuple[int, float]] = field(default_factory=set)
    _said: set[tuple[int, float]] = field(default_factory=set)

    def judge(self, stops: Stops, vessels: Sequence[int], shore_m: npt.NDArray[np.float64],
              zone: npt.NDArray[np.int64], table: list[list[float]], ship_types: Sequence[str]) -> list[int]:
        """The rows of ``stops`` that are landings (``vessels``, ``ship_types``: each row's MMSI and its
        AIS type, lower case; ``table``: each zone's thresholds)."""
        landings: list[int] = []
        for k in range(len(stops)):
            key = (int(stops.track[k]), float(stops.start[k]))
            ongoing = bool(stops.ongoing[k])
            if not ongoing:
                self.stop_count += 1
                self._seen.discard(key)
            elif key in self._seen:
                continue  # going on, judged when first seen
            else:
                self._seen.add(key)
            lat, lon = float(stops.lat[k]), float(stops.lon[k])
            start, end = float(stops.start[k]), float(stops.end[k])
            self.rules.anchorages.add_stop(vessels[k], lat, lon, start, end)
            z = table[int(zone[k])]
            place = StopPlace(lat, lon, float(shore_m[k]), end - start, ship_types[k])
            why = self.rules.reason(place, z[P.T_LAND_SHORE], z[P.T_PORT], z[P.T_LAND_MAX_T])
            if ongoing:
                if why is None:
                    self._said.add(key)
            else:
                said = key in self._said
                self._said.discard(key)
                if why is not None:
                    self.set_aside[why] += 1
                    if said:
                        self.withdrawn.add(landing_key(vessels[k], key[0], start))
                if self.on_judged is not None:
                    self.on_judged(Judged(vessels[k], start, end, place, why))
            if why is None:
                landings.append(k)
        return landings


def landing_key(vessel: int, track: int, start: float) -> str:
    """The behaviour key of the landing of a stop."""
    return f"landing:{vessel}:{track % 2}:{start:.0f}"
