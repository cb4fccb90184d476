"""Every unit's ETA on the example sector's terrain, with the sector's own roads: the truck that
crosses country to an alert gets there sooner once a road runs from its base to the scene, and
a roads file that cannot be read is an error naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ridgeline.app.responders import SectorResponders
from ridgeline.app.units import define_units
from ridgeline.config import load_sector
from ridgeline.errors import RouteError

from ..alerting import Centre

TRUCK_BASE = (-71.1740, 44.3690)  # truck-1's home in the example sector
SCENE = (-71.2300, 44.3300)


def test_a_road_in_the_sector_speeds_the_truck_up(tmp_path: Path, example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    centre = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    define_units(centre.store, sector.units, sector.unit_statuses)
    alert = centre.alert_of(centre.feed("walker-1", 0, lon=SCENE[0], lat=SCENE[1]))
    across = {e.unit.id: e.minutes for e in SectorResponders(sector).etas(centre.store, alert).etas}
    road = tmp_path / "roads.geojson"
    road.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "LineString", "coordinates": [list(TRUCK_BASE), [-71.20, 44.35], list(SCENE)]}}))
    with_road = sector.model_copy(update={"roads": str(road)})
    on_road = {e.unit.id: e.minutes for e in SectorResponders(with_road).etas(centre.store, alert).etas}
    print(f"truck-1 to the scene: {across['truck-1']:.1f} min across country, {on_road['truck-1']:.1f} min by road")
    assert across["truck-1"] is not None and on_road["truck-1"] is not None
    assert on_road["truck-1"] < across["truck-1"] / 2
    assert on_road["drone-1"] == across["drone-1"]  # a drone flies over roads

    road.write_text("{not json")
    with pytest.raises(RouteError, match="sector roads file"):
        SectorResponders(with_road).etas(centre.store, alert)
    centre.close()
