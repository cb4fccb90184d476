"""``GET /api/v1/coverage``: the sector's coverage as GeoJSON layers for the console, computed
once in the background (503 with Retry-After until then), agreeing with the coverage engine."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from ridgeline.app.coverage_layers import CoverageLayers
from ridgeline.config import load_sector
from ridgeline.config.sector import Sector
from tests.conftest import wait_for

from .conftest import Api


@pytest.fixture(scope="module")
def example(example_sector_path: Path) -> Sector:
    return load_sector(example_sector_path)


def test_coverage_needs_a_sector_then_answers_503_until_computed(api: Api, example: Sector) -> None:
    viewer = api.login("viewer")
    assert viewer.get("/api/v1/coverage").status_code == 404  # started without a sector
    api.ctx.sector = example
    first = viewer.get("/api/v1/coverage")
    assert first.status_code == 503 and first.headers["Retry-After"] == "3"
    assert api.ctx.coverage is not None
    assert api.ctx.coverage.wait(300) is not None
    assert wait_for(lambda: viewer.get("/api/v1/coverage").status_code == 200)


def test_the_layers_agree_with_the_coverage_engine(example: Sector) -> None:
    from ridgeline.app.planning import compute_coverage, load_terrain

    layers = CoverageLayers(example).wait(300)
    assert layers is not None
    features = layers["features"]
    kinds = Counter((f["properties"]["layer"], f["properties"]["period"]) for f in features)
    assert set(kinds) == {("line", "day"), ("line", "night"), ("footprint", "day"), ("footprint", "night"),
                          ("coverage", "day"), ("mast", "any")}
    terrain = load_terrain(example)
    # each mast at its site, on the DEM's ground there
    masts = {f["properties"]["site"]: f for f in features if f["properties"]["layer"] == "mast"}
    assert list(masts) == [s.id for s in example.sites]
    for s in example.sites:
        row, col = terrain.cell_of_lonlat(s.lon, s.lat)
        assert masts[s.id]["geometry"]["coordinates"] == [s.lon, s.lat]
        assert masts[s.id]["properties"]["ground_m"] == pytest.approx(float(terrain.elevation[row, col]), abs=0.05)
        assert masts[s.id]["properties"]["mast_height_m"] == s.mast_height_m
    for period in ("day", "night"):
        result = compute_coverage(example, terrain, night=period == "night")
        runs = [f["properties"] for f in features if f["properties"]["layer"] == "line"
                and f["properties"]["period"] == period]
        # the runs cover the whole line, alternate seen/blind, and the seen share is the engine's
        total = sum(r["length_m"] for r in runs)
        assert total == pytest.approx(result.line_length_m, abs=0.1 * len(runs))
        assert all(a["seen"] != b["seen"] for a, b in pairwise(runs))
        seen = sum(r["length_m"] for r in runs if r["seen"])
        assert seen / total == pytest.approx(result.fraction_seen_by(1), abs=1e-3)
        blind = sorted((r["length_m"] for r in runs if not r["seen"]), reverse=True)
        assert blind[0] == pytest.approx(result.summary()["longest_blind_spot_m"], abs=0.1)
        assert all(r["max_count"] == 0 for r in runs if not r["seen"])
        assert all(r["min_count"] >= 1 for r in runs if r["seen"])
        assert layers["summary"][period]["covered_fraction"] == result.summary()["covered_fraction"]
    # every watching sensor has a day footprint, named by site and sensor
    sensors = {(site.id, s.id) for site in example.sites for s in site.sensors if s.watches_ground}
    day = {(f["properties"]["site"], f["properties"]["sensor"]) for f in features
           if f["properties"]["layer"] == "footprint" and f["properties"]["period"] == "day"}
    assert day == sensors
    # a mast's own cell is in one of its day footprints, and in a coverage polygon
    site = example.sites[0]
    here = Point(site.lon, site.lat)
    mine = [shape(f["geometry"]) for f in features if f["properties"]["layer"] == "footprint"
            and f["properties"]["period"] == "day" and f["properties"]["site"] == site.id]
    assert any(g.buffer(0.002).contains(here) for g in mine)
    counts = [f["properties"]["count"] for f in features if f["properties"]["layer"] == "coverage"
              and shape(f["geometry"]).buffer(0.002).contains(here)]
    assert counts and max(counts) >= 1
    assert {f["properties"]["count"] for f in features if f["properties"]["layer"] == "coverage"} <= {1, 2, 3}
