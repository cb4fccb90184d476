"""`ridgeline ais` end to end on shipped AIS data: table, events, GeoJSON, map; one-line errors."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ridgeline.model import Event, Track

from .runner import flat, one_line_error, run

DATA = Path(__file__).resolve().parents[1] / "data" / "ais"
STREAM = "dma_aislib_stream_2010-06-11.nmea"


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


def _shipped_vessels_as_csv(path: Path, name_of: Callable[[int, int], str] | None = None) -> dict[str, int]:
    """The shipped NMEA files' ship reports as one CSV, each MMSI written as ``name_of(mmsi, n)`` (n: 1, 2, …
    in order of first report), or as itself; the MMSI of each id written.

    The 28 s stream of 1,382 vessels is moved to the last minute of the drifting tanker's 14 hours, as
    one receiver would have heard both (four years of silence between them would read as AIS gaps).
    Only ships (MMSIs from 200000000 to 799999999) are written: the base stations and beacons among the
    reports are not vessels, and with their MMSIs hidden no reader could know it.
    """
    from ridgeline.maritime.positions import Positions
    from ridgeline.maritime.sources import AisSource

    drift, stream = AisSource(str(DATA / "dma_drift_212123000.nmea")), AisSource(str(DATA / STREAM))
    tanker, crowd = drift.read_file(), stream.read_file()
    shift = float(tanker.time.max()) - 60.0 - float(crowd.time.min())
    crowd = Positions(crowd.time + shift, crowd.vessel, crowd.lat, crowd.lon, crowd.sog_kn, crowd.cog_deg)
    statics = stream.statics | drift.statics
    p = Positions.concat([tanker, crowd]).sorted_by_time()
    p = p.take((p.vessel >= 200_000_000) & (p.vessel < 800_000_000))
    ids: dict[int, str] = {}
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(("time", "mmsi", "lat", "lon", "sog", "cog", "name"))
        for k in range(len(p)):
            m = int(p.vessel[k])
            if m not in ids:
                ids[m] = name_of(m, len(ids) + 1) if name_of else str(m)
            name = statics[m].name if m in statics and statics[m].name else ""
            out.writerow((float(p.time[k]), ids[m], float(p.lat[k]), float(p.lon[k]), float(p.sog_kn[k]),
                          float(p.cog_deg[k]), name))
    return {v: m for m, v in ids.items()}


def _found(data: dict[str, Any], mmsi_of: dict[str, int]) -> list[tuple[str, list[int], str, float]]:
    """Each behaviour as (kind, its vessels' MMSIs, start, hours), the ids mapped back to MMSIs."""
    return sorted((b["kind"], sorted(mmsi_of[i] for i in b["ids"]), b["start"], b["hours"])
                  for b in data["behaviours"])


@pytest.mark.parametrize("anonymise", [
    lambda m, n: str(n),  # 1..N, as many published track data sets
    lambda m, n: hashlib.sha256(str(m).encode()).hexdigest()[:16],  # hashed MMSIs
], ids=["one_to_n", "hashes"])
def test_ais_on_anonymised_ids_finds_the_vessels_and_behaviours_the_mmsis_find(
        tmp_path: Path, anonymise: Callable[[int, int], str]) -> None:
    real = _shipped_vessels_as_csv(tmp_path / "mmsi.csv")
    hidden = _shipped_vessels_as_csv(tmp_path / "anon.csv", anonymise)
    code, output = run("ais", str(tmp_path / "mmsi.csv"), "--json")
    assert code == 0, output
    with_mmsi = json.loads(output)
    code, output = run("ais", str(tmp_path / "anon.csv"), "--json")
    assert code == 0, output
    anonymised = json.loads(output)
    assert with_mmsi["vessels"] == anonymised["vessels"] == len(real) == 1383
    assert with_mmsi["dropped"] == anonymised["dropped"] == {"duplicate": 8}
    assert with_mmsi["counts"] == anonymised["counts"] and sum(anonymised["counts"].values()) == 1  # the drift
    assert _found(anonymised, hidden) == _found(with_mmsi, real) != []
    assert with_mmsi["ids"] == "mmsi" and with_mmsi["ids_note"] is None
    assert anonymised["ids"] == "id" and "ids are not MMSIs" in anonymised["ids_note"]
    (drifter,) = anonymised["behaviours"]
    assert drifter["mmsi"] is None and hidden[drifter["ids"][0]] == 212123000  # the id as the file wrote it
    code, output = run("ais", str(tmp_path / "anon.csv"))
    assert code == 0 and flat(output).count("ids are not MMSIs") == 1, output


def test_ais_on_a_file_whose_every_row_is_rejected_exits_with_the_reasons(tmp_path: Path) -> None:
    beacons = tmp_path / "beacons.csv"
    rows = [f"{1000 + k},992191001,55.0,10.0" for k in range(5)] + ["1000,2190067,55.1,10.0", "1001,219000001,95,10"]
    beacons.write_text("time,mmsi,lat,lon\n" + "\n".join(rows) + "\n")
    one_line_error(*run("ais", str(beacons)), "beacons.csv", "all 7 rows rejected: not_a_vessel 6, out_of_range 1")
