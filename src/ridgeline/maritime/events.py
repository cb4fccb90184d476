"""Behaviours as the sync model's Events (and vessel Tracks as their evidence), and as GeoJSON.

An Event names the vessels it concerns in ``object_id`` (``mmsi:<n>``, two joined by ``+``
for an encounter; ``id:<id as written>`` when the input's ids are anonymised, not MMSIs) and
carries its numbers in ``detail``; the tracks of those vessels over the behaviour's time travel
beside it as Track messages with ids the event lists.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ridgeline.maritime.behaviour import Behaviour
from ridgeline.maritime.positions import Positions, VesselInfo
from ridgeline.maritime.vesselids import VesselIds
from ridgeline.model.domain import Event, EventType, ObjectClass, Position, Severity, Track, TrackPoint

EVENT_TYPES = {
    "encounter": EventType.ENCOUNTER,
    "loitering": EventType.LOITERING,
    "ais_gap": EventType.AIS_GAP,
    "appearance": EventType.VESSEL_APPEARED,
    "landing": EventType.LANDING,
    "restricted_entry": EventType.ZONE_INTRUSION,
    "dark_target": EventType.DARK_TARGET,
}
SEVERITY = {
    "encounter": Severity.HIGH, "landing": Severity.HIGH, "dark_target": Severity.HIGH,
    "restricted_entry": Severity.HIGH, "ais_gap": Severity.MEDIUM, "appearance": Severity.MEDIUM,
    "loitering": Severity.LOW,
}
TRACK_POINTS = 500
"""Evidence tracks are thinned to at most this many points."""


def object_id(behaviour: Behaviour, ids: VesselIds | None = None) -> str:
    """``mmsi:<n>`` (``+``-joined for pairs), ``id:<id>`` for anonymised ids, or ``radar:<id>`` for a dark target."""
    if behaviour.kind == "dark_target":
        return "+".join(f"radar:{v}" for v in behaviour.vessels)
    ids = ids or VesselIds.mmsi()
    return "+".join(f"{ids.kind}:{ids.label(v)}" for v in behaviour.vessels)


def to_event(behaviour: Behaviour, sensor: str | None = None, statics: dict[int, VesselInfo] | None = None,
             track_ids: list[str] | None = None, ids: VesselIds | None = None) -> Event:
    """The Event for a behaviour (its time is the behaviour's start); ``ids`` names the vessels as the input did."""
    detail: dict[str, str | int | float | bool | None] = dict(behaviour.detail)
    detail |= {"key": behaviour.key, "ongoing": behaviour.ongoing, "duration_s": round(behaviour.duration_s, 1),
               "end": datetime.fromtimestamp(behaviour.end, UTC).isoformat()}
    if statics and behaviour.kind != "dark_target":
        for k, mmsi in enumerate(behaviour.vessels):
            info = statics.get(mmsi)
            if info is not None:
                detail[f"vessel{k + 1}_name"] = info.name
                detail[f"vessel{k + 1}_type"] = info.ship_type
    if track_ids:
        detail["tracks"] = ",".join(track_ids)
    return Event(
        type=EVENT_TYPES[behaviour.kind], time=datetime.fromtimestamp(behaviour.start, UTC),
        severity=SEVERITY[behaviour.kind], sensor=sensor, zone=behaviour.zone,
        object_id=object_id(behaviour, ids)[:128],
        object_class=ObjectClass.VESSEL, position=Position(lon=behaviour.lon, lat=behaviour.lat), detail=detail,
    )


def evidence_tracks(behaviour: Behaviour, history: Positions, margin_s: float = 1800.0,
                    ids: VesselIds | None = None) -> list[Track]:
    """Each vessel's reports over the behaviour (with a margin either side), thinned, as Tracks."""
    tracks: list[Track] = []
    if behaviour.kind == "dark_target":
        return tracks
    ids = ids or VesselIds.mmsi()
    for mmsi in behaviour.vessels:
        during = (history.time >= behaviour.start - margin_s) & (history.time <= behaviour.end + margin_s)
        rows = np.flatnonzero((history.vessel == mmsi) & during)
        if len(rows) > TRACK_POINTS:
            rows = rows[np.linspace(0, len(rows) - 1, TRACK_POINTS).astype(int)]
        points = [
            TrackPoint(time=datetime.fromtimestamp(float(history.time[i]), UTC),
                       position=Position(lon=float(history.lon[i]), lat=float(history.lat[i])))
            for i in rows
        ]
        tracks.append(Track(object_class=ObjectClass.VESSEL, points=points, sources=[f"{ids.kind}-{ids.label(mmsi)}"]))
    return tracks


def write_geojson(behaviours: list[Behaviour], path: Path, statics: dict[int, VesselInfo] | None = None,
                  ids: VesselIds | None = None) -> None:
    """Behaviours as a GeoJSON FeatureCollection of points (opens in QGIS); vessels named as the input did."""
    ids = ids or VesselIds.mmsi()
    features: list[dict[str, Any]] = []
    for b in behaviours:
        names = map(str, b.vessels) if b.kind == "dark_target" else map(ids.label, b.vessels)
        props: dict[str, Any] = {
            "kind": b.kind, "vessels": ",".join(names), "zone": b.zone, "ongoing": b.ongoing,
            "start": datetime.fromtimestamp(b.start, UTC).isoformat(),
            "end": datetime.fromtimestamp(b.end, UTC).isoformat(), "duration_s": round(b.duration_s, 1), **b.detail,
        }
        if statics:
            props["names"] = ",".join((statics[v].name or "") if v in statics else "" for v in b.vessels)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [b.lon, b.lat]},
                         "properties": props})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, indent=1))
