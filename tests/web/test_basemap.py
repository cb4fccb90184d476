"""The operators' own offline base map (a raster PMTiles file named in the sector) is drawn
under everything, from the centre, with nothing fetched from elsewhere."""

from __future__ import annotations

from pathlib import Path

import cv2
import mercantile
import numpy as np
from playwright.sync_api import Page
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

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
    with path.open("wb") as f:  # bounds around the sector: MapLibre asks only for tiles within them
        writer = Writer(f)
        for (z, x, y), data in sorted(tiles.items(), key=lambda t: zxy_to_tileid(*t[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        e7 = 10_000_000
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE, "center_zoom": 3,
                         "min_lon_e7": int((lon - 1) * e7), "min_lat_e7": int((lat - 1) * e7),
                         "max_lon_e7": int((lon + 1) * e7), "max_lat_e7": int((lat + 1) * e7),
                         "center_lon_e7": int(lon * e7), "center_lat_e7": int(lat * e7)},
                        {"name": "base", "attribution": "test"})
    live_centre.api.ctx.basemap = path
    try:
        log_in(page, "viewer")
        page.wait_for_function("() => window.ridgeline?.map?.getLayer('basemap') !== undefined", timeout=10_000)
        order = page.evaluate("() => window.ridgeline.map.getStyle().layers.map((l) => l.id)")
        assert order[:2] == ["background", "basemap"]  # under every other layer
        # drawn: every tile in, and no redraw held back for live data (updates.js)
        page.wait_for_function("() => window.ridgeline.map.areTilesLoaded() && window.ridgeline.map.loaded()"
                               " && !window.ridgeline.updates.waiting", timeout=10_000)
        page.wait_for_timeout(300)  # the frame drawn
        assert pixels(page.locator("#map canvas").screenshot(), SIENNA, tolerance=10) > 10_000
    finally:
        live_centre.api.ctx.basemap = None
