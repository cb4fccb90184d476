"""Every unit's ETA to an alert, and the unit to send.

Units on the ground (on foot, in vehicles, in boats) are timed by one *reversed* search
per mode outward from the alert (:func:`ridgeline.terrain.travel.travel_times`), which
gives the time from every cell to the alert; it stops as soon as every unit's cell is
settled, so its cost is bounded by the farthest unit, not by the DEM.  Drones fly a
straight line at cruise speed and are out of reach past their endurance.  A unit that
cannot get there (no known position, off the DEM, on a void cell, a boat on land, no
path, a flight too long) is reported with the reason, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ridgeline.errors import RidgelineError
from ridgeline.model.domain import Unit
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.travel import (
    DroneModel,
    Mode,
    Surface,
    TravelModels,
    drone_flight,
    travel_surface,
    travel_times,
)

#: the mode each kind of unit travels in (``Unit.kind``)
MODE_OF_KIND: dict[str, Mode] = {
    "patrol": Mode.FOOT,
    "foot": Mode.FOOT,
    "vehicle": Mode.VEHICLE,
    "boat": Mode.BOAT,
    "drone": Mode.DRONE,
}


@dataclass(frozen=True)
class Scene:
    """Where a unit is wanted: an alert's id and position."""

    id: str
    lon: float
    lat: float


@dataclass(frozen=True)
class UnitEta:
    """One unit's time to a scene, or why it cannot get there."""

    unit_id: str
    mode: Mode | None
    minutes: float | None
    """None when the unit cannot reach the scene (``reason`` says why)."""
    straight_m: float | None
    """Straight-line (geodesic) distance to the scene, metres (None without a position)."""
    reason: str | None = None

    @property
    def reachable(self) -> bool:
        return self.minutes is not None


@dataclass(frozen=True)
class SceneEtas:
    """Every unit's ETA to one scene, fastest first (those that cannot reach it last)."""

    scene: Scene
    etas: list[UnitEta]
    settled_cells: dict[Mode, int] = field(default_factory=dict)
    """Cells each mode's search settled before it stopped (its cost)."""

    @property
    def recommended(self) -> UnitEta | None:
        """The unit with the lowest ETA; None when no unit can reach the scene."""
        return self.etas[0] if self.etas and self.etas[0].reachable else None

    def eta(self, unit_id: str) -> UnitEta:
        return next(e for e in self.etas if e.unit_id == unit_id)


class Responders:
    """The terrain made ready once per mode of travel, for the ETAs of many alerts."""

    def __init__(
        self,
        terrain: Terrain,
        models: TravelModels | None = None,
        paths: list[list[tuple[float, float]]] | None = None,
        water: list[list[list[tuple[float, float]]]] | None = None,
    ) -> None:
        self.terrain = terrain
        self.models = models or TravelModels()
        self._paths = paths
        self._water = water
        self._surfaces: dict[Mode, Surface] = {}

    def surface(self, mode: Mode) -> Surface:
        """The travel surface of a ground mode, made on first use."""
        if mode not in self._surfaces:
            self._surfaces[mode] = travel_surface(self.terrain, mode, self.models, self._paths, self._water)
        return self._surfaces[mode]


def etas_to_scene(responders: Responders, units: Sequence[Unit], scene: Scene,
                  drones: Mapping[str, DroneModel] | None = None) -> SceneEtas:
    """Every unit's ETA to ``scene``: one bounded reversed search per ground mode, straight flights for drones
    (each at its own speed and endurance where ``drones`` holds its model, by unit id; else the responders')."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    etas: list[UnitEta] = []
    by_mode: dict[Mode, list[tuple[Unit, float]]] = {}
    for unit in units:
        mode = MODE_OF_KIND.get(unit.kind)
        pos = unit.position
        if pos is None or pos.lon is None or pos.lat is None:
            etas.append(UnitEta(unit.id, mode, None, None, "no known position"))
            continue
        straight = float(geod.inv(pos.lon, pos.lat, scene.lon, scene.lat)[2])
        if mode is None:
            etas.append(UnitEta(unit.id, None, None, straight,
                                f"unknown kind {unit.kind!r} (known: {', '.join(MODE_OF_KIND)})"))
        elif mode is Mode.DRONE:
            model = (drones or {}).get(unit.id, responders.models.drone)
            flight = drone_flight(pos.lon, pos.lat, scene.lon, scene.lat, model)
            etas.append(UnitEta(unit.id, mode, flight.minutes, straight) if flight.within_endurance else UnitEta(
                unit.id, mode, None, straight,
                f"a {flight.minutes:.1f} min flight exceeds the drone's endurance of {model.endurance_min:g} min"))
        else:
            by_mode.setdefault(mode, []).append((unit, straight))
    settled: dict[Mode, int] = {}
    for mode, group in by_mode.items():
        found, settled[mode] = _ground_etas(responders.surface(mode), group, scene)
        etas.extend(found)
    etas.sort(key=lambda e: (e.minutes is None, e.minutes if e.minutes is not None else math.inf, e.unit_id))
    return SceneEtas(scene, etas, settled)


def _ground_etas(surface: Surface, group: list[tuple[Unit, float]], scene: Scene) -> tuple[list[UnitEta], int]:
    """The ETAs of one mode's units from one reversed search outward from the scene."""
    mode = surface.mode
    try:
        at = surface.cell(scene.lon, scene.lat, f"alert {scene.id}")
    except RidgelineError as e:
        return [UnitEta(u.id, mode, None, straight, str(e)) for u, straight in group], 0
    placed: list[tuple[Unit, float, tuple[int, int]]] = []
    etas: list[UnitEta] = []
    for unit, straight in group:
        pos = unit.position
        assert pos is not None and pos.lon is not None and pos.lat is not None
        try:
            placed.append((unit, straight, surface.cell(pos.lon, pos.lat, f"unit {unit.id}")))
        except RidgelineError as e:
            etas.append(UnitEta(unit.id, mode, None, straight, str(e)))
    if not placed:
        return etas, 0
    times = travel_times(surface, at, reverse=True, targets=[cell for _, _, cell in placed])
    for unit, straight, cell in placed:
        minutes = times.at(*cell)
        etas.append(UnitEta(unit.id, mode, minutes, straight) if math.isfinite(minutes) else UnitEta(
            unit.id, mode, None, straight, f"no {mode.value} route reaches alert {scene.id}"))
    return etas, times.settled
