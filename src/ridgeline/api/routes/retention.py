"""Retention (admin): ``/api/v1/retention``: the sector's periods, and a purge now."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ridgeline.api.schemas import PurgeInfo, PurgeRequest
from ridgeline.api.security import Ctx, Who, needs
from ridgeline.app.retention import purge_expired
from ridgeline.config.sector import RetentionConfig
from ridgeline.model import Role, utc_now

router = APIRouter(prefix="/retention", tags=["retention"])


@router.get("", response_model=RetentionConfig, **needs(Role.ADMIN))
def periods(ctx: Ctx) -> RetentionConfig:
    """How long the centre keeps events, evidence and dead letters (set in the sector file)."""
    return ctx.retention or RetentionConfig()


@router.post("/purge", response_model=PurgeInfo, **needs(Role.ADMIN))
async def purge(body: PurgeRequest, ctx: Ctx, who: Who) -> PurgeInfo:
    """Purge what is past its retention now (evidence of open and held incidents kept; audited under the caller)."""
    done = await run_in_threadpool(purge_expired, ctx.store, ctx.retention or RetentionConfig(), utc_now(),
                                   body.dry_run, None, None, who.name)
    return PurgeInfo(messages=done.messages, snapshots=done.snapshots, held=done.held, dry_run=done.dry_run,
                     complete=done.complete, unit_positions=done.unit_positions)
