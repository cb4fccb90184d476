"""Use case: judge AIS (and radar) for vessel behaviours: encounters, loitering, gaps, landings, dark targets.

The source is judged by the same loop as the edge's AIS adapter
(:class:`~ridgeline.maritime.judging.BehaviourStream`); this adds the sector's settings, the
files asked for (events, GeoJSON, map) and the counts a caller shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ridgeline.app.progress import Progress, report
from ridgeline.errors import ConfigError

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector
    from ridgeline.maritime.behaviour import Behaviour
    from ridgeline.maritime.judging import BehaviourStream
    from ridgeline.maritime.positions import Positions, VesselInfo
    from ridgeline.maritime.vesselids import VesselIds


@dataclass(frozen=True)
class AisRequest:
    """What to judge and what to write."""

    source: str
    """NMEA file (plain or .gz), CSV file, tcp://HOST:PORT or udp://HOST:PORT."""
    sector: Sector | None = None
    columns: str | None = None
    dem: tuple[Path, ...] = ()
    ports: Path | None = None
    radar: Path | None = None
    global_land: bool = True
    events: Path | None = None
    geojson: Path | None = None
    map: Path | None = None
    chunk: int = 50_000
    seconds: float | None = None
    """Stop a live feed after this long."""


@dataclass
class AisReport:
    """What judging found, with the counts of what was read, kept and rejected."""

    source: str
    lines: int
    positions: int
    kept: int
    dropped: dict[str, int]
    vessels: int
    rejected: dict[str, int]
    stops: int
    anchorages_learned: int
    seconds: float
    counts: dict[str, int]
    """Behaviours per kind, every kind the engine knows."""
    set_aside: dict[str, int]
    """Stops that are not landings, by the reason that set each aside (every reason the engine knows)."""
    behaviours: list[Behaviour]
    statics: dict[int, VesselInfo]
    ids: VesselIds
    """The source's vessel ids: MMSIs or anonymised, and the text of each hash id (for naming vessels)."""
    files: dict[str, Path] = field(default_factory=dict)


def judge_ais(req: AisRequest, progress: Progress | None = None,
              on_behaviour: Callable[[Behaviour], None] | None = None) -> AisReport:
    """Judge ``req.source``; a live feed runs until ``req.seconds`` pass or KeyboardInterrupt.

    ``on_behaviour`` hears each behaviour of a live feed as it qualifies and as it ends.
    """
    started = time.monotonic()
    stream = _stream(req)
    live = stream.source.kind not in ("nmea", "csv")
    if live and req.sector is None:
        raise ConfigError("a live feed needs --sector (its zones, ports and shore)")
    seen: dict[str, Behaviour] = {}
    parts: list[Positions] = []
    try:
        for step in stream.steps(lambda n: report(progress, f"reading {stream.source.kind}", n)):
            if step.chunk is not None:
                parts.append(step.chunk)
                report(progress, "behaviours", step.done, None if live else len(stream.positions))
            for b in step.behaviours:
                seen[b.key] = b
                if live and on_behaviour is not None and step.chunk is not None:
                    on_behaviour(b)
            if live and req.seconds is not None and time.monotonic() - started >= req.seconds:
                stream.stop()
    except KeyboardInterrupt:
        stream.stop()
    behaviours = sorted(seen.values(), key=lambda b: (b.start, b.kind, b.key))
    behaviours.sort(key=lambda b: (b.kind, b.start))
    from ridgeline.maritime.positions import Positions

    history = stream.positions if not live else Positions.concat(parts)
    files = _write(req, stream, behaviours, history)
    return _report(req, stream, behaviours, len(history), time.monotonic() - started, files)


def _stream(req: AisRequest) -> BehaviourStream:
    from ridgeline.config.maritime import MaritimeConfig, read_ports
    from ridgeline.maritime.adapter import sector_bounds
    from ridgeline.maritime.csvinput import ColumnMap
    from ridgeline.maritime.judging import BehaviourStream
    from ridgeline.maritime.radar import RadarReader
    from ridgeline.maritime.shore import build_shore
    from ridgeline.maritime.sources import AisSource

    sector = req.sector
    config = sector.maritime if sector else MaritimeConfig()
    if req.ports is not None:
        config = config.model_copy(update={"ports": [*config.ports, *read_ports(req.ports)]})
    src = AisSource(req.source, ColumnMap.parse(req.columns) if req.columns else None)
    dem = [str(p) for p in req.dem] or ([str(sector.path(d)) for d in sector.terrain.dem] if sector else [])
    plots = RadarReader().read(req.radar.read_bytes().splitlines()) if req.radar is not None else None
    coastline = sector.path(config.coastline) if sector is not None and config.coastline else None

    def shore_over(bounds: tuple[float, float, float, float] | None) -> Any:
        return build_shore(bounds, dem, coastline, req.global_land) if bounds is not None else None

    live = src.kind not in ("nmea", "csv")
    bounds = sector_bounds(sector) if live and sector is not None else None  # a file: the extent of its reports
    return BehaviourStream(src, config, shore_over, bounds, req.chunk, plots)


def _write(req: AisRequest, stream: BehaviourStream, behaviours: list[Behaviour],
           history: Positions) -> dict[str, Path]:
    from ridgeline.maritime.events import evidence_tracks, to_event, write_geojson

    statics, ids = stream.source.statics, stream.source.ids
    if req.events is not None:
        req.events.parent.mkdir(parents=True, exist_ok=True)
        with req.events.open("w") as fh:
            for b in behaviours:
                tracks = evidence_tracks(b, history, ids=ids)
                for t in tracks:
                    fh.write(json.dumps({"type": "tracks", "payload": t.model_dump(mode="json")}) + "\n")
                event = to_event(b, sensor="ais", statics=statics, track_ids=[t.id for t in tracks], ids=ids)
                fh.write(json.dumps({"type": "events", "payload": event.model_dump(mode="json")}) + "\n")
    if req.geojson is not None:
        req.geojson.parent.mkdir(parents=True, exist_ok=True)
        write_geojson(behaviours, req.geojson, statics, ids)
    if req.map is not None and stream.engine is not None:
        from ridgeline.maritime.maps import draw_vessel_map

        req.map.parent.mkdir(parents=True, exist_ok=True)
        draw_vessel_map(req.map, history, behaviours, stream.engine.anchorages.all(), stream.engine.shore,
                        title=f"{Path(req.source).name}: {len(behaviours)} behaviours")
    named = {"events": req.events, "geojson": req.geojson, "map": req.map}
    return {k: v for k, v in named.items() if v is not None}


def _report(req: AisRequest, stream: BehaviourStream, behaviours: list[Behaviour], positions: int,
            seconds: float, files: dict[str, Path]) -> AisReport:
    engine, src = stream.engine, stream.source
    assert engine is not None
    return AisReport(
        source=req.source, lines=src.lines, positions=positions, kept=engine.reports,
        dropped={k: v for k, v in engine.tracks.dropped.items() if v}, vessels=len(engine.tracks.slots),
        rejected=dict(sorted(src.rejected.items())), stops=engine.stop_count,
        anchorages_learned=sum(1 for a in engine.anchorages.all() if a.learned), seconds=seconds,
        counts={kind: sum(1 for b in behaviours if b.kind == kind) for kind in engine.counts},
        set_aside=dict(engine.set_aside),
        behaviours=behaviours, statics=src.statics, ids=src.ids, files=files,
    )
