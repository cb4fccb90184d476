"""Incidents: ``/api/v1/incidents``, and their case files.

Operators open incidents from alerts, add alerts and comment; supervisors close and reopen
them, set legal holds and export case files.  A closed incident refuses changes (409)
until reopened.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath

from fastapi import APIRouter, Path, Query, Response, status
from starlette.concurrency import run_in_threadpool

from ridgeline.api.routes.alerts import comment_info
from ridgeline.api.schemas import (
    Closing,
    CommentInfo,
    CommentText,
    Hold,
    IncidentDetailInfo,
    MoreAlerts,
    NewIncident,
    Reopening,
    TimelineInfo,
)
from ridgeline.api.security import Ctx, Who, needs
from ridgeline.app import incidents as use
from ridgeline.app.cases import export_incident
from ridgeline.app.incident_record import incident_timeline
from ridgeline.model import Change, ChangeKind, Incident, IncidentState, Role

router = APIRouter(prefix="/incidents", tags=["incidents"])
IncidentId = Path(min_length=1, max_length=64, description="Incident id.")


def _told(ctx: Ctx, incident: Incident) -> Incident:
    ctx.changes.announce([Change(kind=ChangeKind.INCIDENT, id=incident.id, data=incident.model_dump(mode="json"))])
    return incident


@router.get("", response_model=list[Incident], **needs(Role.VIEWER))
def list_incidents(
    ctx: Ctx,
    state: IncidentState | None = Query(None, description="Only open, or only closed."),
    limit: int = Query(100, ge=1, le=1000, description="At most this many, newest first."),
) -> list[Incident]:
    """Incidents, newest first."""
    return use.list_incidents(ctx.store, state, limit)


@router.post("", response_model=Incident, status_code=status.HTTP_201_CREATED, **needs(Role.OPERATOR))
def open_incident(body: NewIncident, ctx: Ctx, who: Who) -> Incident:
    """Open an incident from one or several alerts."""
    return _told(ctx, use.open_incident(ctx.store, body.alerts, body.title, who.name))


@router.get("/{incident_id}", response_model=IncidentDetailInfo, **needs(Role.VIEWER))
def get_incident(ctx: Ctx, incident_id: str = IncidentId) -> IncidentDetailInfo:
    """An incident and its timeline: events, alerts, comments, evidence, dispatches."""
    incident = use.get_incident(ctx.store, incident_id)
    timeline = [TimelineInfo(time=e.time, kind=e.kind.value, actor=e.actor, text=e.text, alert_id=e.alert_id,
                             event_id=e.event_id, snapshot=e.snapshot)
                for e in incident_timeline(ctx.store, incident_id)]
    return IncidentDetailInfo(incident=incident, timeline=timeline)


@router.post("/{incident_id}/alerts", response_model=Incident, **needs(Role.OPERATOR))
def add_alerts(body: MoreAlerts, ctx: Ctx, who: Who, incident_id: str = IncidentId) -> Incident:
    """Add alerts to an open incident."""
    return _told(ctx, use.add_alerts(ctx.store, incident_id, body.alerts, who.name))


@router.post("/{incident_id}/comments", response_model=CommentInfo, status_code=status.HTTP_201_CREATED,
             **needs(Role.OPERATOR))
def comment(body: CommentText, ctx: Ctx, who: Who, incident_id: str = IncidentId) -> CommentInfo:
    """Write a comment on an open incident."""
    return comment_info(use.comment(ctx.store, incident_id, body.text, who.name))


@router.post("/{incident_id}/close", response_model=Incident, **needs(Role.SUPERVISOR))
def close(body: Closing, ctx: Ctx, who: Who, incident_id: str = IncidentId) -> Incident:
    """Close with an outcome: the incident is read-only from now on."""
    return _told(ctx, use.close(ctx.store, incident_id, body.outcome, who.name, body.summary))


@router.post("/{incident_id}/reopen", response_model=Incident, **needs(Role.SUPERVISOR))
def reopen(body: Reopening, ctx: Ctx, who: Who, incident_id: str = IncidentId) -> Incident:
    """Reopen a closed incident."""
    return _told(ctx, use.reopen(ctx.store, incident_id, who.name, body.reason))


@router.put("/{incident_id}/legal-hold", response_model=Incident, **needs(Role.SUPERVISOR))
def legal_hold(body: Hold, ctx: Ctx, who: Who, incident_id: str = IncidentId) -> Incident:
    """Set or release a legal hold: held, the incident's evidence outlives its retention."""
    return _told(ctx, use.set_legal_hold(ctx.store, incident_id, body.on, who.name))


@router.get("/{incident_id}/case", response_class=Response, **needs(Role.SUPERVISOR),
            responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The case file: a ZIP with a signed manifest."}})
async def case_file(ctx: Ctx, who: Who, incident_id: str = IncidentId) -> Response:
    """Export the incident's case file (audited): ``ridgeline case verify`` checks it."""
    with tempfile.TemporaryDirectory(prefix="ridgeline-case-") as folder:
        out = FilePath(folder) / f"case-{incident_id}.zip"
        done = await run_in_threadpool(export_incident, ctx.store, incident_id, out, ctx.settings.case_key, who.name)
        body = out.read_bytes()
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="case-{done.incident}.zip"', "X-Case-SHA256": done.sha256})
