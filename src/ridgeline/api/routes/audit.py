"""The audit trail (supervisor): ``/api/v1/audit``."""

from __future__ import annotations

from fastapi import APIRouter, Query

from ridgeline.api.schemas import AuditEntryInfo, AuditVerdict
from ridgeline.api.security import Ctx, needs
from ridgeline.app.audit import check_trail, read_trail
from ridgeline.model import Role

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryInfo], **needs(Role.SUPERVISOR))
def list_entries(
    ctx: Ctx,
    after: int = Query(0, ge=0, le=2**62, description="Entries after this seq."),
    limit: int = Query(100, ge=1, le=1000, description="At most this many."),
) -> list[AuditEntryInfo]:
    """Entries of the trail, oldest first."""
    return [AuditEntryInfo(seq=e.seq, time=e.time, actor=e.actor, action=e.action, target=e.target,
                           detail=e.detail, prev_hash=e.prev_hash, hash=e.hash)
            for e in read_trail(ctx.store, after, limit)]


@router.get("/verify", response_model=AuditVerdict, **needs(Role.SUPERVISOR))
def verify(ctx: Ctx) -> AuditVerdict:
    """Walk the whole chain: the first entry changed, removed or reordered is named."""
    check = check_trail(ctx.store)
    return AuditVerdict(intact=check.intact, entries=check.entries, head_seq=check.head_seq,
                        head_hash=check.head_hash, problem=check.problem)
