"""Dead letters: what the centre refused, kept so that a refusal is never a loss.

A refused message keeps its bytes (up to ``DeadLetterLimits.max_bytes_each``; ``cut``
counts what was left out), its reason, and its site and seq where they can be read.  An
identical message arriving again (a retained message at every restart, a site re-sending)
adds to the first row's ``repeats`` instead of a new row.  Each site may hold at most
``max_per_site`` unresolved dead letters and ``max_bytes_per_site`` bytes of them: what
would pass the cap is not kept, is counted against the site (``dead_overflow``), and is
not confirmed to the site, which keeps it in its outbox.  Dead letters older than
``retention`` are removed and counted (``dead_expired``).

An operator lists and reads them, and replays them once the cause is fixed (a clock set
right, a schema upgraded): a replayed dead letter is marked resolved with what became of
it, and no longer counts against its site.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from ridgeline.store.schema import dead_letters, site_counters

#: the counter key of dead letters whose topic names no site
NO_SITE = "?"

#: ``bump(conn, site, **counts)`` adds to a site's tallies in ``site_counters``
Bump = Callable[..., None]


@dataclass(frozen=True)
class DeadLetterLimits:
    """How much the centre keeps of what it refuses."""

    max_bytes_each: int = 1024 * 1024
    max_per_site: int = 10_000
    max_bytes_per_site: int = 64 * 1024 * 1024
    retention: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Refusal:
    """One refused message on its way to the dead-letter table."""

    topic: str
    reason: str
    detail: str
    raw: bytes
    site: str | None = None  # the site whose topic it came on (the broker's ACL vouches for it)
    seq: int | None = None  # its seq, where the bytes say one


@dataclass(frozen=True)
class DeadLetter:
    """A stored dead letter, as an operator reads it."""

    pk: int
    received: datetime
    last_received: datetime | None
    topic: str
    reason: str
    detail: str
    site: str | None
    seq: int | None
    size: int
    cut: int
    repeats: int
    resolved: datetime | None
    resolution: str | None
    raw: bytes


def _counter_key(site: str | None) -> str:
    return site or NO_SITE


def keep(conn: Connection, refusals: Sequence[Refusal], limits: DeadLetterLimits, received: datetime,
         bump: Bump) -> list[bool]:
    """Store each refusal (or count it again, or count it as over its site's cap).

    Returns, for each, whether its bytes are now held in full, so that it may be confirmed
    to its site.  ``bump(conn, site, **counts)`` adds to the site's tallies.
    """
    kept: list[bool] = []
    held: dict[str, tuple[int, int]] = {}
    for r in refusals:
        digest = hashlib.sha256(r.raw).hexdigest()
        twin = conn.execute(
            select(dead_letters.c.pk, dead_letters.c.cut).where(
                dead_letters.c.digest == digest, dead_letters.c.topic == r.topic[:256],
                dead_letters.c.resolved.is_(None),
            ).limit(1)
        ).first()
        if twin is not None:
            conn.execute(update(dead_letters).where(dead_letters.c.pk == twin.pk).values(
                repeats=dead_letters.c.repeats + 1, last_received=received))
            kept.append(twin.cut == 0)
            continue
        key = _counter_key(r.site)
        if key not in held:
            row = conn.execute(select(site_counters.c.dead_letters, site_counters.c.dead_bytes)
                               .where(site_counters.c.site == key)).first()
            held[key] = (int(row[0]), int(row[1])) if row else (0, 0)
        count, size = held[key]
        body = r.raw[: limits.max_bytes_each]
        if count + 1 > limits.max_per_site or size + len(body) > limits.max_bytes_per_site:
            bump(conn, key, dead_overflow=1, dead_overflow_bytes=len(r.raw))
            kept.append(False)
            continue
        conn.execute(insert(dead_letters).values(
            received=received, last_received=received, topic=r.topic[:256], reason=r.reason,
            detail=r.detail[:4000], raw=body, site=r.site, seq=r.seq, size=len(r.raw), cut=len(r.raw) - len(body),
            digest=digest, repeats=1,
        ))
        held[key] = (count + 1, size + len(body))
        bump(conn, key, dead_letters=1, dead_bytes=len(body))
        kept.append(len(body) == len(r.raw))
    return kept


def _letter(row: Any, with_raw: bool) -> DeadLetter:
    return DeadLetter(
        pk=row.pk, received=row.received, last_received=row.last_received, topic=row.topic, reason=row.reason,
        detail=row.detail, site=row.site, seq=row.seq, size=row.size, cut=row.cut, repeats=row.repeats,
        resolved=row.resolved, resolution=row.resolution, raw=bytes(row.raw) if with_raw else b"",
    )


def find(conn: Connection, pks: Sequence[int] = (), site: str | None = None, reason: str | None = None,
         unresolved: bool = True, limit: int | None = None, with_raw: bool = False) -> list[DeadLetter]:
    """Dead letters, oldest first, chosen by id, site and reason."""
    cols = [c for c in dead_letters.c if with_raw or c.name != "raw"]
    query = select(*cols).order_by(dead_letters.c.pk)
    if pks:
        query = query.where(dead_letters.c.pk.in_(list(pks)))
    if site is not None:
        query = query.where(dead_letters.c.site == site)
    if reason is not None:
        query = query.where(dead_letters.c.reason == reason)
    if unresolved:
        query = query.where(dead_letters.c.resolved.is_(None))
    if limit is not None:
        query = query.limit(limit)
    return [_letter(row, with_raw) for row in conn.execute(query)]


def resolve(conn: Connection, letter: DeadLetter, at: datetime, resolution: str, bump: Bump) -> None:
    """Mark a dead letter resolved (it no longer counts against its site's cap)."""
    done = conn.execute(update(dead_letters).where(dead_letters.c.pk == letter.pk, dead_letters.c.resolved.is_(None))
                        .values(resolved=at, resolution=resolution[:4000]))
    if done.rowcount:
        bump(conn, _counter_key(letter.site), dead_letters=-1, dead_bytes=-(letter.size - letter.cut))


def prune(conn: Connection, before: datetime, bump: Bump) -> int:
    """Remove dead letters received before ``before``; how many went."""
    rows = conn.execute(
        select(dead_letters.c.site, func.count(), func.coalesce(func.sum(dead_letters.c.size - dead_letters.c.cut), 0))
        .where(dead_letters.c.received < before, dead_letters.c.resolved.is_(None)).group_by(dead_letters.c.site)
    ).all()
    for site, n, size in rows:
        bump(conn, _counter_key(site), dead_letters=-int(n), dead_bytes=-int(size), dead_expired=int(n))
    gone = conn.execute(delete(dead_letters).where(dead_letters.c.received < before))
    return int(gone.rowcount or 0)


def counts_by_reason(conn: Connection) -> dict[str, int]:
    """Unresolved dead letters per reason."""
    return {r: int(n) for r, n in conn.execute(
        select(dead_letters.c.reason, func.count()).where(dead_letters.c.resolved.is_(None))
        .group_by(dead_letters.c.reason))}


def quarantined(conn: Connection) -> dict[str, tuple[set[int], set[int]]]:
    """Per site: seqs held only as unresolved dead letters, and those of them in a seq conflict."""
    out: dict[str, tuple[set[int], set[int]]] = {}
    for site, seq, reason in conn.execute(
        select(dead_letters.c.site, dead_letters.c.seq, dead_letters.c.reason).where(
            and_(dead_letters.c.resolved.is_(None), dead_letters.c.site.is_not(None), dead_letters.c.seq.is_not(None))
        )
    ):
        held, conflicts = out.setdefault(site, (set(), set()))
        held.add(int(seq))
        if reason == "seq_conflict":
            conflicts.add(int(seq))
    return out
