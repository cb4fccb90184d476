"""What goes into a case file, and how each part is written: canonical JSON and RFC 7946 GeoJSON.

A :class:`CaseContent` is the whole of an incident as handed over, gathered by whoever
reads the database; this module only turns it into bytes, the same bytes every time for
the same content (sorted keys, fixed indentation, UTF-8, no NaN), so two exports of one
incident can be compared file by file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from ridgeline.errors import CaseFileError

if TYPE_CHECKING:
    from ridgeline.store.snapshots import StoredSnapshot

#: Site and evidence ids become file names: letters, digits, '.', '_', '-' (not leading '.').
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
#: Every JPEG starts with the SOI marker and the first marker's 0xFF.
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class Evidence:
    """One evidence image as the centre holds it: privacy-masked at the edge, copied unchanged.

    The bytes are the edge's JPEG as stored (``store.snapshots``): the masked areas were
    blacked there, before the image ever left the site, so the case file's hash of the
    image is the hash of what the edge sent.
    """

    id: str
    event: str
    site: str
    sensor: str
    time: datetime
    data: bytes = field(repr=False)
    media_type: str = "image/jpeg"

    @classmethod
    def of_snapshot(cls, snapshot: StoredSnapshot) -> Evidence:
        """The evidence of a snapshot the centre holds (``store.snapshots.find``/``for_event``)."""
        return cls(id=snapshot.id, event=snapshot.event, site=snapshot.site, sensor=snapshot.sensor,
                   time=snapshot.time, data=snapshot.image, media_type=snapshot.media_type)

    @property
    def path(self) -> str:
        """Where the image lies in the case file: ``evidence/<site>-<id>.jpg``."""
        return f"evidence/{self.site}-{self.id}.jpg"


@dataclass(frozen=True)
class CaseContent:
    """An incident, everything known about it, as JSON-able facts and evidence images.

    ``incident``: id, title, state, opened, opened_by, closed, outcome, summary,
    legal_hold and ``alerts`` (a list of alert dicts).  ``timeline``: entries with time
    (ISO text), kind, actor, text and refs, in the order they happened.  ``events``: id,
    type, time, site, sensor, severity, ``lon``/``lat`` (None where the event has no map
    position) and payload.  ``tracks``: id, site, sensor, class and ``points``, each
    (time, lon, lat).  Datetimes anywhere are written as ISO 8601 text.
    """

    incident: dict[str, Any]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def incident_id(self) -> str:
        """The incident's id (checked by :func:`check_content`)."""
        return str(self.incident["id"])


def iso(value: datetime) -> str:
    """An instant as ISO 8601 text, UTC written ``Z``."""
    return value.isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """What ``json`` cannot write itself: instants, dates, enums, paths, as text."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"a {type(value).__name__} is not JSON-able")


def canonical_json(data: Any, name: str) -> bytes:
    """``data`` as canonical JSON bytes (sorted keys, indent 2, UTF-8, final newline).

    ``name`` (the file it becomes) is named when the data cannot be written: a value that
    is not JSON-able, or not a finite number.
    """
    try:
        text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as exc:
        raise CaseFileError(f"{name}: cannot be written as JSON ({exc})") from None
    return (text + "\n").encode("utf-8")


def _position(lon: Any, lat: Any, where: str) -> list[float] | None:
    """``[lon, lat]`` (RFC 7946 order), None where either is missing; out of range is an error."""
    if lon is None or lat is None:
        return None
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise CaseFileError(f"{where}: position ({lon!r}, {lat!r}) is not a number pair") from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise CaseFileError(f"{where}: position ({lon}, {lat}) is not a longitude and latitude")
    return [x, y]


def events_geojson(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The events as an RFC 7946 FeatureCollection of Points; an event without position has geometry null."""
    features = []
    for i, event in enumerate(events):
        where = f"events.geojson: event {event.get('id', i)}"
        coords = _position(event.get("lon"), event.get("lat"), where)
        features.append({
            "type": "Feature",
            "id": event.get("id"),
            "geometry": None if coords is None else {"type": "Point", "coordinates": coords},
            "properties": {k: v for k, v in event.items() if k not in ("lon", "lat")},
        })
    return {"type": "FeatureCollection", "features": features}


def tracks_geojson(tracks: list[dict[str, Any]]) -> dict[str, Any]:
    """The tracks as an RFC 7946 FeatureCollection of LineStrings, each vertex's time in ``times``.

    A track of one position is a Point (a LineString needs two), one of none has geometry null.
    """
    features = []
    for i, track in enumerate(tracks):
        where = f"tracks.geojson: track {track.get('id', i)}"
        times, coords = [], []
        for point in track.get("points", []):
            try:
                time, lon, lat = point
            except (TypeError, ValueError):
                raise CaseFileError(f"{where}: a point is not (time, lon, lat): {point!r}") from None
            position = _position(lon, lat, where)
            if position is None:
                raise CaseFileError(f"{where}: a point has no position")
            times.append(iso(time) if isinstance(time, datetime) else time)
            coords.append(position)
        geometry: dict[str, Any] | None = (
            None if not coords else {"type": "Point", "coordinates": coords[0]} if len(coords) == 1
            else {"type": "LineString", "coordinates": coords})
        properties = {k: v for k, v in track.items() if k != "points"}
        properties["times"] = times
        features.append({"type": "Feature", "id": track.get("id"), "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def check_content(content: CaseContent) -> None:
    """Refuse what cannot make a case file: no incident id, unsafe or repeated evidence names, not a JPEG."""
    incident_id = content.incident.get("id")
    if not isinstance(incident_id, str) or not SAFE_NAME.fullmatch(incident_id):
        raise CaseFileError(f"incident.json: incident id {incident_id!r} is missing or not a plain name")
    seen: set[str] = set()
    for item in content.evidence:
        for what, value in (("site", item.site), ("id", item.id)):
            if not SAFE_NAME.fullmatch(value):
                raise CaseFileError(f"evidence {item.id!r}: {what} {value!r} cannot be part of a file name "
                                    "(letters, digits, '.', '_', '-')")
        if item.path in seen:
            raise CaseFileError(f"{item.path}: two evidence images of the same name")
        seen.add(item.path)
        if item.media_type != "image/jpeg" or not item.data.startswith(JPEG_MAGIC):
            raise CaseFileError(f"{item.path}: not a JPEG image ({item.media_type})")


def evidence_json(evidence: list[Evidence]) -> list[dict[str, Any]]:
    """What the case file says of each image beside its bytes (in ``incident.json``)."""
    return [{"id": e.id, "event": e.event, "site": e.site, "sensor": e.sensor, "time": e.time,
             "media_type": e.media_type, "path": e.path} for e in evidence]
