"""The sector's static layers (viewer): ``/api/v1/sector``: the watched line, zones and sites."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from ridgeline.api.schemas import SectorInfo, SensorLayout, SiteLayout
from ridgeline.api.security import Ctx, needs
from ridgeline.model import Role

router = APIRouter(tags=["sector"])


@router.get("/sector", response_model=SectorInfo, **needs(Role.VIEWER))
def sector(ctx: Ctx) -> SectorInfo:
    """The sector the centre watches, as the console's map draws it: its line, zones and sites."""
    found = ctx.sector
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this API was started without a sector file")
    line = {"type": "LineString", "coordinates": [[lon, lat] for lon, lat in found.line_lonlat()]}
    zones = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": z.id, "properties": {"id": z.id, "kind": z.kind},
         "geometry": {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in [*z.polygon, z.polygon[0]]]]}}
        for z in found.maritime.zones]}
    sites = [SiteLayout(id=s.id, lon=s.lon, lat=s.lat, mast_height_m=s.mast_height_m, sensors=[
        SensorLayout(id=x.id, kind=x.kind, azimuth_deg=x.azimuth_deg, fov_deg=x.fov_deg, day_range_m=x.day_range_m,
                     night_range_m=x.night_range_m) for x in s.sensors]) for s in found.sites]
    return SectorInfo(name=found.name, line=line, corridor_width_m=found.line.corridor_width_m, zones=zones,
                      sites=sites)
