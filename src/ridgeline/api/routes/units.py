"""Response units: ``/api/v1/units`` and the status names they take, ``/api/v1/unit-statuses``.

Viewers read; operators change a unit's status, dispatch it to an alert or an incident, and
post its position (a tracker or a TAK gateway posts with an operator's bearer token).  Every
change is announced on the live feed once committed.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, HTTPException, Path, Query, status

from ridgeline.api.schemas import (
    AlertEtasInfo,
    DispatchOrder,
    DispatchPlanInfo,
    DroneViewInfo,
    PlannedAssignment,
    PositionReport,
    StatusChange,
    StatusInfo,
    UnitDetailInfo,
    UnitEtaInfo,
    UnitInfo,
    UnitLogInfo,
)
from ridgeline.api.security import Ctx, Who, needs
from ridgeline.app import units as use
from ridgeline.app.alerts import get_alert
from ridgeline.app.changes import alert_change, unit_change
from ridgeline.app.responders import SectorResponders
from ridgeline.model import Role, Unit, UnitPosition, utc_now

router = APIRouter(tags=["units"])
UnitId = Path(min_length=1, max_length=64, description="Unit id (as the sector file names it).")
_MAKING = threading.Lock()


def _responders(ctx: Ctx) -> SectorResponders:
    """The sector's terrain ready for travel times (made once: the first call loads the DEM)."""
    if ctx.sector is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this API was started without a sector file: no terrain "
                            "to time the units over")
    with _MAKING:
        if ctx.responders is None:
            ctx.responders = SectorResponders(ctx.sector)
    return ctx.responders


def unit_info(unit: Unit) -> UnitInfo:
    """The unit with the age of its position, now."""
    return UnitInfo(**unit.model_dump(), position_age_s=use.position_age_s(unit, utc_now()))


def _told(ctx: Ctx, unit: Unit) -> UnitInfo:
    ctx.changes.announce([unit_change(unit)])
    return unit_info(unit)


@router.get("/units", response_model=list[UnitInfo], **needs(Role.VIEWER))
def list_units(ctx: Ctx) -> list[UnitInfo]:
    """Every unit: its status (and base status), position and the seconds since it last reported."""
    now = utc_now()
    return [UnitInfo(**u.model_dump(), position_age_s=use.position_age_s(u, now)) for u in use.list_units(ctx.store)]


@router.get("/unit-statuses", response_model=list[StatusInfo], **needs(Role.VIEWER))
def unit_statuses(ctx: Ctx) -> list[StatusInfo]:
    """The status names a unit may take (the base ones and the sector's own), each with its base status."""
    return [StatusInfo(name=n, base=b) for n, b in sorted(use.statuses(ctx.store).items())]


@router.get("/units/{unit_id}", response_model=UnitDetailInfo, **needs(Role.VIEWER))
def get_unit(ctx: Ctx, unit_id: str = UnitId,
             trail: int = Query(100, ge=0, le=10_000, description="At most this many of its latest reports.")
             ) -> UnitDetailInfo:
    """One unit with its latest position reports and its dispatch log."""
    found = use.get_unit(ctx.store, unit_id, trail)
    return UnitDetailInfo(unit=unit_info(found.unit), trail=found.trail, log=[
        UnitLogInfo(time=x.time, action=x.action, status=x.status, base=x.base, alert_id=x.alert_id,
                    incident_id=x.incident_id, actor=x.actor, note=x.note) for x in found.log])


@router.post("/units/{unit_id}/status", response_model=UnitInfo, **needs(Role.OPERATOR))
def set_status(body: StatusChange, ctx: Ctx, who: Who, unit_id: str = UnitId) -> UnitInfo:
    """Give the unit a status by name: available or out of service clears its assignment (409: it has it already)."""
    return _told(ctx, use.set_status(ctx.store, unit_id, body.status, who.name, body.note))


@router.post("/units/{unit_id}/dispatch", response_model=UnitInfo, **needs(Role.OPERATOR))
def dispatch(body: DispatchOrder, ctx: Ctx, who: Who, unit_id: str = UnitId) -> UnitInfo:
    """Send the unit to an alert or an incident (409: out of service or on another assignment); a new or
    acknowledged alert becomes dispatched."""
    unit = use.dispatch(ctx.store, unit_id, who.name, body.alert, body.incident, body.note)
    # the alert became dispatched (or had a unit sent already): the consoles hear both in one batch
    told = [alert_change(get_alert(ctx.store, body.alert).alert)] if body.alert is not None else []
    ctx.changes.announce([*told, unit_change(unit)])
    return unit_info(unit)


@router.post("/units/{unit_id}/position", response_model=UnitInfo, **needs(Role.OPERATOR))
def report_position(body: PositionReport, ctx: Ctx, unit_id: str = UnitId) -> UnitInfo:
    """Where the unit is: kept, and the unit moved unless it holds a newer report (400: a time ahead of the
    centre's clock)."""
    report = UnitPosition(unit=unit_id, time=body.time, lon=body.lon, lat=body.lat, heading_deg=body.heading_deg,
                          speed_ms=body.speed_ms)
    unit, moved = use.report_position(ctx.store, report, "http")
    return _told(ctx, unit) if moved else unit_info(unit)


@router.get("/alerts/{alert_id}/etas", response_model=AlertEtasInfo, **needs(Role.VIEWER))
def alert_etas(ctx: Ctx, alert_id: str = Path(min_length=1, max_length=64, description="Alert id.")) -> AlertEtasInfo:
    """Every unit's travel time to the alert over the sector's terrain (on foot, vehicle, boat: the
    fastest path; a drone: a straight flight within its endurance, and whether it sees the alert
    from its planned hover point, else the nearest point that does), fastest first, and the one to
    send: the fastest available unit."""
    found = _responders(ctx).etas(ctx.store, alert_id)
    now = utc_now()
    return AlertEtasInfo(alert_id=found.alert_id, recommended=found.recommended, reason=found.reason, etas=[
        UnitEtaInfo(unit=UnitInfo(**e.unit.model_dump(), position_age_s=use.position_age_s(e.unit, now)),
                    mode=e.mode, minutes=e.minutes, straight_m=e.straight_m, reason=e.reason,
                    recommended=e.recommended, drone=None if e.view is None else DroneViewInfo(
                        planned=list(e.view.planned), visible=e.view.visible,
                        hover=None if e.view.hover is None else list(e.view.hover),
                        moved_m=None if e.view.hover is None else e.view.moved_m)) for e in found.etas])


@router.get("/dispatch-plan", response_model=DispatchPlanInfo, **needs(Role.VIEWER))
def dispatch_plan(ctx: Ctx, alert: list[str] = Query(min_length=1, max_length=50,
                                                     description="The alerts to share the units out among.")
                  ) -> DispatchPlanInfo:
    """The available units shared out among several alerts so that the total time to reach them is
    least (the Hungarian method): a proposal; dispatching is the operator's (POST .../dispatch)."""
    plan = _responders(ctx).plan(ctx.store, alert)
    return DispatchPlanInfo(unassigned=plan.unassigned, total_minutes=plan.total_minutes, assignments=[
        PlannedAssignment(alert=a, unit=u, minutes=m) for a, u, m in plan.assignments])
