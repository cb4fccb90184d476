"""The audit trail: every action by a person or the system, in a hash chain nobody can rewrite unseen.

Each entry's hash is the SHA-256 of a canonical encoding of the entry (sorted-key JSON with
no spaces) that includes its sequence number and the previous entry's hash, so changing,
removing or reordering any entry breaks the chain from there on, and :func:`verify` names
the first entry where it breaks.  Appends are serialised on the one ``audit_head`` row (a
row lock on PostgreSQL, the write lock on SQLite) inside the caller's transaction: the
entry is committed exactly when the action it records is, and two writers never fork the
chain.  On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on ``audit``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ridgeline.model import utc_now
from ridgeline.store.schema import audit, audit_head

#: The hash before the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One action: who did what to what, when, and the chain's hashes around it."""

    seq: int
    time: datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash, as sorted-key compact JSON."""
        doc = {"seq": self.seq, "time": self.time.isoformat(timespec="microseconds"), "actor": self.actor,
               "action": self.action, "target": self.target, "detail": self.detail, "prev": self.prev_hash}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()

    def digest(self) -> str:
        """The hash this entry's content gives."""
        return hashlib.sha256(self.canonical()).hexdigest()


Action = tuple[str, str, "str | None", "dict[str, Any] | None", "datetime | None"]
"""One action to append: actor, action, target, detail, time (now when None)."""


def append(conn: Connection, actor: str, action: str, target: str | None = None,
           detail: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEntry:
    """Append an entry in the caller's transaction; the entry as written."""
    return append_many(conn, [(actor, action, target, detail, at)])[0]


def append_many(conn: Connection, actions: list[Action]) -> list[AuditEntry]:
    """Append entries in order, in the caller's transaction, with one lock and one insert."""
    if not actions:
        return []
    # a write to the head first: it takes the row (PostgreSQL) or the database (SQLite) for
    # this transaction, so the head read next is the one these appends follow
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    seq, prev, written = int(head.seq), str(head.hash), []
    for actor, action, target, detail, at in actions:
        seq += 1
        # a round trip through JSON: what is hashed is exactly what the database gives back
        body = json.loads(json.dumps(detail or {}, default=str))
        entry = AuditEntry(seq, (at or utc_now()), actor[:64], action[:64],
                           None if target is None else target[:128], body, prev)
        entry = replace(entry, hash=entry.digest())
        written.append(entry)
        prev = entry.hash
    conn.execute(insert(audit), [
        {"seq": e.seq, "time": e.time, "actor": e.actor, "action": e.action, "target": e.target,
         "detail": e.detail, "prev_hash": e.prev_hash, "hash": e.hash} for e in written])
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
    return written


def entries(conn: Connection, after: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
    """Entries in sequence order, from ``after`` + 1."""
    query = select(audit).where(audit.c.seq > after).order_by(audit.c.seq)
    if limit is not None:
        query = query.limit(limit)
    for row in conn.execute(query):
        yield AuditEntry(int(row.seq), row.time, row.actor, row.action, row.target, row.detail or {},
                         row.prev_hash, row.hash)


@dataclass(frozen=True)
class AuditCheck:
    """What verifying the chain found: how many entries, the head, and the first break (if any)."""

    entries: int
    head_seq: int
    head_hash: str
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _break(entry: AuditEntry, following: AuditEntry | None, prev_hash: str) -> str | None:
    """Why the chain breaks at ``entry`` (given the hash it must follow), or None."""
    if entry.digest() != entry.hash:
        for other in (entry.seq + 1, entry.seq - 1):
            if other > 0 and replace(entry, seq=other).digest() == entry.hash:
                return f"entry {entry.seq} holds entry {other}'s content: entries {entry.seq} and {other} reordered"
        return f"entry {entry.seq} changed: its content no longer gives its hash"
    if entry.prev_hash != prev_hash:
        if following is not None and following.hash == entry.prev_hash:
            return f"entries {entry.seq} and {following.seq} reordered"
        return f"entry {entry.seq} does not follow entry {entry.seq - 1}: an entry before it was changed or replaced"
    return None


def verify(conn: Connection) -> AuditCheck:
    """Walk the whole chain; the first entry that was changed, removed or reordered is named."""
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    prev_hash, expected, count = GENESIS, 1, 0
    stream = entries(conn)
    entry = next(stream, None)
    while entry is not None:
        following = next(stream, None)
        if entry.seq != expected:
            gone = str(expected) if entry.seq == expected + 1 else f"{expected} to {entry.seq - 1}"
            return AuditCheck(count, int(head.seq), head.hash, f"entry {gone} removed (the trail jumps from "
                                                               f"{expected - 1} to {entry.seq})")
        problem = _break(entry, following, prev_hash)
        if problem is not None:
            return AuditCheck(count, int(head.seq), head.hash, problem)
        prev_hash, expected, count = entry.hash, expected + 1, count + 1
        entry = following
    if int(head.seq) != count or head.hash != prev_hash:
        gone = str(count + 1) if int(head.seq) == count + 1 else f"{count + 1} to {head.seq}"
        problem = (f"entry {gone} removed from the end (the head says {head.seq})" if int(head.seq) > count
                   else f"the head (entry {head.seq}) does not match the last entry ({count})")
        return AuditCheck(count, int(head.seq), head.hash, problem)
    return AuditCheck(count, int(head.seq), head.hash)


def head(conn: Connection) -> tuple[int, str]:
    """The latest entry's seq and hash (0 and ``GENESIS`` before the first)."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    return int(row.seq), str(row.hash)


def check_witness(conn: Connection, seq: int, hash_: str) -> str | None:
    """Whether the chain still holds a head written out earlier (by ``ridgeline audit head``):
    a chain rewritten whole, every hash recomputed, passes :func:`verify` but not this."""
    found = conn.execute(select(audit.c.hash).where(audit.c.seq == seq)).scalar_one_or_none()
    if found is None:
        return f"entry {seq}, witnessed with hash {hash_[:16]}..., is no longer in the trail"
    if found != hash_:
        return (f"entry {seq} was witnessed with hash {hash_[:16]}... and now has {found[:16]}...: "
                "the trail was rewritten")
    return None

