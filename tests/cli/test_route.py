"""`ridgeline route` end to end on the Presidential Range, and its one-line errors for bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.app.routing import RouteRequest, plan_route
from ridgeline.cli.route import parse_lonlat
from ridgeline.errors import DataFileNotFoundError, RouteError
from ridgeline.terrain.dem import Terrain, load_stored_terrain, load_terrain, write_raster
from ridgeline.terrain.travel import DroneModel, Mode, TravelModels, read_lines, travel_surface, travel_times
from tests.conftest import HGT

from .runner import one_line_error, run

SUMMIT = "-71.3033,44.2706"
PINKHAM = "-71.2533,44.2573"
TRAIL = [(-71.2533, 44.2573), (-71.2700, 44.2620), (-71.2850, 44.2650), (-71.3033, 44.2706)]


@pytest.fixture(scope="module")
def dem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Presidential Range at 30 m in UTM 19N as a 16-bit GeoTIFF (taken as stored), a void patch
    in its north-west corner."""
    terrain = load_terrain([HGT], resolution=30.0, bounds_lonlat=(-71.36, 44.22, -71.22, 44.32))
    heights = np.round(np.nan_to_num(terrain.elevation, nan=-32768)).astype(np.int16)
    heights[:20, :20] = -32768
    path = tmp_path_factory.mktemp("route") / "presidential.tif"
    write_raster(path, heights, terrain, nodata=-32768)
    return path


def _geojson(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def _trail(tmp_path: Path) -> Path:
    return _geojson(tmp_path / "trail.geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "trail"},
         "geometry": {"type": "LineString", "coordinates": TRAIL}}]})


def test_route_writes_the_fastest_path_as_geojson(dem: Path, tmp_path: Path) -> None:
    out = tmp_path / "route.geojson"
    code, text = run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--out", str(out))
    assert code == 0, text
    feature = json.loads(out.read_text())
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
    props = feature["properties"]
    assert props["mode"] == "foot"
    terrain = load_stored_terrain(dem)
    assert terrain.elevation.dtype == np.int16  # as stored
    surface = travel_surface(terrain, Mode.FOOT)
    start, end = surface.cell(-71.2533, 44.2573), surface.cell(-71.3033, 44.2706)
    times = travel_times(surface, start)
    cells = times.path(*end)
    assert props["minutes"] == pytest.approx(times.at(*end), abs=1e-3)
    assert props["length_m"] == pytest.approx(times.length_m(cells), abs=0.1)
    coords = np.array(feature["geometry"]["coordinates"])
    assert len(coords) == len(cells)
    assert np.abs(coords[0] - (-71.2533, 44.2573)).max() < 4e-4  # within a 30 m cell of the ends
    assert np.abs(coords[-1] - (-71.3033, 44.2706)).max() < 4e-4
    assert 4500 < props["length_m"] < 6500 and 200 < props["minutes"] < 300
    assert f"foot route {props['minutes']:.1f} min, {props['length_m'] / 1000:.2f} km" in text
    # along a trail it is quicker, and the route keeps to it
    out_trail = tmp_path / "trail_route.geojson"
    code, text = run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--paths", str(_trail(tmp_path)),
                     "--out", str(out_trail))
    assert code == 0, text
    on_trail = json.loads(out_trail.read_text())["properties"]
    print(f"\nPinkham Notch -> Mt Washington on foot: {props['minutes']:.1f} min across country, "
          f"{on_trail['minutes']:.1f} min on the trail")
    assert on_trail["minutes"] < 0.75 * props["minutes"]


def test_drone_and_vehicle_routes(dem: Path, tmp_path: Path) -> None:
    out = tmp_path / "drone.geojson"
    code, text = run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--mode", "drone", "--out", str(out))
    assert code == 0, text
    feature = json.loads(out.read_text())
    assert feature["geometry"]["coordinates"] == [[-71.2533, 44.2573], [-71.3033, 44.2706]]
    assert feature["properties"]["mode"] == "drone"
    assert feature["properties"]["minutes"] == pytest.approx(feature["properties"]["length_m"] / 1000.0, abs=1e-3)
    code, text = run("route", str(dem), "--from", PINKHAM, "--to", "-71.2700,44.2620", "--mode", "vehicle",
                     "--paths", str(_trail(tmp_path)), "--out", str(tmp_path / "v.geojson"))
    assert code == 0, text
    assert json.loads((tmp_path / "v.geojson").read_text())["properties"]["mode"] == "vehicle"


