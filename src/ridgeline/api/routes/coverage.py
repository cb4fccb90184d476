"""The sector's coverage as map layers (viewer): ``/api/v1/coverage``.

Computed once per centre by the coverage use case (:mod:`ridgeline.app.coverage_layers`), by
day and by night, in the background, started by the first request (so a centre nobody looks
at spends nothing on it, and ingest has the cores while it starts), answering 503 with
``Retry-After`` until ready; 404 when the API runs without a sector.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, HTTPException, status

from ridgeline.api.security import Ctx, needs
from ridgeline.app.coverage_layers import CoverageLayers
from ridgeline.model import Role

router = APIRouter(tags=["sector"])
_MAKING = threading.Lock()
#: seconds a client is told to wait while the layers are computed
RETRY_AFTER = "3"


@router.get("/coverage", **needs(Role.VIEWER),
            responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}},
                             "description": "A GeoJSON FeatureCollection (WGS84 lon/lat)."}})
def coverage(ctx: Ctx) -> dict[str, Any]:
    """What the sector's sensors see, as GeoJSON for the console's map: each feature's ``layer``
    is ``line`` (the watched line cut into runs some sensor sees, ``seen`` true, or none does),
    ``footprint`` (a sensor's footprint: ``site``, ``sensor``) or ``coverage`` (the day's count of
    sensors seeing an area, ``count`` 1, 2 or 3 for 3 and more), and its ``period`` is ``day`` or
    ``night``; ``summary`` gives the line's length, the fraction seen and the longest blind spot
    per period.  503 with Retry-After while the centre computes them (seconds, once)."""
    if ctx.sector is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this API was started without a sector file")
    with _MAKING:
        if ctx.coverage is None:
            ctx.coverage = CoverageLayers(ctx.sector)
    layers = ctx.coverage.get()
    if layers is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the coverage layers are being computed: try again "
                            "shortly", headers={"Retry-After": RETRY_AFTER})
    return layers
