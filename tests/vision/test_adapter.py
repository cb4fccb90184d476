"""The camera adapter built from a sector file's camera: masks, lines, zones and limits all apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ridgeline.config.sector import SensorConfig
from ridgeline.model import Event
from ridgeline.vision.adapter import VideoAdapter

ROAD = Path(__file__).resolve().parents[1] / "data" / "video" / "road_640x360.avi"


def events(**fields: Any) -> list[Event]:
    sensor = SensorConfig.model_validate({
        "id": "road-cam", "kind": "camera", "azimuth_deg": 200, "day_range_m": 500, "night_range_m": 100,
        "source": str(ROAD), "lines": [{"id": "road", "points": [[320, 0], [320, 360]]}], "min_height": 12,
        **fields,
    })
    adapter = VideoAdapter("mast", str(ROAD), sensor=sensor)
    try:
        got = list(adapter.messages())
    finally:
        adapter.close()
    assert {t.value for t, _ in got} <= {"events", "snapshots"}  # each event, and its masked snapshot
    return [e for _, e in got if isinstance(e, Event)]


def test_the_cameras_line_counts_the_cars_under_its_own_id() -> None:
    found = events()
    assert [(e.sensor, e.zone, e.detail["direction"]) for e in found] == [("road-cam", "road", "right_to_left")] * 5


def test_a_mask_over_the_road_hides_every_car_and_one_beside_it_none() -> None:
    assert events(masks=[[[0, 0], [640, 0], [640, 360], [0, 360]]]) == []
    beside = events(masks=[[[0, 0], [640, 0], [640, 40], [0, 40]]])  # the band above the road
    assert len(beside) == 5


def test_the_cameras_limits_and_direction_apply() -> None:
    assert events(min_speed=2000) == []  # no car moves 2,000 px/s
    assert events(classes=["person"]) == []  # motion is not a person
    assert events(lines=[{"id": "road", "points": [[320, 0], [320, 360]], "direction": "left_to_right"}]) == []
    zone = events(lines=[], zones=[{"id": "west", "polygon": [[0, 0], [320, 0], [320, 360], [0, 360]]}])
    assert len(zone) >= 5  # each car drives into the west half
    assert {(e.type.value, e.zone, e.sensor) for e in zone} == {("zone_intrusion", "west", "road-cam")}
