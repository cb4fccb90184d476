"""The console's files served at ``/`` under the Content-Security-Policy, beside the API, and the
sector's static layers for its map (``GET /api/v1/sector``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from ridgeline.api.console import CSP
from ridgeline.config import load_sector
from ridgeline.config.maritime import MaritimeConfig, MaritimeZone
from ridgeline.web import static_folder

from .conftest import Api

VENDOR = static_folder() / "vendor" / "maplibre-gl"


def test_the_console_is_served_under_the_policy(api: Api) -> None:
    page = api.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="app.js">' in page.text
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe" not in CSP and "frame-ancestors 'none'" in CSP
    assert page.headers["x-frame-options"] == "DENY"
    script = api.client.get("/vendor/maplibre-gl/maplibre-gl-worker.mjs")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.headers["content-security-policy"] == CSP
    # the API's answers are the API's: an unknown route is a JSON 404, not the page
    missing = api.client.get("/api/v1/no-such-route")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert api.client.get("/api/v1/alerts").status_code == 401  # the routes still come first
    with pytest.raises(WebSocketDisconnect), TestClient(api.client.app).websocket_connect("/anything"):
        pass


def test_the_vendored_maplibre_is_what_its_checksums_say() -> None:
    sums = dict(reversed(line.split("  ")) for line in (VENDOR / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css", "LICENSE.txt"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    version = (VENDOR / "VERSION").read_text().strip()
    assert f"v{version}/LICENSE.txt" in (VENDOR / "maplibre-gl.mjs").read_text()[:300]
    notice = (Path(__file__).resolve().parents[2] / "NOTICE").read_text()
    assert f"MapLibre GL JS {version}, BSD-3-Clause" in notice


def test_the_sector_layers_are_the_sector_files(api: Api, example_sector_path: Path) -> None:
    viewer = api.login("viewer")
    assert viewer.get("/api/v1/sector").status_code == 404  # started without a sector
    sector = load_sector(example_sector_path)
    api.ctx.sector = sector
    found = viewer.get("/api/v1/sector").json()
    assert found["name"] == "White Mountains (Presidential Range)"
    assert found["line"]["type"] == "LineString"
    assert found["line"]["coordinates"] == [list(p) for p in sector.line_lonlat()]
    assert [s["id"] for s in found["sites"]] == [s.id for s in sector.sites]
    gorham = next(s for s in found["sites"] if s["id"] == "gorham")
    assert (gorham["lon"], gorham["lat"], gorham["mast_height_m"]) == (-71.170, 44.375, 15)
    assert gorham["sensors"] == [{"id": "ptz", "kind": "ptz", "azimuth_deg": None, "fov_deg": 30.0,
                                  "day_range_m": 7000.0, "night_range_m": 3000.0}]
    assert found["zones"] == {"type": "FeatureCollection", "features": []}
    zone = MaritimeZone(id="lake", kind="restricted", polygon=[(-71.2, 44.3), (-71.1, 44.3), (-71.1, 44.35)])
    api.ctx.sector = sector.model_copy(update={"maritime": MaritimeConfig(zones=[zone])})
    [feature] = viewer.get("/api/v1/sector").json()["zones"]["features"]
    assert feature["properties"] == {"id": "lake", "kind": "restricted"}
    assert feature["geometry"] == {"type": "Polygon", "coordinates": [
        [[-71.2, 44.3], [-71.1, 44.3], [-71.1, 44.35], [-71.2, 44.3]]]}  # the ring closed
