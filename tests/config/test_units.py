"""Units, status names and the TAK server in the sector file: the example's load, and each
mistake names the file and the field (units by their id)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ridgeline.config import load_sector
from ridgeline.errors import ConfigError
from ridgeline.model import UnitKind, UnitStatus

from .test_sector import _write


def test_the_example_has_units_and_status_names(example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    assert [(u.id, u.kind) for u in sector.units] == [("patrol-1", UnitKind.FOOT), ("truck-1", UnitKind.VEHICLE),
                                                      ("drone-1", UnitKind.DRONE)]
    assert [u.shown_callsign for u in sector.units] == ["Patrol 1", "RIDGE-1", "Drone 1"]
    assert {s.name: s.base for s in sector.unit_statuses} == {"refuelling": UnitStatus.OUT_OF_SERVICE,
                                                              "searching": UnitStatus.ON_SCENE}
    assert sector.tak is None


def _unit(raw: dict[str, Any], **fields: Any) -> None:
    raw["units"].append({"id": "boat-9", "name": "Boat 9", "kind": "boat", "home_lon": -71, "home_lat": 44, **fields})


@pytest.mark.parametrize(("change", "says"), [
    (lambda r: _unit(r, endurance_min=30), "units[boat-9]: endurance_min: only a drone has an endurance"),
    (lambda r: _unit(r, kind="submarine"), "units[boat-9].kind: Input should be 'foot', 'vehicle', 'boat' or"),
    (lambda r: _unit(r, id="truck-1"), "units[truck-1].id: 'truck-1' is used by two units"),
    (lambda r: _unit(r, callsign="RIDGE-1"), "units[boat-9].callsign: 'RIDGE-1' is used by two units"),
    (lambda r: _unit(r, home_lat=95), "units[boat-9].home_lat: Input should be less than or equal to 90"),
    (lambda r: _unit(r, colour="red"), "units[boat-9].colour: unknown field"),
    (lambda r: r["unit_statuses"].append({"name": "available", "base": "out_of_service"}),
     "'available' is a base status and means itself"),
    (lambda r: r["unit_statuses"].append({"name": "refuelling", "base": "returning"}), "'refuelling' is named twice"),
    (lambda r: r.update(tak={"url": "http://tak.example:8087"}), "tak.url: expected tcp://HOST:PORT or udp://GROUP:PORT"),
    (lambda r: r.update(tak={"url": "tcp://tak.example"}), "give the port"),
])
def test_unit_mistakes_name_the_field(tmp_path: Path, example_sector_path: Path,
                                      change: Callable[[dict[str, Any]], None], says: str) -> None:
    path = _write(tmp_path, example_sector_path, change)
    with pytest.raises(ConfigError) as exc:
        load_sector(path)
    assert str(path) in str(exc.value) and says in str(exc.value), str(exc.value)


def test_a_tak_server_is_read(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r.update(tak={"url": "udp://239.2.3.1:6969"}))
    tak = load_sector(path).tak
    assert tak is not None and tak.address == ("udp", "239.2.3.1", 6969) and tak.stale_track_s == 120
