"""The one loop that judges an AIS source: read or listen, feed the behaviour engine, finish.

The edge's AIS adapter and the application layer's ``ais`` use case both run it, so a file
and a live feed are judged the same way wherever they are judged.  A file is read whole,
its anchorages learned first, then fed in time order ``chunk`` reports at a time (radar
plots between them) as a live feed would deliver them; a live feed is fed as it arrives.
A file none of whose reports is kept (every row refused or not a vessel) is an error that
counts the reasons, not an empty result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ridgeline.config.maritime import MaritimeConfig
from ridgeline.errors import NoVesselReportsError
from ridgeline.maritime.behaviour import Behaviour, BehaviourEngine
from ridgeline.maritime.positions import Positions
from ridgeline.maritime.radar import RadarPlots
from ridgeline.maritime.shore import Shore
from ridgeline.maritime.sources import AisSource

Bounds = tuple[float, float, float, float]
"""West, south, east, north, degrees."""


@dataclass(frozen=True)
class Step:
    """One chunk fed (``None`` for the engine's last word at the end) and what it brought."""

    chunk: Positions | None
    behaviours: list[Behaviour]
    done: int
    """Reports fed so far."""


class BehaviourStream:
    """Behaviours from one AIS source, step by step.

    ``shore_for`` builds the shore over an extent: ``bounds`` if given, else (for a file)
    the extent of its reports.  ``engine`` exists once the first step is taken; for a file
    ``positions`` then holds every report, in time order.
    """

    def __init__(self, source: AisSource, config: MaritimeConfig,
                 shore_for: Callable[[Bounds | None], Shore | None], bounds: Bounds | None = None,
                 chunk: int = 20_000, radar: RadarPlots | None = None) -> None:
        self.source = source
        self.config = config
        self.shore_for = shore_for
        self.bounds = bounds
        self.chunk = chunk
        self.radar = radar
        self.engine: BehaviourEngine | None = None
        self.positions = Positions.empty()

    def steps(self, on_read: Callable[[int], None] | None = None) -> Iterator[Step]:
        """Feed the source through the engine; ``on_read`` hears how many lines of a file were read."""
        if self.source.kind in ("nmea", "csv"):
            yield from self._file(on_read)
            assert self.engine is not None
            if not self.engine.reports:
                raise NoVesselReportsError(nothing_kept(self.source, self.engine.tracks.dropped))
        else:
            yield from self._live()
        assert self.engine is not None
        yield Step(None, self.engine.finish(), len(self.positions))

    def _start(self, bounds: Bounds | None) -> BehaviourEngine:
        self.engine = BehaviourEngine(self.config, self.shore_for(bounds), mmsi_rules=self.source.ids.are_mmsis)
        self.engine.update_statics(self.source.statics)
        return self.engine

    def _file(self, on_read: Callable[[int], None] | None) -> Iterator[Step]:
        self.positions = self.source.read_file(on_read).sorted_by_time()
        bounds = self.bounds if self.bounds is not None or not len(self.positions) else self.positions.bounds()
        engine = self._start(bounds)
        engine.learn_anchorages(self.positions)
        done = 0
        done_until = -np.inf  # radar plots up to this time went with an earlier chunk
        for part in self.positions.chunks(self.chunk):
            done += len(part)
            until = np.inf if done >= len(self.positions) else float(part.time[-1])
            yield Step(part, engine.feed(part, self._plots(done_until, until)), done)
            done_until = until

    def _plots(self, after: float, until: float) -> RadarPlots | None:
        radar = self.radar
        if radar is None or not len(radar):
            return None
        sel = (radar.time > after) & (radar.time <= until)
        return RadarPlots(radar.track[sel], radar.time[sel], radar.lat[sel], radar.lon[sel])

    def _live(self) -> Iterator[Step]:
        engine = self._start(self.bounds)
        done = 0
        for part in self.source.live_chunks():
            engine.update_statics(self.source.statics)
            done += len(part)
            yield Step(part, engine.feed(part), done)

    def stop(self) -> None:
        """End a live feed (its last chunk and the engine's last word still come)."""
        self.source.stop()


def nothing_kept(source: AisSource, dropped: dict[str, int]) -> str:
    """Why a file gave no vessel report to judge: its rows (or lines) and every reason, largest first.

    Rejected on reading (a bad field) and dropped on cleaning (not a vessel, a duplicate) are
    one list, because to the operator both are rows of the file that were not used.
    """
    reasons = Counter(source.rejected) + Counter(dropped)
    unit = "rows" if source.kind == "csv" else "lines"
    why = ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    if sum(reasons.values()) == source.lines:
        return f"{source.text}: no vessel positions kept: all {source.lines:,} {unit} rejected: {why}"
    return f"{source.text}: no vessel positions kept of {source.lines:,} {unit} (rejected: {why or 'none'})"
