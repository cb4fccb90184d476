"""AIS adapter for the edge agent: vessel behaviours from a receiver's feed (or a file), as Events.

Registered as ``ais`` under ``ridgeline.sensors``.  A behaviour is published when it
qualifies (an encounter two hours in) and again when it ends, under the same key, the second
time with the vessels' tracks as evidence (Track messages sent just before the event).
With a radar plot file beside an AIS file (``radar=``), radar tracks that no AIS report
explains become dark targets.  The source is judged by
:class:`~ridgeline.maritime.judging.BehaviourStream`, the same loop as ``ridgeline ais``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ridgeline.config.maritime import MaritimeConfig
from ridgeline.errors import AisInputError
from ridgeline.maritime.behaviour import Behaviour, BehaviourEngine
from ridgeline.maritime.events import evidence_tracks, to_event
from ridgeline.maritime.judging import BehaviourStream
from ridgeline.maritime.positions import Positions
from ridgeline.maritime.radar import RadarReader
from ridgeline.maritime.shore import Shore, build_shore
from ridgeline.maritime.sources import AisSource
from ridgeline.model import MessageType
from ridgeline.model.sensor import SensorMessage

HISTORY_S = 36 * 3600.0
"""Reports kept for evidence: the longest behaviour worth showing (a gap of a day and more)."""


class AisAdapter:
    """Events from one AIS source: ``file``, ``tcp://HOST:PORT`` or ``udp://HOST:PORT``."""

    name = "ais"

    def __init__(self, site: str, source: str, config: MaritimeConfig | None = None,
                 bounds: tuple[float, float, float, float] | None = None, dem: list[str] | None = None,
                 global_land: bool = True, sensor: str | None = None, chunk: int = 20_000,
                 coastline: str | None = None, radar: str | None = None, **_: Any) -> None:
        self.site = site
        self.source = AisSource(source)
        if radar is not None and self.source.kind not in ("nmea", "csv"):
            raise AisInputError(f"radar plots {radar}: a plot file can only be judged with an AIS file, "
                                f"not with the live feed {source}")
        self.radar = RadarReader().read(Path(radar).read_bytes().splitlines()) if radar is not None else None
        self.config = config or MaritimeConfig()
        self.bounds = bounds
        self.dem = dem or []
        self.global_land = global_land
        self.coastline = coastline
        self.sensor = sensor or f"{site}-ais"
        self.chunk = chunk
        self.engine: BehaviourEngine | None = None
        self._history: list[Positions] = []

    def _shore(self, bounds: tuple[float, float, float, float] | None) -> Shore | None:
        return build_shore(bounds, self.dem, self.coastline, self.global_land) if bounds is not None else None

    def messages(self) -> Iterator[SensorMessage]:
        stream = BehaviourStream(self.source, self.config, self._shore, self.bounds, self.chunk, self.radar)
        for step in stream.steps():
            self.engine = stream.engine
            if step.chunk is not None:
                self._remember(step.chunk)
            yield from self._publish(step.behaviours)

    def _remember(self, chunk: Positions) -> None:
        if not len(chunk):
            return
        self._history.append(chunk)
        if len(self._history) > 64:  # a live feed's one-second chunks, gathered into one
            every = Positions.concat(self._history)
            self._history = [every.take(every.time >= float(chunk.time.max()) - HISTORY_S)]

    def _publish(self, behaviours: list[Behaviour]) -> Iterator[SensorMessage]:
        history: Positions | None = None  # joined once, for the first behaviour that ended
        for b in behaviours:
            evidence: list[str] = []
            if not b.ongoing:
                if history is None:
                    history = Positions.concat(self._history)
                    self._history = [history]  # the next publish reuses the join
                for track in evidence_tracks(b, history, ids=self.source.ids):
                    evidence.append(track.id)
                    yield MessageType.TRACKS, track
            statics = self.engine.statics if self.engine is not None else {}
            yield MessageType.EVENTS, to_event(b, sensor=self.sensor, statics=statics, track_ids=evidence,
                                               ids=self.source.ids)

    def close(self) -> None:
        self.source.stop()


def sector_bounds(sector: Any) -> tuple[float, float, float, float]:
    """A sector's extent (west, south, east, north): its watched line and maritime zones."""
    points = list(sector.line_lonlat()) + [p for z in sector.maritime.zones for p in z.polygon]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return (min(lons), min(lats), max(lons), max(lats))


def sector_options(sector: Any) -> dict[str, Any]:
    """The adapter's options from a sector: its maritime settings, DEM and extent."""
    dem = [str(sector.path(d)) for d in sector.terrain.dem]
    geographic = all(Path(d).suffix.lower() == ".hgt" for d in dem)
    coastline = str(sector.path(sector.maritime.coastline)) if sector.maritime.coastline else None
    return {"config": sector.maritime, "bounds": sector_bounds(sector),
            "dem": dem if geographic else [], "coastline": coastline}
