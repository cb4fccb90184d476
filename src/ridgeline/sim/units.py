"""Simulated response units for the live demo: their GPS trackers, and their trips.

A unit waiting for work reports where it is (its base) now and then, as a tracker does.  A
unit an operator dispatches sets off: the simulator works out its fastest route to the alert
over the sector's terrain (on foot, by vehicle, by boat: the travel-time engine; a drone
flies straight) and moves it along that route, reporting positions as it goes — en route as
it leaves, on scene when it arrives.  Simulated time runs ``speedup`` times faster than the
wall clock, so that a two-hour climb is watched in two minutes.

It writes through the application layer as any position report does
(:func:`ridgeline.app.units.report_position`, source ``sim``; status changes by the actor
``sim``) and announces each change on the centre's live feed.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ridgeline.errors import RidgelineError
from ridgeline.model import Unit, UnitPosition, UnitStatus, utc_now

if TYPE_CHECKING:
    from ridgeline.app.changes import ChangeFeed
    from ridgeline.app.responders import SectorResponders
    from ridgeline.store.db import Store

log = logging.getLogger(__name__)


@dataclass
class Trip:
    """A unit's way to an alert: positions (lon, lat) and the simulated minutes at each, and when it left."""

    alert: str
    lonlat: np.ndarray  # (n, 2)
    minutes: np.ndarray  # (n,), from 0 at the start to the trip's length
    started: float  # time.monotonic() when it left

    def at(self, wall_s: float, speedup: float) -> tuple[float, float, bool]:
        """Where the unit is ``wall_s`` seconds after it left, and whether it has arrived."""
        m = wall_s * speedup / 60.0
        if m >= self.minutes[-1]:
            return float(self.lonlat[-1, 0]), float(self.lonlat[-1, 1]), True
        lon = float(np.interp(m, self.minutes, self.lonlat[:, 0]))
        lat = float(np.interp(m, self.minutes, self.lonlat[:, 1]))
        return lon, lat, False


class UnitSimulator:
    """The sector's units' trackers and trips, in a thread of their own (see the module)."""

    def __init__(self, store: Store, changes: ChangeFeed, responders: SectorResponders, period_s: float = 2.0,
                 speedup: float = 60.0) -> None:
        self.store = store
        self.changes = changes
        self.responders = responders
        self.period_s = period_s
        self.speedup = speedup
        self.trips: dict[str, Trip] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="unit-simulator", daemon=True)
        self.reported = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except RidgelineError as e:  # a unit or alert gone, a route that cannot be made: said, not fatal
                log.warning("unit simulator: %s", e)
            except Exception:  # a busy database, say: the demo's trackers carry on at the next step
                log.exception("unit simulator: a step failed")
            self._stop.wait(self.period_s)

    def step(self) -> None:
        """Move every unit once: along its trip if it is on one, else report it where it is."""
        from ridgeline.app.units import list_units

        for unit in list_units(self.store):
            self._move(unit)

    def _move(self, unit: Unit) -> None:
        from ridgeline.app.changes import unit_change
        from ridgeline.app.units import set_status

        going = unit.base in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE) and unit.alert is not None
        trip = self.trips.get(unit.id)
        if not going or unit.alert is None:
            self.trips.pop(unit.id, None)
            if unit.position_time is None and unit.position is not None and unit.position.lon is not None \
                    and unit.position.lat is not None:  # never reported: its tracker says where it waits
                self._report(unit, unit.position.lon, unit.position.lat)
            return
        if trip is None or trip.alert != unit.alert:
            trip = self._plan(unit, unit.alert)
            if trip is None:
                return
            self.trips[unit.id] = trip
            if unit.base == UnitStatus.DISPATCHED:
                self.changes.announce([unit_change(set_status(self.store, unit.id, UnitStatus.EN_ROUTE.value, "sim",
                                                              "left for the alert"))])
        lon, lat, arrived = trip.at(time.monotonic() - trip.started, self.speedup)
        self._report(unit, lon, lat)
        if arrived:
            self.trips.pop(unit.id, None)
            done = set_status(self.store, unit.id, UnitStatus.ON_SCENE.value, "sim", "arrived")
            self.changes.announce([unit_change(done)])

    def _report(self, unit: Unit, lon: float, lat: float) -> Unit | None:
        from ridgeline.app.changes import unit_change
        from ridgeline.app.units import report_position

        now, moved = report_position(self.store, UnitPosition(unit=unit.id, time=utc_now(), lon=lon, lat=lat), "sim")
        self.reported += 1
        if moved:
            self.changes.announce([unit_change(now)])
        return now if moved else None

    def _plan(self, unit: Unit, alert_id: str) -> Trip | None:
        """The unit's fastest way to the alert over the terrain (a drone: straight), or None."""
        from ridgeline.app.alerts import get_alert
        from ridgeline.dispatch.eta import MODE_OF_KIND
        from ridgeline.terrain.travel import Mode, drone_flight, travel_times

        where = get_alert(self.store, alert_id).alert.position
        start = unit.position
        if where is None or where.lon is None or where.lat is None or start is None or start.lon is None \
                or start.lat is None:
            return None
        mode = MODE_OF_KIND.get(unit.kind)
        responders = self.responders.responders()
        if mode is None:
            return None
        if mode is Mode.DRONE:
            flight = drone_flight(start.lon, start.lat, where.lon, where.lat,
                                  self.responders.drones.get(unit.id, responders.models.drone))
            return Trip(alert_id, np.array([[start.lon, start.lat], [where.lon, where.lat]]),
                        np.array([0.0, flight.minutes]), time.monotonic())
        surface = responders.surface(mode)
        origin = surface.cell(start.lon, start.lat, f"unit {unit.id}")
        goal = surface.cell(where.lon, where.lat, f"alert {alert_id}")
        times = travel_times(surface, origin, targets=[goal])
        if not math.isfinite(times.at(*goal)):
            log.warning("unit simulator: %s cannot reach alert %s by %s", unit.id, alert_id, mode.value)
            return None
        cells = times.path(*goal)
        lonlat = surface.terrain.lonlat_of_cells(cells)
        lonlat[0] = (start.lon, start.lat)
        lonlat[-1] = (where.lon, where.lat)
        minutes = times.minutes[cells[:, 0], cells[:, 1]]
        return Trip(alert_id, lonlat, minutes - minutes[0], time.monotonic())
