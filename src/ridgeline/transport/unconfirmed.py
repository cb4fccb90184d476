"""What a site has sent and the centre has not yet confirmed, and when to send it again.

The path from a site to the centre is first-in first-out (MQTT keeps the order of one
client's QoS 1 messages, and the centre stores them in the order they come).  So when the
centre confirms a seq, every seq *first sent before it* that is still unconfirmed was lost
on the way (a broker killed before it saved its queue, a link dropped before the PUBACK):
those are sent again once their time is up.  Seqs sent after the last confirmed one may
simply be waiting in the broker's queue for a centre that is down or busy; sending them
again would only double the queue.  For those, and for a loss at the very end of what was
sent (nothing later to prove it), a *probe* of the oldest of them goes out when their time
is up: while the centre stays silent each probe is one batch and waits twice as long as the
one before; while it answers, probes follow a second apart and double in size (as TCP's
slow start), so a window the broker dropped whole (a centre with no session there) is sent
again in a few seconds, and one merely queued is sent again only in part.

Only seqs recorded here are accepted as confirmed: a confirmation for a seq the site never
sent (a forged or stale message on its ``cmd/ack`` topic) deletes nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
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
        self._probe_n = probe_size
        self._probed_at = 0.0
        self._heard_since_probe = False
        self.ignored = 0  # confirmed seqs not awaiting one (not sent, or confirmed before)
        self.resent = 0
        self.probes = 0

    def __len__(self) -> int:
        return len(self._sent)

    def __contains__(self, seq: object) -> bool:
        return seq in self._sent

    def room(self) -> int:
        """How many more seqs may be sent before the window is full."""
        return max(self.limit - len(self._sent), 0)

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

    def confirm(self, ranges: Sequence[tuple[int, int]]) -> list[int]:
        """The seqs awaiting confirmation that fall in these sorted (first, last) ranges; the rest
        of the ranges (not sent, or confirmed already) is ignored and counted."""
        size = sum(hi - lo + 1 for lo, hi in ranges)
        accepted: list[int] = []
        if size <= len(self._sent):  # the usual case: walk the ranges
            accepted = [seq for lo, hi in ranges for seq in range(lo, hi + 1) if seq in self._sent]
        else:  # a wide confirmation (or a forged one): walk what is awaited
            firsts = [lo for lo, _ in ranges]
            for seq in self._sent:
                at = bisect_right(firsts, seq) - 1
                if at >= 0 and seq <= ranges[at][1]:
                    accepted.append(seq)
        for seq in accepted:
            self._evidence = max(self._evidence, self._sent.pop(seq).first)
        self.ignored += size - len(accepted)
        if accepted:
            self._heard_since_probe = True
            # the next probe need not wait out a silence that is over
            self._probe_at = min(self._probe_at, self._probed_at + min(1.0, self.resend_after))
        return accepted

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
            # a centre that answered since the last probe is alive: a larger probe, soon
            if self._heard_since_probe and self.probes:
                self._probe_n = min(self._probe_n * 2, self.limit)
                self._probe_wait = min(1.0, self.resend_after)
            else:
                self._probe_n = self.probe_size
                self._probe_wait = min(max(self._probe_wait * 2, self.resend_after), self.max_backoff)
            waiting.sort()
            out.extend(seq for _, seq in waiting[: min(self._probe_n, most - len(out))])
            self.probes += 1
            self._probed_at = now
            self._probe_at = now + self._probe_wait
            self._heard_since_probe = False
        self.resent += len(out)
        return out
