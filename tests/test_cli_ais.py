"""`ridgeline ais` end to end on shipped AIS data: table, events, GeoJSON, map; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from ridgeline.model import Event, Track
from tests.test_cli import one_line_error, run

DATA = Path(__file__).resolve().parent / "data" / "ais"


def test_ais_on_a_drifting_vessel_writes_events_geojson_and_map(tmp_path: Path) -> None:
    sector = tmp_path / "sector.yaml"
    code, output = run(
        "ais", str(DATA / "dma_drift_212123000.nmea"), "--events", str(tmp_path / "e.jsonl"),
        "--geojson", str(tmp_path / "b.geojson"), "--map", str(tmp_path / "m.png"),
    )
    assert code == 0, output
    assert "1 vessels" in output and "Summary" in output
    lines = [json.loads(x) for x in (tmp_path / "e.jsonl").read_text().splitlines()]
    events = [Event.model_validate(x["payload"]) for x in lines if x["type"] == "events"]
    tracks = {t.id: t for t in (Track.model_validate(x["payload"]) for x in lines if x["type"] == "tracks")}
    features = json.loads((tmp_path / "b.geojson").read_text())["features"]
    assert len(features) == len(events)
    for e in events:  # every event names its evidence, and the evidence travels with it
        assert e.object_class == "vessel" and e.object_id == "mmsi:212123000"
        for tid in str(e.detail["tracks"]).split(","):
            assert tracks[tid].points
    assert (tmp_path / "m.png").stat().st_size > 10_000
    assert not sector.exists()


def test_ais_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    one_line_error(*run("ais", str(tmp_path / "nope.nmea")), "nope.nmea", "not found")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    one_line_error(*run("ais", str(bad)), "bad.csv", "no column for time")
    one_line_error(*run("ais", str(bad), "--columns", "speed=a"), "unknown field 'speed'")
    empty = tmp_path / "garbage.nmea"
    empty.write_bytes(b"\x00\x01garbage\n!AIVDM,1,1,,A,zz,0*00\n")
    one_line_error(*run("ais", str(empty)), "no vessel positions", "checksum 1", "not_nmea 1")
    ports = tmp_path / "ports.geojson"
    ports.write_text("{}")
    one_line_error(*run("ais", str(DATA / "dma_drift_212123000.nmea"), "--ports", str(ports)), "ports.geojson")
