"""Map tiles for the console (viewer): the sector's terrain and the operators' base map.

``/api/v1/tiles/terrain.json`` is a TileJSON 3.0.0 document for a MapLibre ``raster-dem``
source: **Terrarium** encoding (height = R * 256 + G + B / 256 - 32768 m), 256 px PNG tiles,
XYZ scheme; ``/api/v1/tiles/terrain/{z}/{x}/{y}.png`` the tiles.  ``/api/v1/tiles/basemap.json``
and ``/api/v1/tiles/basemap/{z}/{x}/{y}`` do the same for the base map the sector file names
(raster or vector tiles, passed on as stored with their content type and encoding); 404 when
it names none.  A tile outside the pyramid, or where the archive has none, is 404; the terrain
answers 503 while ``ridgeline serve`` builds its tiles at first start.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from ridgeline.api.security import Ctx, needs
from ridgeline.app.tiles import TerrainTiles, TileArchive, open_archive
from ridgeline.errors import TileArchiveError
from ridgeline.model import Role
from ridgeline.terrain.tiles import ENCODING, TILE_SIZE

router = APIRouter(tags=["tiles"])

#: how long a browser may keep a tile (the archive changes only when the DEM does)
TILE_CACHE = "private, max-age=86400"
Z = Path(ge=0, le=30, description="Zoom level.")
X = Path(ge=0, description="Column, from the west (XYZ scheme).")
Y = Path(ge=0, description="Row, from the north (XYZ scheme).")
_TILE_JSON: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {"schema": {"type": "object"}}},
                    "description": "A TileJSON 3.0.0 document."}}


def _archive(path: FilePath | None, terrain: bool) -> TileArchive:
    if path is None:
        what = "terrain tiles (the centre runs without them)" if terrain else \
            "base map (the sector file names none: its 'basemap' field)"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {what}")
    if terrain and not path.exists():  # `ridgeline serve` builds them in the background at first start
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the terrain tiles are being built: try again "
                            "shortly", headers={"Retry-After": "10"})
    try:
        return open_archive(path, terrain)
    except (TileArchiveError, FileNotFoundError) as exc:  # the centre's own file: not the caller's fault
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, str(exc)) from exc


def _tilejson(request: Request, archive: TileArchive, template: str) -> dict[str, Any]:
    info, meta = archive.info(), archive.metadata
    doc: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": meta.get("name", archive.path.stem),
        "tiles": [str(request.base_url).rstrip("/") + template],
        "scheme": "xyz",
        "format": info["format"],
        "minzoom": info["minzoom"],
        "maxzoom": info["maxzoom"],
        "bounds": info["bounds"],
        "center": info["center"],
    }
    for key in ("description", "attribution", "vector_layers", "version"):
        if key in meta:
            doc[key] = meta[key]
    return doc


def _tile(archive: TileArchive, z: int, x: int, y: int) -> Response:
    try:
        data = archive.tile(z, x, y)
    except TileArchiveError as exc:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, str(exc)) from exc
    if data is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no tile {z}/{x}/{y} (outside the pyramid, zooms "
                            f"{archive.min_zoom}-{archive.max_zoom}, or off the map's area)")
    headers = {"Cache-Control": TILE_CACHE}
    if archive.content_encoding is not None:
        headers["Content-Encoding"] = archive.content_encoding
    return Response(data, media_type=archive.content_type, headers=headers)


@router.get("/tiles/terrain.json", responses=_TILE_JSON, **needs(Role.VIEWER))
def terrain_json(request: Request, ctx: Ctx) -> dict[str, Any]:
    """TileJSON 3.0.0 of the sector's terrain, for a MapLibre ``raster-dem`` source: ``encoding``
    is "terrarium" (height = R * 256 + G + B / 256 - 32768 metres; a source declared "mapbox" would
    give wrong heights), ``tileSize`` 256, PNG tiles from the sector's own DEM (no request leaves
    the machine).  The same source feeds the hillshade layer and the 3D terrain."""
    archive = _archive(ctx.terrain_tiles, terrain=True)
    doc = _tilejson(request, archive, "/api/v1/tiles/terrain/{z}/{x}/{y}.png")
    doc["encoding"] = ENCODING
    doc["tileSize"] = archive.tile_size if isinstance(archive, TerrainTiles) else TILE_SIZE
    return doc


@router.get("/tiles/terrain/{z}/{x}/{y}.png", response_class=Response, **needs(Role.VIEWER),
            responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "A 256 px PNG of Terrarium-encoded heights "
                                            "(height = R * 256 + G + B / 256 - 32768 m)."}})
def terrain_tile(ctx: Ctx, z: int = Z, x: int = X, y: int = Y) -> Response:
    """One terrain tile: heights Terrarium-encoded (height = R * 256 + G + B / 256 - 32768 metres),
    256 x 256 px, EPSG:3857, XYZ scheme; 404 outside the pyramid."""
    return _tile(_archive(ctx.terrain_tiles, terrain=True), z, x, y)


@router.get("/tiles/basemap.json", responses=_TILE_JSON, **needs(Role.VIEWER))
def basemap_json(request: Request, ctx: Ctx) -> dict[str, Any]:
    """TileJSON 3.0.0 of the operators' offline base map (the sector file's ``basemap``); its
    ``format`` says raster (png, jpg, webp) or vector (pbf); 404 when the sector names none."""
    return _tilejson(request, _archive(ctx.basemap, terrain=False), "/api/v1/tiles/basemap/{z}/{x}/{y}")


@router.get("/tiles/basemap/{z}/{x}/{y}", response_class=Response, **needs(Role.VIEWER),
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                 "format": "binary"}}},
                             "description": "The tile as stored, with its content type and encoding."}})
def basemap_tile(ctx: Ctx, z: int = Z, x: int = X, y: int = Y) -> Response:
    """One base-map tile as stored in the archive (its content type, and Content-Encoding when
    the archive keeps its tiles compressed); 404 outside the pyramid or with no base map."""
    return _tile(_archive(ctx.basemap, terrain=False), z, x, y)