def test_bad_points_modes_and_unreachable_targets_are_one_line_errors(dem: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "r.geojson")
    one_line_error(*run("route", str(dem), "--from", "71.3,north", "--to", SUMMIT, "--out", out), "--from", "LON,LAT")
    one_line_error(*run("route", str(dem), "--from", PINKHAM, "--to", "-71.3,95", "--out", out), "--to", "range")
    one_line_error(*run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--mode", "hovercraft", "--out", out),
                   "--mode", "hovercraft", "foot, vehicle, boat, drone")
    one_line_error(*run("route", str(dem), "--from", PINKHAM, "--to", "-71.6,44.27", "--out", out),
                   "--to point", "outside the DEM")
    terrain = load_stored_terrain(dem)
    void = "{:.5f},{:.5f}".format(*terrain.to_lonlat(*terrain.xy(5, 5)))
    one_line_error(*run("route", str(dem), "--from", void, "--to", SUMMIT, "--out", out), "--from point", "no data")
    one_line_error(*run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--mode", "boat", "--out", out),
                   "--from point", "on land")
    one_line_error(*run("route", str(tmp_path / "nope.tif"), "--from", PINKHAM, "--to", SUMMIT, "--out", out),
                   "nope.tif")
    # two lakes a boat cannot get between
    lakes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[lon - 0.003, lat - 0.002], [lon + 0.003, lat - 0.002], [lon + 0.003, lat + 0.002],
             [lon - 0.003, lat + 0.002], [lon - 0.003, lat - 0.002]]]}}
        for lon, lat in ((-71.2533, 44.2573), (-71.3033, 44.2706))]}
    water = str(_geojson(tmp_path / "lakes.geojson", lakes))
    one_line_error(*run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--mode", "boat", "--water", water,
                        "--out", out), "no boat route", "--from", "--to")
    code, text = run("route", str(dem), "--from", PINKHAM, "--to", "-71.2510,44.2580", "--mode", "boat",
                     "--water", water, "--out", out)
    assert code == 0, text
    assert math.isfinite(json.loads(Path(out).read_text())["properties"]["minutes"])
    # a drone beyond its endurance
    short = TravelModels(drone=DroneModel(endurance_min=3.0))
    with pytest.raises(RouteError, match="more than its endurance of 3 min"):
        plan_route(RouteRequest(dem, (-71.2533, 44.2573), (-71.3033, 44.2706), Path(out), "drone", models=short))


@pytest.mark.parametrize(("content", "needles"), [
    (None, ["--paths file", "does not exist"]),
    ("{not json", ["--paths file", "not GeoJSON"]),
    ('{"type": "Point", "coordinates": [-71.3, 44.27]}', ["geometry 1 is a Point", "expected a LineString"]),
    ('{"type": "FeatureCollection", "features": 3}', ["without a list of features"]),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}',
     ["feature 1 has no geometry"]),
    ('{"type": "LineString", "coordinates": [[-71.3, 44.27]]}', ["fewer than 2 points"]),
    ('{"type": "LineString", "coordinates": [[-71.3, 44.27], ["a", 44.2]]}', ["not [lon, lat]"]),
    ('{"type": "LineString", "coordinates": [[-71.3, 44.27], [-271.3, 44.2]]}', ["out of range"]),
])
def test_a_bad_paths_file_is_named(dem: Path, tmp_path: Path, content: str | None, needles: list[str]) -> None:
    paths = tmp_path / "paths.geojson"
    if content is not None:
        paths.write_text(content)
    one_line_error(*run("route", str(dem), "--from", PINKHAM, "--to", SUMMIT, "--paths", str(paths),
                        "--out", str(tmp_path / "r.geojson")), str(paths), *needles)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_lonlat_parses_or_says_which_option(text: str) -> None:
    try:
        lon, lat = parse_lonlat(text, "--from")
    except RouteError as e:
        assert str(e).startswith("--from: ")
    else:
        assert -180 <= lon <= 180 and -90 <= lat <= 90 and text.count(",") == 1


@given(st.floats(-180, 180), st.floats(-90, 90))
def test_lonlat_round_trips(lon: float, lat: float) -> None:
    assert parse_lonlat(f"{lon!r},{lat!r}", "--to") == (lon, lat)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-300, 300) | st.floats(allow_nan=False) | st.text(max_size=5)
    | st.sampled_from(["LineString", "MultiLineString", "Feature", "FeatureCollection", "Point"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "coordinates", "geometry", "features", "properties"]), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
@settings(max_examples=300, deadline=None)
def test_any_json_is_read_as_lines_or_refused_by_name(tmp_path_factory: pytest.TempPathFactory, data: object) -> None:
    path = tmp_path_factory.mktemp("paths") / "p.geojson"
    path.write_text(json.dumps(data))
    try:
        lines = read_lines(path, "--paths file")
    except RouteError as e:
        assert str(e).startswith(f"--paths file {path}: ")
    else:
        assert all(len(line) >= 2 and all(-180 <= p[0] <= 180 and -90 <= p[1] <= 90 for p in line)
                   for line in lines)


def test_a_missing_paths_file_is_a_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="--paths file"):
        read_lines(tmp_path / "none.geojson", "--paths file")


def test_a_void_cell_cannot_be_entered(dem: Path) -> None:
    terrain = load_stored_terrain(dem)
    surface = travel_surface(Terrain(terrain.elevation, terrain.transform, terrain.crs, nodata=terrain.nodata),
                             Mode.FOOT)
    assert not surface.passable[:20, :20].any() and surface.passable[20:, 20:].all()
