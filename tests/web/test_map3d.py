"""The console's terrain, coverage and "view from the mast" in a real browser (Debian's
chromium, WebGL on the CPU through SwiftShader: ``--use-angle=swiftshader
--enable-unsafe-swiftshader``, as the ``browser`` fixture starts it) against a real centre that
serves the example sector's terrain tiles (built here at zooms 6-10, for speed) and its
coverage layers.  No request may leave 127.0.0.1 (the page fixture below fails the test)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ridgeline.app.coverage_layers import CoverageLayers
from ridgeline.app.tiles import build_terrain_tiles
from ridgeline.config import load_sector
from ridgeline.config.sector import Sector
from ridgeline.model import Role

from .conftest import SCREENSHOTS, LiveCentre, guarded_page, log_in, running_centre
from .test_console import pixels

#: the colours coverage.js and mast.js draw with, as RGB
SEEN = (0x00, 0xF0, 0xB0)
BLIND = (0xFF, 0x2B, 0xD6)
MAST = (0xFF, 0x8C, 0x1A)
PERSON = (0xFF, 0x5C, 0xF0)  # tracks.js
#: the mast and sensor the camera is put on: Mount Willey's summit camera, looking at 300 degrees
MAST_SITE, MAST_SENSOR, AZIMUTH = "mt-willey", "cam", 300
MAST_PITCH = 84  # mast.js
#: every tile in, the camera still, and no redraw held back for live data (updates.js)
IDLE = ("() => { const m = window.ridgelineMap; return m && m.loaded() && m.areTilesLoaded() && !m.isMoving()"
        " && !window.ridgeline.updates.waiting; }")


@pytest.fixture(scope="module")
def sector(example_sector_path: Path) -> Sector:
    return load_sector(example_sector_path)


@pytest.fixture(scope="module")
def terrain_centre(tmp_path_factory: pytest.TempPathFactory, sector: Sector) -> Iterator[LiveCentre]:
    """The browser tests' centre, but serving the sector's terrain tiles and coverage layers."""
    tmp = tmp_path_factory.mktemp("map3d")
    tiles = build_terrain_tiles(sector, tmp / "terrain.pmtiles", max_zoom=10, threads=1)
    coverage = CoverageLayers(sector)
    assert coverage.wait(300) is not None
    with running_centre(tmp, sector, (Role.VIEWER, Role.OPERATOR), terrain_tiles=tiles.path,
                        coverage=coverage) as live:
        yield live


@pytest.fixture
def page(browser: Browser, terrain_centre: LiveCentre) -> Iterator[Page]:
    with guarded_page(browser, terrain_centre.url) as opened:
        # a 3D frame drawn by SwiftShader on two cores busy with the other test worker can take
        # longer than Playwright's 30 s default for a screenshot (seen once in a clean-clone run)
        opened.set_default_timeout(120_000)
        yield opened


def _image(png: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).astype(np.int16)


def _settled(page: Page) -> bytes:
    try:
        page.wait_for_function(IDLE, timeout=60_000)
    except PlaywrightTimeout:
        state = page.evaluate("""() => { const m = window.ridgelineMap; const out = {loaded: m.loaded(),
          tiles: m.areTilesLoaded(), moving: m.isMoving(), zoom: m.getZoom(), sources: {}};
          for (const [id, sc] of Object.entries(m.style.tileManagers || m.style.sourceCaches || {})) {
            const st = {}; for (const t of Object.values(sc._tiles || {})) st[t.state] = (st[t.state] || 0) + 1;
            out.sources[id] = st; }
          return out; }""")
        raise AssertionError(f"the map never settled: {state}") from None
    page.wait_for_timeout(300)  # the last frame drawn
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    return page.screenshot(clip=box)  # (a locator's screenshot waits for a "stable" box a 3D map may never give)


def _console_with_terrain(page: Page) -> list[Response]:
    """Log in and wait for the terrain and the coverage layers; the terrain tile answers seen."""
    tiles: list[Response] = []
    page.on("response", lambda r: tiles.append(r) if "/api/v1/tiles/terrain/" in r.url else None)
    log_in(page, "viewer")
    page.wait_for_selector("#map[data-terrain='served'][data-coverage='ready']", timeout=30_000)
    _settled(page)
    return tiles


def _metres(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Distance (m, haversine) and initial bearing (degrees) from a to b, (lon, lat)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    d = 2 * 6371008.8 * math.asin(math.sqrt(h))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return d, (math.degrees(math.atan2(y, x)) + 360) % 360


def test_the_terrain_and_coverage_layers_are_drawn_in_2d(page: Page, terrain_centre: LiveCentre) -> None:
    event = terrain_centre.stored_quietly("walker-9", lon=-71.16, lat=44.37)
    opened = terrain_centre.alert_of(event)
    tiles = _console_with_terrain(page)
    assert any(r.status == 200 and r.headers["content-type"] == "image/png" for r in tiles), \
        "no terrain tile was fetched"
    source = page.evaluate("() => { const s = window.ridgelineMap.getSource('terrain');"
                           " return {type: s.type, encoding: s.encoding, tileSize: s.tileSize}; }")
    assert source == {"type": "raster-dem", "encoding": "terrarium", "tileSize": 256}
    assert page.evaluate("() => window.ridgelineMap.getLayer('hillshade').type") == "hillshade"
    assert page.evaluate("() => window.ridgelineMap.getTerrain()") is None  # 2D until asked
    drawn = _settled(page)
    # the line's runs: seen and blind (the example sector's line is 40 % seen by day)
    assert pixels(drawn, SEEN) > 150, "no seen run of the line drawn"
    assert pixels(drawn, BLIND) > 150, "no blind run of the line drawn"

    # the layer switches: the line's coverage hidden, then shown again
    page.uncheck(".map3d-panel input[name='line']")
    hidden = _settled(page)
    assert pixels(hidden, SEEN) == 0 and pixels(hidden, BLIND) == 0
    page.check(".map3d-panel input[name='line']")
    assert pixels(_settled(page), BLIND) > 150

    # with an alert open beside it, for the eye
    page.click(f'#queue li[data-id="{opened}"]')
    page.wait_for_selector(f'#detail h3[data-id="{opened}"]')
    _settled(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-2d-coverage.png"))


def test_the_3d_view_renders_and_differs_from_the_flat_map(page: Page) -> None:
    _console_with_terrain(page)
    flat = _image(_settled(page))
    page.click("#toggle-3d")
    page.wait_for_selector("#map[data-view='3d']")
    assert page.evaluate("() => window.ridgelineMap.getTerrain().source") == "terrain-3d"
    assert page.evaluate("() => window.ridgelineMap.getPitch()") == pytest.approx(60, abs=0.5)
    raised = _image(_settled(page))
    assert raised.std() > 10, "the 3D canvas is blank (one colour)"
    assert len(np.unique(raised.reshape(-1, 3), axis=0)) > 1000, "the 3D canvas is nearly uniform"
    assert np.abs(raised - flat).mean() > 10, "the 3D view looks like the flat map"
    # a track's mark stands on the terrain: on Mount Washington's summit (1,917 m, raised 1.5 times)
    # it is drawn where the map projects the summit (drawn at sea level, it would miss this box)
    page.evaluate("""() => window.ridgeline.tracks.upsert({ kind: 'track', id: 'summit', site: 'mt-washington',
      data: { object_class: 'person', time: new Date().toISOString(), position: { lon: -71.3033, lat: 44.2706 } } })""")
    page.wait_for_function("() => window.ridgeline.tracks.marks.rendered().some((f) => f.properties.id === 'summit')")
    on_ground = _settled(page)
    x, y = page.evaluate("() => { const p = window.ridgelineMap.project([-71.3033, 44.2706]); return [p.x, p.y]; }")
    near = _image(on_ground)[round(y) - 5:round(y) + 6, round(x) - 5:round(x) + 6]
    assert (np.abs(near - np.array(PERSON[::-1])).max(axis=2) <= 10).sum() > 40, "the mark is not on the summit"
    # and back to the flat map
    page.click("#toggle-3d")
    page.wait_for_selector("#map[data-view='2d']")
    assert page.evaluate("() => [window.ridgelineMap.getTerrain(), window.ridgelineMap.getPitch()]") == [None, 0]


def test_view_from_the_mast_puts_the_camera_on_the_mast(page: Page, sector: Sector) -> None:
    from ridgeline.app.planning import load_terrain

    _console_with_terrain(page)
    page.select_option("#mast-select", f"{MAST_SITE}/{MAST_SENSOR}")
    page.wait_for_selector("#map[data-mast]")
    drawn = _settled(page)
    at = json.loads(page.locator("#map").get_attribute("data-mast") or "{}")
    site = next(s for s in sector.sites if s.id == MAST_SITE)
    sensor = next(x for x in site.sensors if x.id == MAST_SENSOR)
    assert sensor.azimuth_deg == AZIMUTH
    # the camera stands on the mast: the DEM's ground height there plus the mast's height
    terrain = load_terrain(sector)
    row, col = terrain.cell_of_lonlat(site.lon, site.lat)
    assert at["ground_m"] == pytest.approx(float(terrain.elevation[row, col]), abs=0.1)
    # (or the drawn terrain's, where its coarser mesh stands higher: never inside it)
    base = max(at["ground_m"], at["terrain_m"] if at["terrain_m"] is not None else at["ground_m"])
    assert at["altitude_m"] == pytest.approx(base + site.mast_height_m, abs=0.1)
    assert base - at["ground_m"] < 60  # the drawn terrain is the same DEM, a few cells coarser
    view = page.evaluate("() => { const m = window.ridgelineMap; const c = m.getCenter();"
                         " return {lon: c.lng, lat: c.lat, bearing: m.getBearing(), pitch: m.getPitch(),"
                         " elevation: m.getCenterElevation(), exaggeration: m.getTerrain().exaggeration}; }")
    assert (view["bearing"] + 360) % 360 == pytest.approx(AZIMUTH, abs=0.5)
    assert view["pitch"] == pytest.approx(MAST_PITCH, abs=0.5)
    assert view["exaggeration"] == 1  # true heights
    # the map's centre is where the line of sight from the mast meets the centre's height: along
    # the azimuth, (camera altitude - centre elevation) * tan(pitch) away
    far, towards = _metres((site.lon, site.lat), (view["lon"], view["lat"]))
    assert towards == pytest.approx(AZIMUTH, abs=1.0)
    expected = (at["altitude_m"] - view["elevation"]) * math.tan(math.radians(MAST_PITCH))
    assert far == pytest.approx(expected, rel=0.03)
    # the sensor's footprint, in its own colour, draped on the terrain
    assert pixels(drawn, MAST, tolerance=24) > 50, "the sensor's footprint is not drawn"
    image = _image(drawn)
    assert image.std() > 10
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-3d-mast.png"))
