"""Use case: check the audit trail: every entry still where it was, as it was."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.app.database import open_existing
from ridgeline.errors import ConfigError, DataFileNotFoundError

if TYPE_CHECKING:
    from ridgeline.store.audit import AuditCheck, AuditEntry
    from ridgeline.store.db import Store


def verify_audit(db: str, witnessed: Path | None = None) -> AuditCheck:
    """Walk the hash chain of the database at ``db`` (which must exist), and check that it still
    holds every head in ``witnessed`` (lines ``SEQ HASH [TIME]`` written by :func:`audit_head`)."""
    from dataclasses import replace

    from ridgeline.store.audit import check_witness, verify

    heads = _witnessed(witnessed) if witnessed is not None else []
    store = open_existing(db)
    try:
        with store.engine.connect() as conn:
            check = verify(conn)
            for line, (seq, hash_) in heads:
                problem = check_witness(conn, seq, hash_)
                if problem is not None and check.intact:
                    return replace(check, problem=f"{witnessed}:{line}: {problem}")
            return check
    finally:
        store.close()


def audit_head(db: str) -> str:
    """The trail's head as one line, ``SEQ HASH TIME``, to be kept outside the database."""
    store = open_existing(db)
    try:
        return _head_line(store)[1]
    finally:
        store.close()


def _head_line(store: Store) -> tuple[int, str]:
    """The head's seq, and its line ``SEQ HASH TIME`` (what a witness file holds)."""
    from ridgeline.model import utc_now
    from ridgeline.store.audit import head

    with store.engine.connect() as conn:
        seq, hash_ = head(conn)
    return seq, f"{seq} {hash_} {utc_now().isoformat(timespec='seconds')}"


def _witnessed(path: Path) -> list[tuple[int, tuple[int, str]]]:
    """The heads in a witness file: (line number, (seq, hash)); a malformed line is an error naming it."""
    if not path.is_file():
        raise DataFileNotFoundError(f"{path}: witness file not found")
    heads = []
    for n, text in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        parts = text.split()
        if not parts:
            continue
        if len(parts) < 2 or not parts[0].isdigit() or len(parts[1]) != 64:
            raise ConfigError(f"{path}:{n}: expected 'SEQ HASH [TIME]' (a line of 'ridgeline audit head')")
        heads.append((n, (int(parts[0]), parts[1])))
    return heads


def read_trail(store: Store, after: int = 0, limit: int = 100) -> list[AuditEntry]:
    """Entries after seq ``after``, oldest first, at most ``limit``."""
    from ridgeline.store.audit import entries

    with store.engine.connect() as conn:
        return list(entries(conn, after=after, limit=limit))


def check_trail(store: Store) -> AuditCheck:
    """Walk the whole chain of an open store (see :func:`verify_audit`)."""
    from ridgeline.store.audit import verify

    with store.engine.connect() as conn:
        return verify(conn)


def write_head(store: Store, path: Path, last_seq: int = 0) -> int:
    """Append the trail's head to ``path`` (a witness file ``audit verify --heads`` reads) when it
    moved past ``last_seq``; the head's seq.  The file is flushed and synced: a witness that a
    crash can lose witnesses nothing."""
    import os

    seq, line = _head_line(store)
    if seq > last_seq:
        with path.open("a") as witness:
            witness.write(line + "\n")
            witness.flush()
            os.fsync(witness.fileno())
    return seq
