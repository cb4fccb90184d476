"""The operators' own offline base map (a raster PMTiles file named in the sector) is drawn
under everything, from the centre, with nothing fetched from elsewhere."""

from __future__ import annotations

from pathlib import Path

import cv2
import mercantile
import numpy as np
from playwright.sync_api import Page
from pmtiles.tile import Compression, TileType

from tests.app.test_tiles import write_archive
from tests.web.conftest import LiveCentre, log_in
from tests.web.test_console import pixels

#: the base map's one colour (BGR for OpenCV, RGB below): sienna, found nowhere else on the map
SIENNA = (160, 82, 45)


def test_a_raster_base_map_is_drawn_under_everything(page: Page, live_centre: LiveCentre, tmp_path: Path) -> None:
    ok, tile = cv2.imencode(".png", np.full((256, 256, 3), SIENNA[::-1], np.uint8))
    assert ok
    sector = live_centre.api.ctx.sector
    assert sector is not None
    lon, lat = sector.sites[0].lon, sector.sites[0].lat
    tiles = {}
    for z in range(4):  # zooms 0-3 only: MapLibre draws the deepest one stretched beyond
        t = mercantile.tile(lon, lat, z)
        tiles[(z, t.x, t.y)] = tile.tobytes()
    path = tmp_path / "base.pmtiles"
    write_archive(path, tiles, TileType.PNG, Compression.NONE, {"name": "base", "attribution": "test"})
    live_centre.api.ctx.basemap = path
    try:
        log_in(page, "viewer")
        page.wait_for_function("() => window.ridgeline?.map?.getLayer('basemap') !== undefined", timeout=10_000)
        order = page.evaluate("() => window.ridgeline.map.getStyle().layers.map((l) => l.id)")
        assert order[:2] == ["background", "basemap"]  # under every other layer
        page.wait_for_function("() => window.ridgeline.map.areTilesLoaded()", timeout=10_000)
        assert pixels(page.locator("#map canvas").screenshot(), SIENNA, tolerance=10) > 10_000
    finally:
        live_centre.api.ctx.basemap = None
