"""Replaying dead letters: what the centre refused, judged again once the cause is fixed.

Each dead letter's bytes go through the same decoding as at ingest, under today's limits;
what is accepted is stored (with the rules run on it, when given), and the dead letter is
marked resolved with what became of it.  What is refused again stays a dead letter, with
the new reason reported.  A dead letter whose bytes were cut cannot be replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from ridgeline.model import Envelope, MessageType, utc_now
from ridgeline.store.db import Store
from ridgeline.store.deadletters import DeadLetter
from ridgeline.transport.wire import WireLimits, clock_ahead, decode_batch


@dataclass(frozen=True)
class ReplayOutcome:
    """What became of one dead letter."""

    pk: int
    resolved: bool
    outcome: str


def replay_dead_letters(
    store: Store, letters: Sequence[DeadLetter], limits: WireLimits | None = None,
    hook: Callable[[Connection, list[Envelope]], object] | None = None,
) -> list[ReplayOutcome]:
    """Judge each dead letter (with its bytes) again; store and resolve what is accepted now."""
    limits = limits or WireLimits()
    outcomes: list[ReplayOutcome] = []
    for letter in letters:
        if letter.resolved is not None:
            outcomes.append(ReplayOutcome(letter.pk, False, f"already resolved: {letter.resolution}"))
            continue
        if letter.cut:
            outcomes.append(ReplayOutcome(letter.pk, False, f"cannot replay: {letter.cut} of its {letter.size} bytes "
                                                            "were not kept"))
            continue
        now = utc_now()
        good, refused = decode_batch(letter.topic, letter.raw, limits)
        good = [e for e in good if e.type != MessageType.STATUS]
        if refused:
            first = refused[0].error
            outcomes.append(ReplayOutcome(letter.pk, False, f"still refused: {first}"))
            continue
        if not good:
            outcomes.append(ReplayOutcome(letter.pk, False, "nothing to store (a status message)"))
            continue
        ahead = {e.id: s for e in good if (s := clock_ahead(e, now, limits)) is not None}
        result = store.ingest(good, received=now, hook=hook, ahead=ahead, keep_conflicts=False)
        if result.conflicts:
            held = ", ".join(f"{e.site} seq {e.seq}" for e in result.conflicts[:3])
            outcomes.append(ReplayOutcome(letter.pk, False, f"still refused: seq_conflict: {held} is held by "
                                                            "another message"))
            continue
        flag = f", {len(ahead)} with the sensor clock ahead (flagged)" if ahead else ""
        what = f"replayed: {result.inserted} stored, {result.redelivered} already stored{flag}"
        store.resolve_dead_letter(letter, what, at=now)
        outcomes.append(ReplayOutcome(letter.pk, True, what))
    return outcomes
