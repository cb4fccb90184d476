"""The map tiles of the API: TileJSON for MapLibre (Terrarium said where it is read), terrain
tiles from the example sector's DEM (built to zoom 8 only), a base map passed on as stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import mercantile
import pytest
from fastapi.testclient import TestClient
from pmtiles.tile import Compression, TileType

from ridgeline.app.tiles import TileSet, build_terrain_tiles
from ridgeline.config import load_sector
from ridgeline.terrain.tiles import decode_png, decode_terrarium
from tests.app.test_tiles import write_archive
from tests.conftest import EXAMPLE

from .conftest import Api

TERRAIN = "/api/v1/tiles/terrain"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> TileSet:
    sector = load_sector(EXAMPLE / "sector.yaml")
    return build_terrain_tiles(sector, tmp_path_factory.mktemp("tiles") / "terrain.pmtiles", max_zoom=8)


@pytest.fixture
def viewer(api: Api, built: TileSet) -> TestClient:
    api.ctx.terrain_tiles = built.path
    return api.login("viewer")


def test_the_terrain_tilejson_says_terrarium(viewer: TestClient, built: TileSet) -> None:
    answer = viewer.get(f"{TERRAIN}.json")
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["tilejson"] == "3.0.0" and doc["encoding"] == "terrarium" and doc["tileSize"] == 256
    assert doc["tiles"] == ["http://testserver/api/v1/tiles/terrain/{z}/{x}/{y}.png"]
    assert (doc["minzoom"], doc["maxzoom"], doc["format"], doc["scheme"]) == (6, 8, "png", "xyz")
    assert doc["bounds"] == pytest.approx(list(built.bounds), abs=1e-6)
    assert "SRTM" in doc["attribution"]


def test_a_terrain_tile_is_the_archives_png(viewer: TestClient) -> None:
    tile = mercantile.tile(-71.3033, 44.2706, 8)
    answer = viewer.get(f"{TERRAIN}/8/{tile.x}/{tile.y}.png")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "private, max-age=86400"
    assert 1700 < decode_terrarium(decode_png(answer.content)).max() < 1920


@pytest.mark.parametrize("zxy", ["5/9/11", "9/152/184", "8/0/0", "8/256/92", "30/0/0"])
def test_a_tile_outside_the_pyramid_is_404(viewer: TestClient, zxy: str) -> None:
    assert viewer.get(f"{TERRAIN}/{zxy}.png").status_code == 404


@pytest.mark.parametrize("zxy", ["8/-1/92", "8/x/92", "99/0/0"])
def test_a_malformed_tile_address_is_422(viewer: TestClient, zxy: str) -> None:
    assert viewer.get(f"{TERRAIN}/{zxy}.png").status_code == 422


def test_tiles_need_a_session(api: Api, built: TileSet) -> None:
    api.ctx.terrain_tiles = built.path
    client = TestClient(api.client.app)
    assert client.get(f"{TERRAIN}.json").status_code == 401
    assert client.get(f"{TERRAIN}/8/76/92.png").status_code == 401


def test_without_terrain_tiles_404_and_while_building_503(api: Api, tmp_path: Path) -> None:
    viewer = api.login("viewer")
    assert viewer.get(f"{TERRAIN}.json").status_code == 404
    api.ctx.terrain_tiles = tmp_path / "being-built.pmtiles"
    answer = viewer.get(f"{TERRAIN}/8/76/92.png")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "10"


def test_a_corrupt_archive_answers_500_naming_it(api: Api, built: TileSet, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pmtiles"
    broken.write_bytes(built.path.read_bytes()[:300])
    api.ctx.terrain_tiles = broken
    answer = api.login("viewer").get(f"{TERRAIN}.json")
    assert answer.status_code == 500 and "broken.pmtiles" in answer.json()["detail"]


def test_the_base_map_is_404_until_the_sector_names_one(viewer: TestClient) -> None:
    assert viewer.get("/api/v1/tiles/basemap.json").status_code == 404
    assert viewer.get("/api/v1/tiles/basemap/0/0/0").status_code == 404


def test_a_vector_base_map_is_passed_on_as_stored(api: Api, viewer: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "base.pmtiles"
    import gzip

    stored = {(z, 0, 0): gzip.compress(f"vector tile {z}".encode()) for z in range(4)}
    write_archive(path, stored, TileType.MVT, Compression.GZIP, {"name": "roads", "vector_layers": [{"id": "roads"}],
                                                                 "attribution": "© OpenStreetMap contributors"})
    api.ctx.basemap = path
    doc = viewer.get("/api/v1/tiles/basemap.json").json()
    assert doc["tiles"] == ["http://testserver/api/v1/tiles/basemap/{z}/{x}/{y}"]
    assert (doc["format"], doc["vector_layers"], doc["name"]) == ("pbf", [{"id": "roads"}], "roads")
    assert "encoding" not in doc
    answer = viewer.get("/api/v1/tiles/basemap/2/0/0")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.content == b"vector tile 2"  # the client undid the gzip the archive stored
    assert viewer.get("/api/v1/tiles/basemap/2/1/0").status_code == 404


def test_a_raster_base_map_keeps_its_content_type(api: Api, viewer: TestClient, built: TileSet,
                                                  tmp_path: Path) -> None:
    shutil.copy(built.path, tmp_path / "base.pmtiles")  # a PNG archive serves as a raster base map
    api.ctx.basemap = tmp_path / "base.pmtiles"
    answer = viewer.get("/api/v1/tiles/basemap/6/19/23")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert "content-encoding" not in answer.headers
