"""What a site has sent and the centre has not yet confirmed, and when to send it again.

The path from a site to the centre is first-in first-out (MQTT keeps the order of one
client's QoS 1 messages, and the centre stores them in the order they come).  So when the
centre confirms a seq, every seq *first sent before it* that is still unconfirmed was lost
on the way (a broker killed before it saved its queue, a link dropped before the PUBACK):
those are sent again once their time is up.  Seqs sent after the last confirmed one may
simply be waiting in the broker's queue for a centre that is down or busy; sending them
again would only double the queue.  For those, and for a loss at the very end of what was
sent (nothing later to prove it), one *probe* of a single batch goes out when their time is
up, and while the centre stays silent each probe waits twice as long as the one before.

Only seqs recorded here are accepted as confirmed: a confirmation for a seq the site never
sent (a forged or stale message on its ``cmd/ack`` topic) deletes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class _Sent:
    """One unconfirmed seq."""

    first: int  # the number of its first send (sends are numbered in order)
    at: float  # monotonic time of its last send
    tries: int  # sends so far


class Unconfirmed:
    """The bounded window of sent, unconfirmed seqs and the resend policy over it."""

    def __init__(self, limit: int = 20_000, resend_after: float = 15.0, max_backoff: float = 300.0,
                 probe_size: int = 200) -> None:
        self.limit = limit
        self.resend_after = resend_after
        self.max_backoff = max_backoff
        self.probe_size = probe_size
        self._sent: dict[int, _Sent] = {}
        self._sends = 0  # numbers each first send
        self._evidence = -1  # the highest first-send number the centre has confirmed
        self._probe_at = 0.0
        self._probe_wait = resend_after
        self._heard_since_probe = False
        self.ignored = 0  # confirmations for seqs not (or no longer) awaiting one
        self.resent = 0
        self.probes = 0

    def __len__(self) -> int:
        return len(self._sent)

    def __contains__(self, seq: object) -> bool:
        return seq in self._sent

    def room(self) -> int:
        """How many more seqs may be sent before the window is full."""
        return max(self.limit - len(self._sent), 0)

    def seqs(self) -> set[int]:
        """Every seq awaiting confirmation (not to be fetched as new)."""
        return set(self._sent)

    def sent(self, seqs: Iterable[int], now: float) -> None:
        """Record a send (a first one, or again)."""
        for seq in seqs:
            known = self._sent.get(seq)
            if known is None:
                self._sent[seq] = _Sent(self._sends, now, 1)
                self._sends += 1
            else:
                known.at = now
                known.tries += 1

    def confirm(self, seqs: Iterable[int]) -> list[int]:
        """The seqs of a confirmation that were awaiting one (the rest is ignored and counted)."""
        accepted: list[int] = []
        for seq in seqs:
            known = self._sent.pop(seq, None)
            if known is None:
                self.ignored += 1
                continue
            accepted.append(seq)
            self._evidence = max(self._evidence, known.first)
        if accepted:
            self._heard_since_probe = True
        return accepted

    def forget(self) -> None:
        """Drop every record (the outbox was emptied another way)."""
        self._sent.clear()

    def _wait(self, sent: _Sent) -> float:
        return min(self.resend_after * 2 ** (sent.tries - 1), self.max_backoff)

    def due(self, now: float, most: int) -> list[int]:
        """Seqs to send again now: those shown lost, then a probe if one is due; at most ``most``."""
        expired = [(s.first, seq) for seq, s in self._sent.items() if now - s.at >= self._wait(s)]
        if not expired or most <= 0:
            return []
        lost = sorted(seq for first, seq in expired if first < self._evidence)[:most]
        waiting = [(first, seq) for first, seq in expired if first >= self._evidence]
        out = list(lost)
        if waiting and now >= self._probe_at and len(out) < most:
            waiting.sort()
            out.extend(seq for _, seq in waiting[: min(self.probe_size, most - len(out))])
            self.probes += 1
            # a centre that answers since the last probe is alive: the next may follow soon
            if self._heard_since_probe:
                self._probe_wait = min(1.0, self.resend_after)
            else:
                self._probe_wait = min(max(self._probe_wait * 2, self.resend_after), self.max_backoff)
            self._probe_at = now + self._probe_wait
            self._heard_since_probe = False
        self.resent += len(out)
        return out
