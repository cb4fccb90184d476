"""Use case: check the audit trail: every entry still where it was, as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ridgeline.app.database import open_existing

if TYPE_CHECKING:
    from ridgeline.store.audit import AuditCheck


def verify_audit(db: str) -> AuditCheck:
    """Walk the hash chain of the database at ``db`` (which must exist)."""
    from ridgeline.store.audit import verify

    store = open_existing(db)
    try:
        with store.engine.connect() as conn:
            return verify(conn)
    finally:
        store.close()
