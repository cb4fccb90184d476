"""Tiles for the operator console: the sector's terrain as a PMTiles archive, and the reader
the API serves terrain tiles and an operator's base map from.

:func:`build_terrain_tiles` reads the sector's DEM files in their own CRS (mosaicked as
:func:`ridgeline.terrain.dem.read_dem` does), fills their enclosed voids, and cuts
Web-Mercator tiles of **Terrarium**-encoded heights, **256 px** PNG, from zoom
:data:`~ridgeline.terrain.tiles.MIN_ZOOM` to a maximum chosen from the DEM's cell size
(SRTM3: 11), over the DEM's whole extent (see :mod:`ridgeline.terrain.tiles` for the
encoding and how voids are treated).  They are packed into one PMTiles v3 file whose
metadata says the encoding, the tile size, the bounds, the zooms and the DEM's
attribution, and which DEM files (name and size) it was built from, so that
:func:`ensure_terrain_tiles` rebuilds it when the sector's DEM changes.

:class:`TileArchive` reads any PMTiles v3 file (the terrain, or a base map of raster or
vector tiles) a tile at a time, with its header and root directory read once; a file that is
not a PMTiles v3 archive is refused naming it.  :class:`TerrainTiles` also refuses an
archive that does not declare Terrarium PNG tiles, since a wrong encoding silently gives
wrong heights.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pmtiles.tile import (
    Compression,
    Entry,
    MagicNumberNotFound,
    SpecVersionUnsupported,
    TileType,
    deserialize_directory,
    deserialize_header,
    find_tile,
    zxy_to_tileid,
)
from pmtiles.writer import Writer

from ridgeline.app.progress import Progress, report
from ridgeline.errors import DataFileNotFoundError, RidgelineError, TerrainError, TileArchiveError
from ridgeline.terrain.tiles import ENCODING, MIN_ZOOM, TILE_SIZE

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector

#: what each PMTiles tile type is called in a TileJSON ``format``, and its HTTP content type
TILE_TYPES: dict[TileType, tuple[str, str]] = {
    TileType.PNG: ("png", "image/png"),
    TileType.JPEG: ("jpg", "image/jpeg"),
    TileType.WEBP: ("webp", "image/webp"),
    TileType.AVIF: ("avif", "image/avif"),
    TileType.MVT: ("pbf", "application/vnd.mapbox-vector-tile"),
    TileType.MLT: ("mlt", "application/vnd.maplibre-vector-tile"),
}
#: the HTTP ``Content-Encoding`` of each tile compression (tiles are passed on as stored)
CONTENT_ENCODINGS: dict[Compression, str] = {Compression.GZIP: "gzip", Compression.BROTLI: "br",
                                             Compression.ZSTD: "zstd"}
_HEADER_BYTES = 127
_LEAF_CACHE = 256


@dataclass(frozen=True)
class TileSet:
    """A terrain tile archive as built: where, how many tiles, which zooms, how big, how long."""

    path: Path
    tiles: int
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]
    """West, south, east, north of the DEM, WGS84 degrees."""
    size_bytes: int
    seconds: float
    per_zoom: dict[int, int] = field(default_factory=dict)
    tile_size: int = TILE_SIZE
    encoding: str = ENCODING


def tiles_beside(db: str) -> Path:
    """Where ``ridgeline serve`` keeps the terrain tiles by default: beside a SQLite database
    (``NAME.terrain.pmtiles``), else ``./ridgeline-terrain.pmtiles``."""
    from ridgeline.app.database import beside_database

    return beside_database(db, "terrain.pmtiles")


def dem_attribution(sector: Sector) -> str:
    """Who to credit for the sector's DEM: the sector's ``terrain.attribution``, else SRTM's
    for .hgt tiles, else the files' names."""
    if sector.terrain.attribution:
        return sector.terrain.attribution
    if all(Path(p).suffix.lower() == ".hgt" for p in sector.terrain.dem):
        return "Elevation: SRTM (NASA, NGA, USGS)"
    return "Elevation: " + ", ".join(Path(p).name for p in sector.terrain.dem)


def dem_fingerprint(sector: Sector) -> list[dict[str, Any]]:
    """The sector's DEM files as the archive records them: each file's name and size."""
    found = []
    for p in sector.terrain.dem:
        path = sector.path(p)
        if not path.exists():
            raise DataFileNotFoundError(f"{path}: DEM file not found")
        found.append({"file": path.name, "bytes": path.stat().st_size})
    return found


