"""The per-site sequence check behind ``ridgeline store check``: is every seq accounted for?

A site numbers its messages 1, 2, 3... without gaps.  At the centre each seq is either
*stored*, *quarantined* (held only as a dead letter: refused, kept, replayable), or
*unaccounted*.  The site's last status says the highest seq it has handed out and how many
messages still wait in its outbox: unaccounted seqs up to that many may simply be *pending*
at the site; the rest are *missing* — lost.  A status is a snapshot and the centre's count
only grows after it, so this never calls a pending seq missing; a site whose status says
"backlog 0" while the centre lacks seqs has lost them (a forged confirmation, a wiped
outbox).  Without any status, every gap below the highest stored seq counts as missing.
Messages removed after their retention (``store.retention``) are *purged*: their seqs
were stored once and are kept as ranges, so they are accounted for, and the highest of
them counts as a seq the site sent.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from ridgeline.store import deadletters, retention
from ridgeline.store.schema import messages, site_counters, sites


@dataclass(frozen=True)
class SiteReport:
    """Per-site figures of ``ridgeline store check``."""

    site: str
    received: int
    max_seq: int
    missing: int
    #: ranges of unaccounted seqs (pending or missing), first 100,000 gaps
    missing_ranges: list[tuple[int, int]]
    duplicates: int
    redelivered: int
    thinned: int
    quarantined: int = 0
    conflicts: int = 0
    pending: int = 0
    #: seqs stored once and removed after their retention
    purged: int = 0
    clock_ahead: int = 0
    dead_overflow: int = 0
    reported_seq: int = 0
    backlog: int | None = None
    seen: datetime | None = None
    online: bool | None = None

    @property
    def heard(self) -> bool:
        """Whether the centre has anything from this site at all."""
        return self.received > 0 or self.seen is not None or self.quarantined > 0 or self.purged > 0

    @property
    def ok(self) -> bool:
        """Nothing missing, doubled, in conflict or refused for lack of room."""
        return self.missing == 0 and self.duplicates == 0 and self.conflicts == 0 and self.dead_overflow == 0


def _without(ranges: Iterable[tuple[int, int]], held: set[int]) -> list[tuple[int, int]]:
    """The ranges with the seqs in ``held`` taken out."""
    out: list[tuple[int, int]] = []
    points = sorted(held)
    for lo, hi in ranges:
        start = lo
        for seq in points[bisect_left(points, lo) : bisect_right(points, hi)]:
            if seq > start:
                out.append((start, seq - 1))
            start = seq + 1
        if start <= hi:
            out.append((start, hi))
    return out


def _minus(ranges: Iterable[tuple[int, int]], cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges with the (sorted, disjoint) ranges ``cut`` taken out."""
    out: list[tuple[int, int]] = []
    starts = [lo for lo, _hi in cut]
    for lo, hi in ranges:
        start, i = lo, max(bisect_right(starts, lo) - 1, 0)
        while i < len(cut) and cut[i][0] <= hi:
            cut_lo, cut_hi = cut[i]
            if cut_hi >= start:
                if cut_lo > start:
                    out.append((start, cut_lo - 1))
                start = cut_hi + 1
            i += 1
        if start <= hi:
            out.append((start, hi))
    return out


def check(conn: Connection, expected: Iterable[str] = ()) -> list[SiteReport]:
    """A report for every site heard from, and for every site in ``expected`` (the sector's)."""
    stats = {
        site: (int(count), int(distinct), int(max_seq), int(min_seq))
        for site, count, distinct, max_seq, min_seq in conn.execute(
            select(messages.c.site, func.count(), func.count(func.distinct(messages.c.seq)),
                   func.max(messages.c.seq), func.min(messages.c.seq)).group_by(messages.c.site)
        )
    }
    counters = {row.site: row for row in conn.execute(select(site_counters))}
    status = {row.site: row for row in conn.execute(select(sites))}
    held = deadletters.quarantined(conn)
    gone = retention.purged(conn)
    prev = func.lag(messages.c.seq).over(partition_by=messages.c.site, order_by=messages.c.seq)
    sub = select(messages.c.site, messages.c.seq, prev.label("prev")).subquery()
    gaps: dict[str, list[tuple[int, int]]] = {}
    for site, seq, before in conn.execute(
        select(sub.c.site, sub.c.seq, sub.c.prev).where(sub.c.seq - sub.c.prev > 1).limit(100_000)
    ):
        gaps.setdefault(site, []).append((before + 1, seq - 1))
    names = set(stats) | set(status) | set(expected) | set(gone) | {s for s in held if s != deadletters.NO_SITE}
    reports = []
    for site in sorted(names):
        count, distinct, max_seq, min_seq = stats.get(site, (0, 0, 0, 0))
        seen = status.get(site)
        reported = int(seen.last_seq) if seen is not None else 0
        purged = gone.get(site, [])
        top = max(reported, purged[-1][1] if purged else 0)  # the highest seq the site is known to have sent
        ranges = ([(1, min_seq - 1)] if min_seq > 1 else []) + sorted(gaps.get(site, []))
        if count == 0 and top > 0:
            ranges = [(1, top)]
        elif top > max_seq:
            ranges.append((max_seq + 1, top))
        quarantined, conflicts = held.get(site, (set(), set()))
        unaccounted = _minus(_without(ranges, quarantined), purged)
        lacking = sum(hi - lo + 1 for lo, hi in unaccounted)
        pending = min(int(seen.backlog), lacking) if seen is not None else 0
        tally = counters.get(site)
        last = max(max_seq, purged[-1][1] if purged else 0)
        reports.append(SiteReport(
            site=site, received=count, max_seq=last, missing=lacking - pending, missing_ranges=unaccounted,
            duplicates=count - distinct, redelivered=int(tally.redelivered) if tally else 0,
            thinned=int(tally.thinned) if tally else 0, quarantined=len(quarantined), conflicts=len(conflicts),
            pending=pending, purged=sum(hi - lo + 1 for lo, hi in purged),
            clock_ahead=int(tally.clock_ahead) if tally else 0,
            dead_overflow=int(tally.dead_overflow) if tally else 0, reported_seq=reported,
            backlog=int(seen.backlog) if seen is not None else None, seen=seen.seen if seen is not None else None,
            online=bool(seen.online) if seen is not None else None,
        ))
    return reports
