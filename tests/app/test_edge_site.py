"""Running an edge site: what runs for each configured sensor, and a masked camera through to the centre."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, select

from ridgeline.app.edge_site import Overrides, open_adapters, plan_site
from ridgeline.config import load_sector
from ridgeline.errors import ConfigError, DataFileNotFoundError
from ridgeline.maritime.geodesy import distance_m
from ridgeline.model import EventType, MessageType
from ridgeline.store.schema import messages
from ridgeline.vision.rules import LineRule
from tests.broker import free_port
from tests.conftest import HGT, ROOT, wait_for

ROAD = ROOT / "tests" / "data" / "video" / "road_640x360.avi"
WHOLE_FRAME = [[0, 0], [640, 0], [640, 360], [0, 360]]


def road_camera(sensor_id: str, masks: list[Any], source: str = str(ROAD)) -> dict[str, Any]:
    """A camera over the road clip with a line across the road (the cars cross it right to left)."""
    return {"id": sensor_id, "kind": "camera", "azimuth_deg": 200, "day_range_m": 500, "night_range_m": 100,
            "source": source, "lines": [{"id": "road", "points": [[320, 0], [320, 360]]}], "masks": masks,
            "min_height": 12}


def write_sector(tmp_path: Path, sites: dict[str, list[dict[str, Any]]]) -> Path:
    """A sector on the White Mountains DEM with these sites (id -> sensors), near Pinkham Notch."""
    raw = {
        "name": "road test",
        "terrain": {"dem": [str(HGT)]},
        "line": {"coordinates": [[-71.30, 44.25], [-71.20, 44.27]]},
        "sites": [{"id": site, "lon": -71.2531 + 0.01 * i, "lat": 44.2578, "sensors": sensors}
                  for i, (site, sensors) in enumerate(sites.items())],
    }
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_every_sensor_with_a_source_runs_as_configured(tmp_path: Path) -> None:
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "road.avi").write_bytes(ROAD.read_bytes())
    radar = {"id": "radar", "kind": "radar", "day_range_m": 9000, "night_range_m": 9000, "source": "simulate"}
    ir = {"id": "ir", "kind": "thermal", "azimuth_deg": 90, "day_range_m": 900, "night_range_m": 900,
          "source": "simulate"}
    idle = {"id": "idle", "kind": "camera", "azimuth_deg": 10, "day_range_m": 900, "night_range_m": 900}
    ais = {"id": "vhf", "kind": "ais", "day_range_m": 40000, "night_range_m": 40000, "source": "udp://127.0.0.1:1"}
    sector = load_sector(write_sector(tmp_path, {
        "mast": [road_camera("cam", [], "clips/road.avi"), idle, radar, ais, ir],
    }))
    runs = plan_site(sector, "mast")
    assert [(r.sensor, r.adapter) for r in runs] == [("cam", "video"), ("simulate", "simulate"), ("vhf", "ais")]
    assert runs[2].options["source"] == "udp://127.0.0.1:1" and runs[2].options["sensor"] == "vhf"
    assert runs[2].options["config"] is sector.maritime
    assert runs[0].options["source"] == str(tmp_path / "clips" / "road.avi")  # relative to the sector file
    assert runs[0].options["sensor"].id == "cam" and runs[0].options["model"] is None
    over = plan_site(sector, "mast", Overrides(video=str(ROAD), video_lines=(LineRule("l1", (0, 0), (9, 9)),)))
    assert [(r.sensor, r.adapter) for r in over] == [("mast-cam", "video")]
    assert over[0].options["lines"] == [LineRule("l1", (0, 0), (9, 9))]


def test_a_site_that_cannot_run_is_named(tmp_path: Path) -> None:
    idle = {"id": "idle", "kind": "camera", "azimuth_deg": 10, "day_range_m": 900, "night_range_m": 900}
    radar = {"id": "radar", "kind": "radar", "day_range_m": 9000, "night_range_m": 9000, "source": "plots.jsonl"}
    (tmp_path / "plots.jsonl").write_text("")
    sector = load_sector(write_sector(tmp_path, {
        "quiet": [idle], "lost": [road_camera("cam", [], "missing.avi")], "coast": [radar],
    }))
    with pytest.raises(ConfigError, match="site 'quiet' has no sensor with a source"):
        plan_site(sector, "quiet")
    with pytest.raises(ConfigError, match=r"site 'lost' sensor 'cam': source file not found: .*missing\.avi"):
        plan_site(sector, "lost")
    with pytest.raises(ConfigError, match="site 'coast' sensor 'radar': a radar plot file is judged with the "
                       "site's AIS receiver"):
        plan_site(sector, "coast")
    with pytest.raises(ConfigError, match=r"no site 'atlantis' \(sites: quiet, lost, coast\)"):
        plan_site(sector, "atlantis")
    with pytest.raises(ConfigError, match="at most one of"):
        plan_site(sector, "quiet", Overrides(simulate=True, ais="tcp://127.0.0.1:1"))


def test_adapters_already_open_are_closed_when_a_later_one_fails(tmp_path: Path) -> None:
    sector = load_sector(write_sector(tmp_path, {"mast": [road_camera("cam", [])]}))
    runs = plan_site(sector, "mast")
    runs.append(runs[0].__class__("broken", "video", {"source": str(tmp_path / "gone.avi")}))
    with pytest.raises(DataFileNotFoundError, match=r"gone\.avi: no such file"):
        open_adapters("mast", runs)


def _received(db: Path, site: str) -> list[tuple[str, dict[str, Any]]]:
    with create_engine(f"sqlite:///{db}").connect() as conn:
        rows = conn.execute(select(messages.c.type, messages.c.payload).where(messages.c.site == site)).all()
    return [(t, p) for t, p in rows]


def _crossings(db: Path, site: str) -> list[dict[str, Any]]:
    return [p for t, p in _received(db, site) if t == "events" and p["type"] == "line_crossing"]


def test_a_masked_camera_sends_nothing_and_an_open_one_its_crossings(tmp_path: Path) -> None:
    """``ridgeline serve`` + ``ridgeline edge SECTOR --site ID`` with no source option, through the broker."""
    sector = write_sector(tmp_path, {"masked": [road_camera("road-cam", [WHOLE_FRAME])],
                                     "open": [road_camera("road-cam", [])]})
    db, users, port = tmp_path / "centre.db", tmp_path / "users", free_port()
    cli = [sys.executable, "-m", "ridgeline.cli"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT),
                                                                   os.environ.get("PYTHONPATH", "")) if p)}
    serve = subprocess.Popen(
        [*cli, "serve", str(sector), "--db", f"sqlite:///{db}", "--users", str(users), "--embedded-port", str(port),
         "--http-port", str(free_port())],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "serve.log", "wb"), env=env,  # noqa: SIM115
    )
    try:
        assert wait_for(lambda: (users / "open.secret").is_file() and db.is_file(), timeout=60), (
            (tmp_path / "serve.log").read_text())
        for site in ("masked", "open"):
            done = subprocess.run(
                [*cli, "edge", str(sector), "--site", site, "--broker", f"mqtt://127.0.0.1:{port}",
                 "--password-file", str(users / f"{site}.secret"), "--outbox", str(tmp_path / f"{site}.outbox.db"),
                 "--exit-when-drained"],
                capture_output=True, text=True, timeout=180, env=env,
            )
            assert done.returncode == 0, done.stderr
            assert f"edge {site}: road-cam (video)" in done.stderr and "backlog 0" in done.stderr
        assert _crossings(db, "masked") == []  # motion only under the mask is never analysed
        crossings = _crossings(db, "open")
        assert len(crossings) == 5
        assert {(c["sensor"], c["zone"], c["detail"]["direction"]) for c in crossings} == {
            ("road-cam", "road", "right_to_left")}
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()


def test_a_placed_camera_puts_its_events_on_the_map(tmp_path: Path) -> None:
    camera = {**road_camera("cam", []), "tilt_deg": -12.0, "day_range_m": 3000}
    sector = load_sector(write_sector(tmp_path, {"mast": [camera]}))
    site = sector.sites[0]
    [adapter] = open_adapters("mast", plan_site(sector, "mast"))
    try:
        events = [body for kind, body in adapter.messages() if kind == MessageType.EVENTS
                  and body.type == EventType.LINE_CROSSING]
    finally:
        adapter.close()
    assert len(events) == 5
    for event in events:
        assert event.position is not None and event.position.lon is not None and event.position.lat is not None
        # where the ray through the car's foot meets the DEM: in front of the mast, within its reach
        away = distance_m(site.lat, site.lon, event.position.lat, event.position.lon)
        assert 10.0 < away < 3000.0
    with pytest.raises(ConfigError, match="tilt_deg: camera settings, but sensor 'radar' is a radar"):
        load_sector(write_sector(tmp_path, {"mast": [{"id": "radar", "kind": "radar", "day_range_m": 9000,
                                                      "night_range_m": 9000, "tilt_deg": -5}]}))


def test_a_radar_plot_file_is_judged_with_the_sites_ais(tmp_path: Path) -> None:
    from ridgeline.maritime.feeds import file_lines
    from ridgeline.maritime.nmea import NmeaDecoder

    ais_file = ROOT / "tests" / "data" / "ais" / "dma_drift_212123000.nmea"
    decoder = NmeaDecoder()
    decoder.feed_lines(file_lines(ais_file))
    p = decoder.take().sorted_by_time()
    with (tmp_path / "plots.jsonl").open("w") as fh:  # a radar track 5 km south of the tanker, one on top of it
        for k in range(0, len(p), 20):
            t, la, lo = float(p.time[k]), float(p.lat[k]), float(p.lon[k])
            fh.write(json.dumps({"track": "far", "time": t, "lat": la - 0.045, "lon": lo}) + "\n")
            fh.write(json.dumps({"track": "tanker", "time": t + 1, "lat": la, "lon": lo}) + "\n")
    vhf = {"id": "vhf", "kind": "ais", "day_range_m": 40000, "night_range_m": 40000, "source": str(ais_file)}
    radar = {"id": "radar", "kind": "radar", "day_range_m": 9000, "night_range_m": 9000, "source": "plots.jsonl"}
    sector = load_sector(write_sector(tmp_path, {"coast": [radar, vhf]}))
    runs = plan_site(sector, "coast")
    assert [(r.sensor, r.adapter) for r in runs] == [("vhf", "ais")]
    assert runs[0].options["radar"] == str(tmp_path / "plots.jsonl")
    [adapter] = open_adapters("coast", runs)
    try:
        events = [body for kind, body in adapter.messages() if kind == MessageType.EVENTS]
    finally:
        adapter.close()
    dark = {e.object_id for e in events if e.type == EventType.DARK_TARGET}
    assert len(dark) == 1 and next(iter(dark)).startswith("radar:")  # the far track; the tanker sends AIS
