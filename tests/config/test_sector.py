"""The sector file: the example loads; every kind of mistake names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeline.config import load_sector
from ridgeline.config.sector import read_line_geojson
from ridgeline.errors import ConfigError, DataFileNotFoundError, RidgelineError


def test_example_sector_loads(example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    assert 10 <= len(sector.sites) <= 15
    assert 2 <= len(sector.cell_towers) <= 3
    assert len(sector.line_lonlat()) >= 10
    kinds = {s.kind for site in sector.sites for s in site.sensors}
    assert kinds == {"camera", "thermal", "ptz", "radar"}


def _write(tmp_path: Path, example_sector_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(example_sector_path.read_text())
    raw["terrain"]["dem"] = [str(example_sector_path.parent / "N44W072.hgt")]
    raw["line"]["file"] = str(example_sector_path.parent / "line.geojson")
    change(raw)
    path = tmp_path / "sector.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_unknown_field_is_named(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["sites"][0].update(colour="red"))
    with pytest.raises(ConfigError) as exc:
        load_sector(path)
    assert str(path) in str(exc.value)
    assert "sites[shelburne].colour: unknown field" in str(exc.value)


def test_wrong_type_is_named(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["sites"][2].update(mast_height_m="tall"))
    with pytest.raises(ConfigError, match=r"sites\[mt-madison\]\.mast_height_m: .*number"):
        load_sector(path)


def test_evidence_may_not_outlive_the_events_it_shows(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path,
                  lambda r: r.update(retention={"snapshots_days": 400, "events_days": 365}))
    with pytest.raises(ConfigError, match=r"retention: .*snapshots_days \(400\) must not exceed events_days \(365\)"):
        load_sector(path)
    path = _write(tmp_path, example_sector_path, lambda r: r.update(retention={"events_days": 0}))
    with pytest.raises(ConfigError, match=r"retention\.events_days: .*greater than 0"):
        load_sector(path)


def test_missing_dem_is_named(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["terrain"].update(dem=["nowhere.hgt"]))
    with pytest.raises(DataFileNotFoundError, match=r"terrain\.dem: file not found: .*nowhere\.hgt"):
        load_sector(path)
    assert issubclass(DataFileNotFoundError, FileNotFoundError)


def test_bad_sensor_kind_and_range(tmp_path: Path, example_sector_path: Path) -> None:
    def change(r):  # type: ignore[no-untyped-def]
        r["sites"][0]["sensors"][0]["kind"] = "laser"
        r["sites"][1]["sensors"][0]["day_range_m"] = -5
    path = _write(tmp_path, example_sector_path, change)
    with pytest.raises(ConfigError) as exc:
        load_sector(path)
    assert "sites[shelburne].sensors[cam-w].kind" in str(exc.value)
    assert "sites[gorham].sensors[ptz].day_range_m" in str(exc.value)


def test_items_without_an_id_are_named_by_index(tmp_path: Path, example_sector_path: Path) -> None:
    def change(r):  # type: ignore[no-untyped-def]
        del r["cell_towers"][1]["id"]
        r["line"] = {"coordinates": [[-71.1, 44.3], [-71.2, 95.0]]}
    path = _write(tmp_path, example_sector_path, change)
    with pytest.raises(ConfigError) as exc:
        load_sector(path)
    assert "cell_towers[1].id: Field required" in str(exc.value)
    assert "line.coordinates[1][1]: Input should be less than or equal to 90" in str(exc.value)


def test_rules_and_maritime_items_are_named_by_id(tmp_path: Path, example_sector_path: Path) -> None:
    def change(r):  # type: ignore[no-untyped-def]
        r["rules"][1]["severity"] = "dire"
        r["maritime"] = {"zones": [{"id": "harbour", "kind": "watched", "polygon": [[10, 55], [11, 55]]}]}
    path = _write(tmp_path, example_sector_path, change)
    with pytest.raises(ConfigError) as exc:
        load_sector(path)
    assert "rules[night-movement].severity:" in str(exc.value)
    assert "maritime.zones[harbour].polygon:" in str(exc.value)


def test_fixed_camera_needs_an_azimuth(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["sites"][0]["sensors"][1].pop("azimuth_deg"))
    with pytest.raises(ConfigError, match=r"sites\[shelburne\]\.sensors\[ir\]\.azimuth_deg: required for a thermal"):
        load_sector(path)


def test_azimuth_optional_where_the_view_is_not_fixed(tmp_path: Path, example_sector_path: Path) -> None:
    def change(r):  # type: ignore[no-untyped-def]
        r["sites"][0]["sensors"][0].pop("azimuth_deg")
        r["sites"][0]["sensors"][0]["fov_deg"] = 360  # an all-round camera
        r["candidates"]["sensor"] = {"id": "cam", "kind": "camera", "fov_deg": 90, "day_range_m": 5000,
                                     "night_range_m": 0}  # the siting turns it to the line
    sector = load_sector(_write(tmp_path, example_sector_path, change))
    assert sector.sites[0].sensors[0].azimuth_deg is None
    assert sector.sites[1].sensors[0].kind == "ptz" and sector.sites[1].sensors[0].azimuth_deg is None
    assert sector.sites[2].sensors[0].kind == "radar" and sector.sites[2].sensors[0].azimuth_deg is None
    assert sector.candidates is not None and sector.candidates.sensor.azimuth_deg is None


def test_duplicate_sensor_ids_on_a_site(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["sites"][0]["sensors"][1].update(id="cam-w"))
    with pytest.raises(ConfigError, match=r"sites\[shelburne\]\.sensors\[cam-w\]: sensor id 'cam-w' is used twice"):
        load_sector(path)


def test_duplicate_site_ids(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["sites"][1].update(id=r["sites"][0]["id"]))
    with pytest.raises(ConfigError, match=r"sector\.yaml: sites\[shelburne\]: site id 'shelburne' is used twice"):
        load_sector(path)


def test_line_needs_one_source(tmp_path: Path, example_sector_path: Path) -> None:
    path = _write(tmp_path, example_sector_path, lambda r: r["line"].update(coordinates=[[-71.1, 44.3], [-71.2, 44.3]]))
    with pytest.raises(ConfigError, match="exactly one of"):
        load_sector(path)


def test_missing_sector_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="sector file not found"):
        load_sector(tmp_path / "none.yaml")


def test_not_yaml(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_sector(p)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_garbage_sector_files_give_config_errors(tmp_path: Path, blob: bytes | str) -> None:
    p = tmp_path / "fuzz.yaml"
    if isinstance(blob, bytes):
        p.write_bytes(blob)
    else:
        p.write_text(blob)
    with pytest.raises(RidgelineError):
        load_sector(p)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.recursive(
        st.none() | st.integers() | st.floats() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=12,
    )
)
def test_hostile_geojson_lines_give_config_errors(tmp_path: Path, doc: object) -> None:
    import json

    p = tmp_path / "line.geojson"
    p.write_text(json.dumps({"type": "Feature", "geometry": {"type": "LineString", "coordinates": doc}}))
    try:
        pts = read_line_geojson(p)
    except ConfigError:
        return
    assert len(pts) >= 2 and all(len(pt) == 2 for pt in pts)