def build_terrain_tiles(
    sector: Sector,
    out: Path,
    max_zoom: int | None = None,
    min_zoom: int = MIN_ZOOM,
    progress: Progress | None = None,
    threads: int | None = None,
) -> TileSet:
    """Terrain tiles of the sector's DEM, written to the PMTiles file ``out``.

    ``max_zoom`` defaults to the first zoom whose pixels are no larger than the DEM's cells.
    The file is written beside ``out`` and renamed over it when complete, so a reader never
    sees half an archive.  ``threads``: for GDAL's warp and the PNG encoding (default: up to 4
    cores).
    """
    from rasterio.warp import transform_bounds

    from ridgeline.terrain import tiles as engine
    from ridgeline.terrain.dem import read_dem

    started = time.perf_counter()
    report(progress, "reading the DEM")
    fingerprint = dem_fingerprint(sector)
    data, transform, crs, _ = read_dem([sector.path(p) for p in sector.terrain.dem])
    height, width = data.shape
    west, south, east, north = (float(v) for v in transform_bounds(
        crs, "EPSG:4326", *(transform @ (0, height)), *(transform @ (width, 0)), densify_pts=21))
    bounds = (west, max(south, -engine.MAX_LAT), east, min(north, engine.MAX_LAT))
    lat = (bounds[1] + bounds[3]) / 2.0
    if max_zoom is None:
        max_zoom = engine.max_zoom_for(engine.dem_cell_m(transform, crs, lat), lat, min_zoom)
    if not 0 <= min_zoom <= max_zoom <= engine.MAX_ZOOM:
        raise TerrainError(f"terrain tiles: zooms {min_zoom}..{max_zoom} asked; they must rise from 0 to at most "
                           f"{engine.MAX_ZOOM}")
    report(progress, "filling the DEM's voids")
    data = engine.fill_voids(data)
    blocks = [w for z in range(min_zoom, max_zoom + 1) for w in engine.windows(bounds, z)]
    total = sum(w.tiles for w in blocks)
    threads = threads or min(os.cpu_count() or 1, 4)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    per_zoom: dict[int, int] = {}
    done = 0
    report(progress, "terrain tiles", 0, total)
    try:
        with part.open("wb") as f:
            writer = Writer(f)  # type: ignore[no-untyped-call]
            for block in blocks:
                heights = engine.render(data, transform, crs, block, threads=threads)
                cut = engine.cut(block, heights, threads=threads)
                found = sorted((zxy_to_tileid(block.zoom, x, y), png) for x, y, png in cut)
                for tile_id, png in found:
                    writer.write_tile(tile_id, png)  # type: ignore[no-untyped-call]
                per_zoom[block.zoom] = per_zoom.get(block.zoom, 0) + len(found)
                done += block.tiles
                report(progress, "terrain tiles", done, total)
            if not per_zoom or not any(per_zoom.values()):
                raise TerrainError(f"{', '.join(sector.terrain.dem)}: no terrain tile has any height")
            header, metadata = _describe(sector, bounds, min_zoom, max_zoom, fingerprint)
            writer.finalize(header, metadata)  # type: ignore[no-untyped-call]
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return TileSet(out, sum(per_zoom.values()), min_zoom, max_zoom, bounds, out.stat().st_size,
                   time.perf_counter() - started, per_zoom)


