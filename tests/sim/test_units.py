"""Simulated units on the example sector's real terrain: a tracker reports where a waiting unit
is; a dispatched patrol sets off (en route), follows its fastest route over the terrain and is
on scene at the alert when the route's minutes have passed (at the simulator's speed-up); a
drone flies straight; each change is announced on the live feed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ridgeline.app.changes import ChangeFeed
from ridgeline.app.responders import SectorResponders
from ridgeline.app.units import define_units, dispatch, get_unit
from ridgeline.config import load_sector
from ridgeline.model import UnitStatus
from ridgeline.sim.units import UnitSimulator

from ..alerting import Centre


def test_a_dispatched_patrol_travels_its_route_and_arrives(tmp_path: Path, example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    centre = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    define_units(centre.store, sector.units, sector.unit_statuses)
    feed = ChangeFeed("test")
    heard: list[dict[str, object]] = []
    feed.listen(lambda text: heard.extend(json.loads(text)["changes"]))
    responders = SectorResponders(sector)
    alert = centre.alert_of(centre.feed("walker-1", 0, lon=-71.262, lat=44.262))
    etas = {e.unit.id: e for e in responders.etas(centre.store, alert).etas}
    minutes = etas["patrol-1"].minutes
    assert minutes is not None
    # one simulated trip takes 0.6 s of wall time
    sim = UnitSimulator(centre.store, feed, responders, speedup=minutes * 60 / 0.6)
    sim.step()  # every tracker says where its unit waits
    assert {c["id"] for c in heard if c["kind"] == "unit"} == {"patrol-1", "truck-1", "drone-1"}
    assert get_unit(centre.store, "patrol-1").unit.source == "sim"

    dispatch(centre.store, "patrol-1", "operator", alert_id=alert)
    home = get_unit(centre.store, "patrol-1").unit.position
    sim.step()
    leaving = get_unit(centre.store, "patrol-1").unit
    assert (leaving.status, leaving.alert) == (UnitStatus.EN_ROUTE.value, alert)
    time.sleep(0.3)
    sim.step()
    halfway = get_unit(centre.store, "patrol-1").unit
    assert halfway.position is not None and home is not None and halfway.position != home
    assert halfway.status == UnitStatus.EN_ROUTE.value
    time.sleep(0.4)
    sim.step()
    there = get_unit(centre.store, "patrol-1").unit
    assert there.status == UnitStatus.ON_SCENE.value
    assert there.position is not None
    assert (there.position.lon, there.position.lat) == pytest.approx((-71.262, 44.262))
    statuses = [c["data"]["status"] for c in heard if c["kind"] == "unit" and c["id"] == "patrol-1"]
    assert "en_route" in statuses and statuses[-1] == "on_scene"
    log = [(x.action, x.actor) for x in get_unit(centre.store, "patrol-1").log]
    assert ("en_route", "sim") in log and ("on_scene", "sim") in log
    centre.close()


def test_a_drone_flies_straight(tmp_path: Path, example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    centre = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    define_units(centre.store, sector.units, sector.unit_statuses)
    alert = centre.alert_of(centre.feed("walker-2", 0, lon=-71.30, lat=44.30))
    sim = UnitSimulator(centre.store, ChangeFeed("test"), SectorResponders(sector), speedup=1.0)
    dispatch(centre.store, "drone-1", "operator", alert_id=alert)
    sim.step()
    trip = sim.trips["drone-1"]
    assert trip.lonlat.shape == (2, 2) and trip.minutes[-1] > 0  # one straight leg
    sim.speedup = 1e9  # and it is there
    sim.step()
    drone = get_unit(centre.store, "drone-1").unit
    assert drone.status == UnitStatus.ON_SCENE.value and drone.position is not None
    assert (drone.position.lon, drone.position.lat) == pytest.approx((-71.30, 44.30))
    centre.close()
