"""What runs a sensor: a camera's source, lines, zones and masks load; every mistake is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ridgeline.config import load_sector
from ridgeline.config.sensors import source_kind
from ridgeline.errors import ConfigError
from tests.conftest import HGT


def write_sector(tmp_path: Path, *sensors: dict[str, Any]) -> Path:
    """A sector with one site (Pinkham Notch) carrying these sensors."""
    raw = {
        "name": "test",
        "terrain": {"dem": [str(HGT)]},
        "line": {"coordinates": [[-71.30, 44.25], [-71.20, 44.27]]},
        "sites": [{"id": "pinkham", "lon": -71.2531, "lat": 44.2578, "sensors": list(sensors)}],
    }
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def camera(**fields: Any) -> dict[str, Any]:
    return {"id": "road-cam", "kind": "camera", "azimuth_deg": 90, "day_range_m": 500, "night_range_m": 100,
            **fields}


def test_a_camera_with_everything_loads(tmp_path: Path) -> None:
    path = write_sector(
        tmp_path,
        camera(source="clips/road.avi", lines=[{"id": "mid", "points": [[320, 0], [320, 360]],
                                                "direction": "right_to_left"}],
               zones=[{"id": "yard", "polygon": [[0, 0], [100, 0], [100, 100]], "loiter_s": 30}],
               masks=[[[0, 0], [640, 0], [640, 40], [0, 40]]], profile="thermal", classes=["person"],
               min_speed=5, min_height=12, model="yolo.onnx", detect_fps=5),
        {"id": "ais", "kind": "ais", "day_range_m": 40000, "night_range_m": 40000, "source": "tcp://10.0.0.9:10110"},
        {"id": "radar", "kind": "radar", "day_range_m": 9000, "night_range_m": 9000, "source": "simulate"},
    )
    cam, ais, radar = load_sector(path).sites[0].sensors
    assert cam.lines[0].points == [(320.0, 0.0), (320.0, 360.0)] and cam.lines[0].direction == "right_to_left"
    assert cam.zones[0].loiter_s == 30 and cam.masks == [[(0, 0), (640, 0), (640, 40), (0, 40)]]
    assert [c.value for c in cam.classes] == ["person"] and cam.profile == "thermal"
    assert (source_kind(cam.source or ""), source_kind(ais.source or ""), source_kind(radar.source or "")) == (
        "file", "feed", "simulate")
    assert source_kind("rtsp://10.0.0.7/stream1") == "stream"


@pytest.mark.parametrize(
    ("sensor", "field", "message"),
    [
        (camera(lines=[{"id": "l", "points": [[0, 0]]}]), "points", "a line needs exactly 2 points"),
        (camera(lines=[{"id": "l", "points": [[0, 0], [1, 1], [2, 2]]}]), "points", "a line needs exactly 2 points"),
        (camera(lines=[{"id": "l", "points": [[5, 5], [5, 5]]}]), "points", "two points must differ"),
        (camera(lines=[{"id": "l", "points": [[-5, 0], [5, 5]]}]), "points", "greater than or equal to 0"),
        (camera(lines=[{"id": "l", "points": [[0, 0], [5, 5]], "colour": "red"}]), "colour", "unknown field"),
        (camera(lines=[{"id": "l", "points": [[0, 0], [5, 5]]}, {"id": "l", "points": [[1, 0], [5, 5]]}]),
         "road-cam", "id 'l' is used twice"),
        (camera(zones=[{"id": "z", "polygon": [[0, 0], [9, 9]]}]), "polygon", "a polygon needs at least 3"),
        (camera(masks=[[[0, 0], [640, 0], [640, 40]], [[0, 0], [9, 9]]]), "masks",
         "a polygon needs at least 3 [x, y] points, got 2"),
        (camera(masks=[[0, 0, 640, 0, 640, 40]]), "masks", "tuple"),
        (camera(profile="infrared"), "profile", "'default' or 'thermal'"),
        (camera(classes=["face"]), "classes", "'person', 'vehicle', 'vessel', 'animal' or 'motion'"),
        (camera(detect_fps=0), "detect_fps", "greater than 0"),
        (camera(source="ftp://cam/clip.avi"), "source", "unknown scheme ftp://"),
        (camera(source="tcp://10.0.0.9:10110"), "source 'tcp://10.0.0.9:10110' of camera 'road-cam'",
         "expected a video file, an rtsp:// or http:// stream"),
        (camera(source=""), "source", "source is empty"),
        ({"id": "radar", "kind": "radar", "day_range_m": 9000, "night_range_m": 9000,
          "masks": [[[0, 0], [9, 0], [9, 9]]], "profile": "thermal"},
         "radar", "masks, profile: camera settings, but sensor 'radar' is a radar"),
        ({"id": "radar", "kind": "radar", "day_range_m": 9000, "night_range_m": 9000, "detect_fps": 5},
         "radar", "detect_fps: camera settings, but sensor 'radar' is a radar"),
        ({"id": "ais", "kind": "ais", "day_range_m": 9000, "night_range_m": 9000, "source": "rtsp://cam/1"},
         "of ais 'ais'", "expected an NMEA or CSV file, or a tcp:// or udp:// feed"),
    ],
)
def test_bad_sensor_fields_are_named(tmp_path: Path, sensor: dict[str, Any], field: str, message: str) -> None:
    path = write_sector(tmp_path, sensor)
    with pytest.raises(ConfigError) as exc:
        load_sector(path)
    text = str(exc.value)
    assert str(path) in text and field in text and message in text, text
