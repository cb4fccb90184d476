"""Alerts worked as a team: ``/api/v1/alerts``.

Viewers read; operators acknowledge, clear, assign, escalate, comment and dispatch; supervisors
resolve.  Every change is announced on the live feed once committed.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, status

from ridgeline.api.schemas import (
    AlertDetailInfo,
    Assignment,
    CommentInfo,
    CommentText,
    Escalation,
    HistoryInfo,
    Note,
    PathInfo,
    Resolution,
)
from ridgeline.api.security import Ctx, Who, needs
from ridgeline.app import alerts as use
from ridgeline.app.changes import alert_change
from ridgeline.model import Alert, AlertState, Role
from ridgeline.store.comments import Comment

router = APIRouter(prefix="/alerts", tags=["alerts"])
AlertId = Path(min_length=1, max_length=64, description="Alert id.")


def comment_info(c: Comment) -> CommentInfo:
    return CommentInfo(time=c.time, author=c.author, system=c.system, text=c.text)


def _told(ctx: Ctx, alert: Alert) -> Alert:
    ctx.changes.announce([alert_change(alert)])
    return alert


@router.get("", response_model=list[Alert], **needs(Role.VIEWER))
def list_alerts(
    ctx: Ctx,
    state: AlertState | None = Query(None, description="Only in this state."),
    assignee: str | None = Query(None, max_length=64, description="Only assigned to this operator."),
    unacknowledged: bool | None = Query(None, description="true: only those nobody acknowledged; false: only "
                                        "acknowledged ones."),
    cleared: bool | None = Query(None, description="true: only cleared ones; false: only those not cleared."),
    limit: int = Query(50, ge=1, le=1000, description="At most this many, newest first."),
) -> list[Alert]:
    """Alerts, newest first."""
    return [row.alert for row in use.list_alerts(ctx.store, state, limit, assignee, unacknowledged, cleared)]


@router.get("/{alert_id}", response_model=AlertDetailInfo, **needs(Role.VIEWER))
def get_alert(ctx: Ctx, alert_id: str = AlertId) -> AlertDetailInfo:
    """One alert with its history, comments and the incidents it is in."""
    found = use.get_alert(ctx.store, alert_id)
    return AlertDetailInfo(
        alert=found.alert, rule=found.rule, incidents=found.incidents,
        history=[HistoryInfo(time=h.time, action=h.action, actor=h.actor, detail=h.detail) for h in found.history],
        comments=[comment_info(c) for c in found.comments])


@router.get("/{alert_id}/track", response_model=list[PathInfo], **needs(Role.VIEWER))
def alert_track(ctx: Ctx, alert_id: str = AlertId) -> list[PathInfo]:
    """Where the objects behind the alert went: their tracks from ten minutes before its first event."""
    out = []
    for path in use.alert_paths(ctx.store, alert_id):
        coords = [[lon, lat] for _t, lon, lat in path.points]
        line = {"type": "LineString", "coordinates": coords} if len(coords) > 1 else {
            "type": "Point", "coordinates": coords[0] if coords else []}
        out.append(PathInfo(site=path.site, object_id=path.object_id, object_class=path.object_class, line=line,
                            times=[t for t, _lon, _lat in path.points]))
    return out


@router.post("/{alert_id}/acknowledge", response_model=Alert, **needs(Role.OPERATOR))
def acknowledge(body: Note, ctx: Ctx, who: Who, alert_id: str = AlertId) -> Alert:
    """Acknowledge: the caller has seen it and owns the reaction (409 if acknowledged already)."""
    return _told(ctx, use.acknowledge(ctx.store, alert_id, who.name, body.note))


@router.post("/{alert_id}/clear", response_model=Alert, **needs(Role.OPERATOR))
def clear(body: Note, ctx: Ctx, who: Who, alert_id: str = AlertId) -> Alert:
    """Clear: the activity is over (409 if cleared already); acknowledged and cleared are separate facts."""
    return _told(ctx, use.clear(ctx.store, alert_id, who.name, body.note))


@router.post("/{alert_id}/escalate", response_model=Alert, **needs(Role.OPERATOR))
def escalate(body: Escalation, ctx: Ctx, who: Who, alert_id: str = AlertId) -> Alert:
    """Escalate by hand to the supervisor role or a named supervisor (409 if resolved, or escalated
    there already); the severity stays."""
    return _told(ctx, use.escalate(ctx.store, alert_id, who.name, body.to, body.note))


@router.put("/{alert_id}/assignee", response_model=Alert, **needs(Role.OPERATOR))
def assign(body: Assignment, ctx: Ctx, who: Who, alert_id: str = AlertId) -> Alert:
    """Assign to an enabled operator, or unassign (null)."""
    return _told(ctx, use.assign(ctx.store, alert_id, body.assignee, who.name))


@router.post("/{alert_id}/comments", response_model=CommentInfo, status_code=status.HTTP_201_CREATED,
             **needs(Role.OPERATOR))
def comment(body: CommentText, ctx: Ctx, who: Who, alert_id: str = AlertId) -> CommentInfo:
    """Write a comment on the alert."""
    return comment_info(use.comment(ctx.store, alert_id, body.text, who.name))


@router.post("/{alert_id}/dispatch", response_model=Alert, **needs(Role.OPERATOR))
def dispatch(body: Note, ctx: Ctx, who: Who, alert_id: str = AlertId) -> Alert:
    """Record that a team was sent (the dispatch itself comes with the responders)."""
    return _told(ctx, use.move_alert(ctx.store, alert_id, AlertState.DISPATCHED, who.name, body.note))


@router.post("/{alert_id}/resolve", response_model=Alert, **needs(Role.SUPERVISOR))
def resolve(body: Resolution, ctx: Ctx, who: Who, alert_id: str = AlertId) -> Alert:
    """Resolve: a supervisor's verdict, a true alert or a false alarm."""
    return _told(ctx, use.resolve(ctx.store, alert_id, body.false_alarm, who.name, body.note))