def _describe(sector: Sector, bounds: tuple[float, float, float, float], min_zoom: int, max_zoom: int,
              fingerprint: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The PMTiles header fields and the metadata (a TileJSON-like object) of terrain tiles."""
    west, south, east, north = bounds
    lon, lat = (west + east) / 2.0, (south + north) / 2.0
    metadata = {
        "name": f"{sector.name}: terrain",
        "description": f"Heights of the sector's DEM in metres, {ENCODING}-encoded (height = R * 256 + G + B / 256 "
                       f"- 32768), {TILE_SIZE} px PNG tiles, EPSG:3857, XYZ scheme. Voids enclosed by data are "
                       "interpolated; other voids and all off the DEM are 0 m.",
        "type": "baselayer", "version": "1", "format": "png", "scheme": "xyz",
        "encoding": ENCODING, "tileSize": TILE_SIZE,
        "bounds": list(bounds), "center": [lon, lat, min_zoom], "minzoom": min_zoom, "maxzoom": max_zoom,
        "attribution": dem_attribution(sector),
        "ridgeline:dem": fingerprint,
    }
    header = {
        "tile_type": TileType.PNG, "tile_compression": Compression.NONE,
        "min_lon_e7": round(west * 1e7), "min_lat_e7": round(south * 1e7),
        "max_lon_e7": round(east * 1e7), "max_lat_e7": round(north * 1e7),
        "center_zoom": min_zoom, "center_lon_e7": round(lon * 1e7), "center_lat_e7": round(lat * 1e7),
    }
    return header, metadata


def terrain_tiles_current(sector: Sector, path: Path) -> bool:
    """Whether ``path`` holds the sector's terrain tiles: present, and built from the sector's
    DEM files (the archive records their names and sizes; one that records none, made
    elsewhere, is taken as it is).  An archive there that cannot be read, or that is not
    Terrarium terrain, is refused naming it: it is never overwritten, as it may be something
    else."""
    if not path.exists():
        return False
    with TerrainTiles(path) as found:
        built_from = found.metadata.get("ridgeline:dem")
    return built_from is None or built_from == dem_fingerprint(sector)


def ensure_terrain_tiles(sector: Sector, path: Path, progress: Progress | None = None) -> TileSet | None:
    """The sector's terrain tiles at ``path``, built when missing or built from other DEM files
    (:func:`terrain_tiles_current`); None when they were current."""
    if terrain_tiles_current(sector, path):
        return None
    return build_terrain_tiles(sector, path, progress=progress)


@dataclass(frozen=True)
class MapTiles:
    """The tiles a centre serves: its terrain (``stale``: to be built), its base map."""

    terrain: Path
    stale: bool
    basemap: Path | None


def prepare_map_tiles(sector: Sector, terrain: Path) -> MapTiles:
    """The centre's tiles, checked before it serves them (quick: no tile is built here): the
    terrain tiles at ``terrain``, and whether they must be built
    (:func:`terrain_tiles_current`), and the base map the sector names, opened once so that a
    missing or unreadable one is refused at start, naming it."""
    stale = not terrain_tiles_current(sector, terrain)
    basemap = sector.path(sector.basemap) if sector.basemap else None
    if basemap is not None:
        open_archive(basemap, terrain=False)
    return MapTiles(terrain, stale, basemap)


def build_in_background(sector: Sector, path: Path,
                        done: Callable[[TileSet | None, RidgelineError | None], None]) -> threading.Thread:
    """Build the sector's terrain tiles at ``path`` in a daemon thread, on one core (a centre
    starting must not wait for its map, nor starve its ingest), then call ``done`` with what
    was built or the error.  Until the file appears the API answers 503 for the terrain."""

    def run() -> None:
        try:
            built = build_terrain_tiles(sector, path, threads=1)
        except RidgelineError as exc:
            done(None, exc)
        else:
            done(built, None)

    thread = threading.Thread(target=run, name="terrain-tiles", daemon=True)
    thread.start()
    return thread


class TileArchive:
    """One PMTiles v3 file, read a tile at a time (thread-safe: reads are positional).

    The header, the metadata and the root directory are read when it opens, and checked:
    a missing file is a :class:`DataFileNotFoundError`, anything else that is not a readable
    PMTiles v3 archive a :class:`TileArchiveError`, each naming the file.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DataFileNotFoundError(f"{self.path}: tile archive (PMTiles) not found")
        self._file = self.path.open("rb")
        self._leaves: dict[tuple[int, int], list[Entry]] = {}
        self._lock = threading.Lock()
        try:
            self._size = os.fstat(self._file.fileno()).st_size
            raw = self._read(0, _HEADER_BYTES) if self._size >= _HEADER_BYTES else b""
            try:
                self.header = deserialize_header(raw)
            except (MagicNumberNotFound, SpecVersionUnsupported, ValueError, IndexError) as exc:
                raise TileArchiveError(f"{self.path}: not a PMTiles v3 archive (its header does not read as one: "
                                       f"{type(exc).__name__})") from exc
            h = self.header
            raw = self._read(h["metadata_offset"], h["metadata_length"])
            self.metadata: dict[str, Any] = self._parse_metadata(raw)
            self._root = self._directory(h["root_offset"], h["root_length"])
        except BaseException:
            self._file.close()
            raise

    def _read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > self._size:
            raise TileArchiveError(f"{self.path}: truncated or corrupt PMTiles archive (bytes {offset}.."
                                   f"{offset + length} asked of {self._size})")
        try:
            return os.pread(self._file.fileno(), length, offset)
        except OSError as exc:
            raise TileArchiveError(f"{self.path}: cannot be read ({exc})") from exc

    def _decompress(self, raw: bytes, what: str) -> bytes:
        compression = self.header["internal_compression"]
        if compression == Compression.NONE:
            return raw
        if compression != Compression.GZIP:
            raise TileArchiveError(f"{self.path}: its {what} is compressed with {compression.name}, which this reader "
                                   "does not read (convert with `pmtiles convert` to gzip)")
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise TileArchiveError(f"{self.path}: corrupt PMTiles archive (its {what} does not decompress)") from exc

    def _parse_metadata(self, raw: bytes) -> dict[str, Any]:
        try:
            found = json.loads(self._decompress(raw, "metadata") or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise TileArchiveError(f"{self.path}: corrupt PMTiles archive (its metadata is not JSON)") from exc
        if not isinstance(found, dict):
            raise TileArchiveError(f"{self.path}: corrupt PMTiles archive (its metadata is not a JSON object)")
        return found

    def _directory(self, offset: int, length: int) -> list[Entry]:
        raw = self._read(offset, length)
        compression = self.header["internal_compression"]
        if compression == Compression.NONE:
            raw = gzip.compress(raw, mtime=0)  # the library's parser reads gzip only
        elif compression != Compression.GZIP:
            self._decompress(raw, "directory")  # refuses it, naming the compression
        try:
            return deserialize_directory(raw)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            raise TileArchiveError(f"{self.path}: corrupt PMTiles archive (a directory does not read)") from exc

    def _leaf(self, offset: int, length: int) -> list[Entry]:
        key = (offset, length)
        with self._lock:
            entries = self._leaves.get(key)
        if entries is None:
            entries = self._directory(self.header["leaf_directory_offset"] + offset, length)
            with self._lock:
                if len(self._leaves) >= _LEAF_CACHE:
                    self._leaves.pop(next(iter(self._leaves)))
                self._leaves[key] = entries
        return entries

    @property
    def min_zoom(self) -> int:
        return int(self.header["min_zoom"])

    @property
    def max_zoom(self) -> int:
        return int(self.header["max_zoom"])

    @property
    def tile_type(self) -> TileType:
        return self.header["tile_type"]

    @property
    def content_type(self) -> str:
        """The HTTP content type of its tiles."""
        return TILE_TYPES.get(self.tile_type, ("", "application/octet-stream"))[1]

    @property
    def content_encoding(self) -> str | None:
        """The HTTP content encoding of its tiles as stored (None: not compressed)."""
        return CONTENT_ENCODINGS.get(self.header["tile_compression"])

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The bytes of tile z/x/y (XYZ scheme) as stored, or None where the archive has none."""
        if not (self.min_zoom <= z <= self.max_zoom and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        tile_id = zxy_to_tileid(z, x, y)
        entries = self._root
        for _depth in range(4):  # the PMTiles v3 limit on directory depth
            entry = find_tile(entries, tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                return self._read(self.header["tile_data_offset"] + entry.offset, entry.length)
            entries = self._leaf(entry.offset, entry.length)
        raise TileArchiveError(f"{self.path}: corrupt PMTiles archive (directories nested deeper than 4)")

    def info(self) -> dict[str, Any]:
        """What a map client needs to know: format, zooms, bounds, centre, tile count, size and
        the archive's own metadata (name, attribution, for terrain the encoding)."""
        h = self.header
        return {
            "path": str(self.path),
            "format": TILE_TYPES.get(self.tile_type, ("unknown", ""))[0],
            "content_type": self.content_type,
            "content_encoding": self.content_encoding,
            "minzoom": self.min_zoom,
            "maxzoom": self.max_zoom,
            "bounds": [h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7],
            "center": [h["center_lon_e7"] / 1e7, h["center_lat_e7"] / 1e7, int(h["center_zoom"])],
            "tiles": int(h["addressed_tiles_count"]),
            "size_bytes": self._size,
            "metadata": self.metadata,
        }

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TileArchive:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class TerrainTiles(TileArchive):
    """A terrain tile archive: a PMTiles file of Terrarium-encoded PNG tiles, as
    :func:`build_terrain_tiles` writes; any other archive is refused naming the file."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        encoding = self.metadata.get("encoding")
        if self.tile_type != TileType.PNG or encoding != ENCODING:
            self.close()
            raise TileArchiveError(
                f"{self.path}: not terrain tiles: {ENCODING}-encoded PNG expected, found "
                f"{self.tile_type.name} tiles with encoding {encoding!r} (build them with `ridgeline tiles`)")

    @property
    def tile_size(self) -> int:
        """Pixels along a tile's side (the console's raster-dem ``tileSize``)."""
        size = self.metadata.get("tileSize", TILE_SIZE)
        return int(size) if isinstance(size, int) and size > 0 else TILE_SIZE


_OPEN: dict[tuple[str, bool], tuple[tuple[int, int], TileArchive]] = {}
_OPEN_LOCK = threading.Lock()


def open_archive(path: Path, terrain: bool) -> TileArchive:
    """The archive at ``path`` (a :class:`TerrainTiles` when ``terrain``), opened once and kept
    for the process; opened again when the file is replaced (a rebuild renames a new file
    over it)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataFileNotFoundError(f"{path}: tile archive (PMTiles) not found") from None
    key, stamp = (str(path), terrain), (st.st_mtime_ns, st.st_ino)
    with _OPEN_LOCK:
        cached = _OPEN.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    archive = TerrainTiles(path) if terrain else TileArchive(path)
    with _OPEN_LOCK:
        _OPEN[key] = (stamp, archive)  # one replaced stays open for the requests reading it until collected
    return archive
