"""Terrain tiles of the example sector packed in PMTiles (built to zoom 8 only, to stay quick),
read back through ``TerrainTiles``; bad archives refused naming the file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import mercantile
import numpy as np
import pytest
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from ridgeline.app.tiles import (
    TerrainTiles,
    TileArchive,
    TileSet,
    build_in_background,
    build_terrain_tiles,
    ensure_terrain_tiles,
    open_archive,
    prepare_map_tiles,
    terrain_tiles_current,
    tiles_beside,
)
from ridgeline.config import load_sector
from ridgeline.config.sector import Sector
from ridgeline.errors import DataFileNotFoundError, RidgelineError, TileArchiveError
from ridgeline.terrain.tiles import decode_png, decode_terrarium
from tests.conftest import EXAMPLE, ROOT

MAX_ZOOM = 8


@pytest.fixture(scope="module")
def sector() -> Sector:
    return load_sector(EXAMPLE / "sector.yaml")


@pytest.fixture(scope="module")
def built(sector: Sector, tmp_path_factory: pytest.TempPathFactory) -> TileSet:
    stages: list[tuple[str, int, int | None]] = []
    made = build_terrain_tiles(sector, tmp_path_factory.mktemp("tiles") / "terrain.pmtiles", max_zoom=MAX_ZOOM,
                               progress=lambda stage, done, total: stages.append((stage, done, total)))
    tiles = [s for s in stages if s[0] == "terrain tiles"]
    assert tiles[-1][1] == tiles[-1][2] and tiles[-1][2] == made.tiles  # every tile has DEM under it here
    return made


def write_archive(path: Path, tiles: dict[tuple[int, int, int], bytes], tile_type: TileType,
                  compression: Compression, metadata: dict[str, object]) -> None:
    """A PMTiles file made by the library's own writer."""
    with path.open("wb") as f:
        writer = Writer(f)
        for (z, x, y), data in sorted(tiles.items(), key=lambda t: zxy_to_tileid(*t[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        writer.finalize({"tile_type": tile_type, "tile_compression": compression, "center_zoom": 0,
                         "min_lon_e7": -10, "min_lat_e7": -10, "max_lon_e7": 10, "max_lat_e7": 10,
                         "center_lon_e7": 0, "center_lat_e7": 0}, metadata)


def test_every_tile_over_the_dem_at_each_zoom(built: TileSet) -> None:
    west, south, east, north = built.bounds
    assert (round(west, 4), round(south, 4), round(east, 4), round(north, 4)) == (-72.0004, 43.9996, -70.9996,
                                                                                    45.0004)
    expected = {z: len(list(mercantile.tiles(*built.bounds, zooms=z))) for z in range(6, MAX_ZOOM + 1)}
    assert built.per_zoom == expected == {6: 1, 7: 1, 8: 4}
    assert (built.min_zoom, built.max_zoom, built.tiles) == (6, MAX_ZOOM, 6)
    assert built.size_bytes == built.path.stat().st_size
    assert not built.path.with_name(built.path.name + ".part").exists()


def test_the_metadata_says_terrarium_and_the_library_reads_it(built: TileSet) -> None:
    with built.path.open("rb") as f:
        reader = Reader(MmapSource(f))
        meta, header = reader.metadata(), reader.header()
        z8 = reader.get(8, 76, 92)
    assert meta["encoding"] == "terrarium" and meta["tileSize"] == 256 and meta["format"] == "png"
    assert (meta["minzoom"], meta["maxzoom"]) == (6, MAX_ZOOM)
    assert meta["attribution"] == "Elevation: SRTM (NASA, NGA, USGS)"
    assert meta["ridgeline:dem"] == [{"file": "N44W072.hgt", "bytes": 1201 * 1201 * 2}]
    assert header["tile_type"] == TileType.PNG and header["tile_compression"] == Compression.NONE
    assert (header["min_zoom"], header["max_zoom"]) == (6, MAX_ZOOM)
    with TerrainTiles(built.path) as tiles:
        assert tiles.tile(8, 76, 92) == z8 is not None
        info = tiles.info()
    assert info["format"] == "png" and info["content_type"] == "image/png" and info["tiles"] == 6
    assert info["bounds"] == pytest.approx(list(built.bounds), abs=1e-6)


def test_the_mt_washington_tile_reads_back_as_heights(built: TileSet) -> None:
    tile = mercantile.tile(-71.3033, 44.2706, MAX_ZOOM)
    with TerrainTiles(built.path) as tiles:
        png = tiles.tile(tile.z, tile.x, tile.y)
    assert png is not None
    heights = decode_terrarium(decode_png(png))
    # averaged over 3 of SRTM's cells a pixel at zoom 8, the Presidential Range still stands out
    assert 1700 < heights.max() < 1920 and heights.min() >= 0
    row, col = np.unravel_index(np.argmax(heights), heights.shape)
    b = mercantile.xy_bounds(tile)
    step = (b.right - b.left) / 256
    peak = mercantile.lnglat(b.left + (col + 0.5) * step, b.top - (row + 0.5) * step)
    assert abs(peak.lng - -71.3033) < 0.02 and abs(peak.lat - 44.2706) < 0.02


@pytest.mark.parametrize("zxy", [(5, 9, 11), (9, 152, 184), (8, 0, 0), (8, 256, 0), (8, -1, 92), (40, 0, 0)])
def test_no_tile_outside_the_pyramid(built: TileSet, zxy: tuple[int, int, int]) -> None:
    with TerrainTiles(built.path) as tiles:
        assert tiles.tile(*zxy) is None


def test_a_corrupt_archive_is_refused_naming_it(built: TileSet, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.pmtiles"
    truncated.write_bytes(built.path.read_bytes()[:400])
    garbage = tmp_path / "garbage.pmtiles"
    garbage.write_bytes(b"PK\x03\x04 not a tile archive at all" * 10)
    empty = tmp_path / "empty.pmtiles"
    empty.write_bytes(b"")
    bad_dir = tmp_path / "bad-directory.pmtiles"
    raw = bytearray(built.path.read_bytes())
    raw[127:140] = b"\xff" * 13  # the root directory's gzip header
    bad_dir.write_bytes(bytes(raw))
    for path in (truncated, garbage, empty, bad_dir):
        with pytest.raises(TileArchiveError, match=re.escape(str(path))):
            TerrainTiles(path)
    with pytest.raises(DataFileNotFoundError, match=r"nowhere\.pmtiles"):
        TileArchive(tmp_path / "nowhere.pmtiles")


def test_terrain_must_be_terrarium(tmp_path: Path) -> None:
    png = tmp_path / "mapbox.pmtiles"
    write_archive(png, {(0, 0, 0): b"png"}, TileType.PNG, Compression.NONE, {"encoding": "mapbox"})
    with pytest.raises(TileArchiveError, match=r"terrarium-encoded PNG expected.*'mapbox'"):
        TerrainTiles(png)
    with TileArchive(png) as plain:  # any archive reads as a base map
        assert plain.tile(0, 0, 0) == b"png"


def test_a_vector_base_map_is_passed_on_as_stored(tmp_path: Path) -> None:
    path = tmp_path / "base.pmtiles"
    stored = {(z, x, y): f"tile {z}/{x}/{y}".encode() for z in range(3) for x in range(2**z) for y in range(2**z)}
    write_archive(path, stored, TileType.MVT, Compression.GZIP, {"vector_layers": [{"id": "roads"}]})
    with TileArchive(path) as base:
        assert base.content_type == "application/vnd.mapbox-vector-tile" and base.content_encoding == "gzip"
        assert all(base.tile(*zxy) == data for zxy, data in stored.items())
        assert base.tile(3, 0, 0) is None
        assert base.info()["format"] == "pbf"


def test_the_tiles_are_rebuilt_only_when_the_dem_changes(sector: Sector, built: TileSet, tmp_path: Path) -> None:
    path = tmp_path / "terrain.pmtiles"
    shutil.copy(built.path, path)
    assert terrain_tiles_current(sector, path)
    assert ensure_terrain_tiles(sector, path) is None
    # the same sector on another DEM file (a copy under another name): built again
    (tmp_path / "N44W072-copy.hgt").write_bytes((EXAMPLE / "N44W072.hgt").read_bytes())
    moved = sector.model_copy(update={"terrain": sector.terrain.model_copy(
        update={"dem": [str(tmp_path / "N44W072-copy.hgt")]}), "base_dir": EXAMPLE})
    assert not terrain_tiles_current(moved, path)
    # something else at the path is never overwritten
    other = tmp_path / "centre.db"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(TileArchiveError, match=r"centre\.db"):
        ensure_terrain_tiles(sector, other)
    assert other.read_bytes().startswith(b"SQLite")
    assert not terrain_tiles_current(sector, tmp_path / "missing.pmtiles")


def test_the_centre_checks_its_base_map_at_start(sector: Sector, built: TileSet, tmp_path: Path) -> None:
    with_base = sector.model_copy(update={"basemap": "nowhere.pmtiles"})
    with pytest.raises(DataFileNotFoundError, match=r"nowhere\.pmtiles"):
        prepare_map_tiles(with_base, built.path)
    maps = prepare_map_tiles(sector.model_copy(update={"basemap": str(built.path)}), built.path)
    assert (maps.terrain, maps.stale, maps.basemap) == (built.path, False, built.path)
    assert prepare_map_tiles(sector, tmp_path / "new.pmtiles").stale


def test_an_archive_replaced_is_opened_again(built: TileSet, tmp_path: Path) -> None:
    path = tmp_path / "terrain.pmtiles"
    shutil.copy(built.path, path)
    first = open_archive(path, terrain=True)
    assert open_archive(path, terrain=True) is first
    replacement = tmp_path / "next.pmtiles"
    shutil.copy(built.path, replacement)
    replacement.replace(path)
    assert open_archive(path, terrain=True) is not first


def test_tiles_live_beside_a_sqlite_database() -> None:
    assert tiles_beside("sqlite:///var/centre.db") == Path("var/centre.terrain.pmtiles")
    assert tiles_beside("sqlite:////srv/r/centre.db") == Path("/srv/r/centre.terrain.pmtiles")
    assert tiles_beside("postgresql+psycopg://db/ridgeline") == Path("ridgeline-terrain.pmtiles")


def test_a_centre_builds_its_tiles_in_the_background(sector: Sector, tmp_path: Path) -> None:
    """On a DEM in UTM (the viewshed fixture's 200 x 200 cells of 90 m around Mt Washington)."""
    import rasterio

    crop = ROOT / "tests" / "data" / "viewshed" / "dem_crop.tif"
    small = sector.model_copy(update={"terrain": sector.terrain.model_copy(update={"dem": [str(crop)]})})
    results: list[tuple[TileSet | None, RidgelineError | None]] = []
    path = tmp_path / "centre.terrain.pmtiles"
    build_in_background(small, path, lambda built, exc: results.append((built, exc))).join(timeout=120)
    [(built, exc)] = results
    assert exc is None and built is not None and built.path == path
    assert built.max_zoom == 11  # 90 m cells at 44° N: zoom 11's 55 m pixels are the first no larger
    assert built.per_zoom[11] == len(list(mercantile.tiles(*built.bounds, zooms=11)))
    with rasterio.open(crop) as ds:
        top = float(ds.read(1).max())
    with TerrainTiles(path) as tiles:
        tile = mercantile.tile(-71.3033, 44.2706, 11)
        png = tiles.tile(11, tile.x, tile.y)
        assert png is not None
        assert abs(decode_terrarium(decode_png(png)).max() - top) < 15
        assert "dem_crop.tif" in tiles.metadata["attribution"]
    gone = small.model_copy(update={"terrain": small.terrain.model_copy(update={"dem": ["gone.tif"]})})
    results.clear()
    build_in_background(gone, tmp_path / "never.pmtiles", lambda built, exc: results.append((built, exc))).join(60)
    [(built, exc)] = results
    assert built is None and isinstance(exc, DataFileNotFoundError) and "gone.tif" in str(exc)
    assert not (tmp_path / "never.pmtiles").exists()
