"""Use case: every unit's ETA to an alert over the sector's own terrain, the unit to send, and
several alerts shared out among the units at once.

The terrain engine times each unit by its kind (on foot over the terrain, vehicles, boats on
water, drones in a straight line: :mod:`ridgeline.dispatch.eta`); here the units and alerts
come from the centre's database and the terrain from the sector file, loaded once per centre
(:class:`SectorResponders`) and kept for every later question.  Only an *available* unit is
recommended or assigned; the others are timed too, so that an operator who overrides the
recommendation sees what it costs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ridgeline.model import Unit, UnitStatus

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector
    from ridgeline.dispatch.drone import DroneView
    from ridgeline.dispatch.eta import Responders, SceneEtas
    from ridgeline.store.db import Store


@dataclass(frozen=True)
class UnitEtaRow:
    """One unit's time to the alert: minutes (None: it cannot get there, ``reason`` says why)."""

    unit: Unit
    mode: str | None
    minutes: float | None
    straight_m: float | None
    reason: str | None
    recommended: bool
    view: DroneView | None = None
    """A drone's: whether it sees the alert from its planned hover point, else where to hover."""


@dataclass(frozen=True)
class AlertEtas:
    """Every unit's ETA to one alert, fastest first; the recommended (available, fastest) unit."""

    alert_id: str
    etas: list[UnitEtaRow]
    recommended: str | None
    reason: str | None = None
    """Why there are no ETAs at all (the alert has no map position), else None."""


@dataclass(frozen=True)
class PlannedDispatch:
    """Several alerts shared out: (alert, unit, minutes) chosen, and the alerts no unit can reach."""

    assignments: list[tuple[str, str, float]]
    unassigned: list[str]
    total_minutes: float


class SectorResponders:
    """The sector's terrain made ready for travel times once, for every later ETA."""

    def __init__(self, sector: Sector) -> None:
        from ridgeline.terrain.travel import DroneModel

        self.sector = sector
        self._lock = threading.Lock()
        self._responders: Responders | None = None
        default = DroneModel()
        #: each drone of the sector file at its own cruise speed and endurance
        self.drones = {u.id: DroneModel(cruise_speed_kmh=u.speed_kmh or default.cruise_speed_kmh,
                                        endurance_min=u.endurance_min or default.endurance_min)
                       for u in sector.units if u.kind.value == "drone"}

    def responders(self) -> Responders:
        """The sector's terrain as travel surfaces, with its roads and water (loaded at the first call)."""
        from ridgeline.app.planning import load_terrain
        from ridgeline.dispatch.eta import Responders
        from ridgeline.terrain.travel import read_lines, read_polygons

        with self._lock:
            if self._responders is None:
                s = self.sector
                roads = read_lines(s.path(s.roads), "sector roads file") if s.roads else None
                water = read_polygons(s.path(s.water), "sector water file") if s.water else None
                self._responders = Responders(load_terrain(s), paths=roads, water=water)
            return self._responders

    def _scene(self, store: Store, alert_id: str, units: list[Unit]) -> tuple[SceneEtas | None, str | None]:
        """The ``units``' ETAs to the alert, or None and why there are none."""
        from ridgeline.app.alerts import get_alert
        from ridgeline.dispatch.eta import Scene, etas_to_scene

        where = get_alert(store, alert_id).alert.position
        if where is None or where.lon is None or where.lat is None:
            return None, f"alert {alert_id} has no map position"
        responders = self.responders()
        with self._lock:  # one search at a time: the surfaces are shared
            return etas_to_scene(responders, units, Scene(alert_id, where.lon, where.lat), self.drones), None

    def etas(self, store: Store, alert_id: str) -> AlertEtas:
        """Every unit's ETA to the alert (``AlertNotFoundError`` if there is none)."""
        from ridgeline.app.units import list_units

        units = list_units(store)
        scene, reason = self._scene(store, alert_id, units)
        if scene is None:
            return AlertEtas(alert_id, [], None, reason)
        from ridgeline.dispatch.drone import drone_view
        from ridgeline.terrain.travel import Mode

        by_id = {u.id: u for u in units}
        best = next((e.unit_id for e in scene.etas if e.reachable and by_id[e.unit_id].base == UnitStatus.AVAILABLE),
                    None)
        terrain = self.responders().terrain
        rows = []
        for e in scene.etas:
            unit = by_id[e.unit_id]
            view = None
            where = unit.position
            if e.mode is Mode.DRONE and e.reachable and where is not None and where.lon is not None \
                    and where.lat is not None:
                view = drone_view(terrain, (where.lon, where.lat), (scene.scene.lon, scene.scene.lat))
            rows.append(UnitEtaRow(unit, e.mode.value if e.mode else None, e.minutes, e.straight_m, e.reason,
                                   e.unit_id == best, view))
        return AlertEtas(alert_id, rows, best)

    def plan(self, store: Store, alert_ids: list[str]) -> PlannedDispatch:
        """The available units shared out among the alerts so that the total time to reach them is
        least (the Hungarian method); an alert without a map position is left unassigned."""
        from ridgeline.app.units import list_units
        from ridgeline.dispatch.assign import assign_units

        free = [u for u in list_units(store) if u.base == UnitStatus.AVAILABLE]
        scenes: list[SceneEtas] = []
        unplaced: list[str] = []
        for alert_id in dict.fromkeys(alert_ids):
            scene, _reason = self._scene(store, alert_id, free)
            if scene is None:
                unplaced.append(alert_id)
            else:
                scenes.append(scene)
        plan = assign_units(scenes)
        return PlannedDispatch([(a.alert_id, a.unit_id, a.minutes) for a in plan.assignments],
                               [*plan.unassigned, *unplaced], plan.total_minutes)
