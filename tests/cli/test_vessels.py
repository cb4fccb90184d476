"""`ridgeline ais` end to end on shipped AIS data: table, events, GeoJSON, map; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from ridgeline.model import Event, Track

from .runner import one_line_error, run

DATA = Path(__file__).resolve().parents[1] / "data" / "ais"


def test_ais_on_a_drifting_vessel_writes_events_geojson_and_map(tmp_path: Path) -> None:
    sector = tmp_path / "sector.yaml"
    code, output = run(
        "ais", str(DATA / "dma_drift_212123000.nmea"), "--events", str(tmp_path / "e.jsonl"),
        "--geojson", str(tmp_path / "b.geojson"), "--map", str(tmp_path / "m.png"),
    )
    assert code == 0, output
    assert "1 vessels" in output and "Summary" in output and " landings, set aside: " in output
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


def test_ais_with_radar_finds_the_target_that_sends_no_ais(tmp_path: Path) -> None:
    from ridgeline.maritime.feeds import file_lines
    from ridgeline.maritime.nmea import NmeaDecoder

    decoder = NmeaDecoder()
    decoder.feed_lines(file_lines(DATA / "dma_drift_212123000.nmea"))
    p = decoder.take().sorted_by_time()
    radar = tmp_path / "radar.jsonl"
    with radar.open("w") as fh:  # one radar track 5 km south of the drifting tanker, one on top of it
        for k in range(0, len(p), 20):
            t, la, lo = float(p.time[k]), float(p.lat[k]), float(p.lon[k])
            fh.write(json.dumps({"track": "far", "time": t, "lat": la - 0.045, "lon": lo}) + "\n")
            fh.write(json.dumps({"track": "tanker", "time": t + 1, "lat": la, "lon": lo}) + "\n")
        fh.write("not json\n")
    code, output = run("ais", str(DATA / "dma_drift_212123000.nmea"), "--radar", str(radar), "--chunk", "1000",
                       "--geojson", str(tmp_path / "b.geojson"))
    assert code == 0, output
    kinds = [f["properties"]["kind"] for f in json.loads((tmp_path / "b.geojson").read_text())["features"]]
    assert kinds.count("dark_target") == 1


def test_ais_json_has_the_counts_and_every_behaviour(tmp_path: Path) -> None:
    code, output = run("ais", str(DATA / "dma_drift_212123000.nmea"), "--json", "--geojson", str(tmp_path / "b.json"))
    assert code == 0, output
    data = json.loads(output)
    features = json.loads((tmp_path / "b.json").read_text())["features"]
    assert data["vessels"] == 1 and data["lines"] > data["positions"] > 0
    assert len(data["behaviours"]) == len(features) == sum(data["counts"].values())
    assert data["behaviours"][0]["mmsi"] == [212123000] and data["files"] == {"geojson": str(tmp_path / "b.json")}
    # every stop is a landing or set aside for one reason, and the reasons are all there
    assert set(data["set_aside"]) >= {"listed_port", "world_port", "learned_berth", "on_land_uncertain", "too_long"}
    assert data["stops"] == data["counts"]["landing"] + sum(data["set_aside"].values())
