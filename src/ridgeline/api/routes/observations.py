"""What the sites reported (viewer): ``/api/v1/sites``, ``/events``, ``/tracks``, ``/evidence``."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from ridgeline.api.context import ApiContext
from ridgeline.api.schemas import EvidenceInfo, ReportedInfo, SiteInfo
from ridgeline.api.security import Ctx, needs
from ridgeline.app import observations as use
from ridgeline.model import Role, utc_now
from ridgeline.store.snapshots import StoredSnapshot

router = APIRouter(tags=["observations"])

Since = Query(None, description="From this time (ISO 8601, with a zone; default: an hour before until).")
Until = Query(None, description="Up to this time, exclusive (default: now).")
Bbox = Query(None, max_length=200, description="Only within WEST,SOUTH,EAST,NORTH (WGS84 degrees).")
SiteQ = Query(None, max_length=64, description="Only from this site.")
Limit = Query(1000, ge=1, le=use.MAX_ROWS, description="At most this many, oldest first.")


def _window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{name}: give a time zone (e.g. Z)")
    end = until or utc_now()
    return since or end - timedelta(hours=1), end


@router.get("/sites", response_model=list[SiteInfo], **needs(Role.VIEWER))
def sites(ctx: Ctx) -> list[SiteInfo]:
    """Every site the centre has heard from: online, last heard, backlog."""
    return [SiteInfo(site=s.site, online=s.online, seen=s.seen, backlog=s.backlog, last_seq=s.last_seq)
            for s in use.list_sites(ctx.store)]


def _reported(
    ctx: ApiContext,
    kind: str,
    since: datetime | None,
    until: datetime | None,
    bbox: str | None,
    site: str | None,
    limit: int,
) -> list[ReportedInfo]:
    start, end = _window(since, until)
    box = use.parse_box(bbox) if bbox is not None else None
    return [ReportedInfo(site=r.site, seq=r.seq, time=r.time, received=r.received, data=r.payload)
            for r in use.find_reported(ctx.store, kind, start, end, box, site, limit)]


@router.get("/events", response_model=list[ReportedInfo], **needs(Role.VIEWER))
def events(
    ctx: Ctx,
    since: datetime | None = Since,
    until: datetime | None = Until,
    bbox: str | None = Bbox,
    site: str | None = SiteQ,
    limit: int = Limit,
) -> list[ReportedInfo]:
    """Events by time window and area."""
    return _reported(ctx, "events", since, until, bbox, site, limit)


@router.get("/tracks", response_model=list[ReportedInfo], **needs(Role.VIEWER))
def tracks(
    ctx: Ctx,
    since: datetime | None = Since,
    until: datetime | None = Until,
    bbox: str | None = Bbox,
    site: str | None = SiteQ,
    limit: int = Limit,
) -> list[ReportedInfo]:
    """Tracks by time window and area (a track is in the area when any of its points is)."""
    return _reported(ctx, "tracks", since, until, bbox, site, limit)


def _evidence(s: StoredSnapshot) -> EvidenceInfo:
    return EvidenceInfo(site=s.site, id=s.id, event=s.event, sensor=s.sensor, time=s.time, media_type=s.media_type,
                        width=s.width, height=s.height, url=f"/api/v1/evidence/{s.site}/{s.id}")


@router.get("/events/{event_id}/evidence", response_model=list[EvidenceInfo], **needs(Role.VIEWER))
def event_evidence(
    ctx: Ctx,
    event_id: str = Path(min_length=1, max_length=64, description="Event id."),
) -> list[EvidenceInfo]:
    """The evidence images of one event still kept (privacy-masked at the edge)."""
    return [_evidence(s) for s in use.evidence_for_event(ctx.store, event_id)]


@router.get("/evidence/{site}/{snapshot_id}", response_class=Response, **needs(Role.VIEWER),
            responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The image."}})
def evidence_image(
    ctx: Ctx,
    site: str = Path(min_length=1, max_length=64, description="Site id."),
    snapshot_id: str = Path(min_length=1, max_length=64, description="Snapshot id."),
) -> Response:
    """One evidence image (privacy-masked at the edge; gone after its retention unless held)."""
    found = use.evidence(ctx.store, site, snapshot_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence {site}/{snapshot_id} (never sent, or past its "
                            "retention)")
    return Response(found.image, media_type=found.media_type, headers={"Cache-Control": "private, max-age=3600"})
