"""What the sites reported, read back for the API: site status, and events and tracks by
time window and area.

Events and tracks stay in ``messages`` as their envelopes' payloads; the time window is on
the indexed sensor time, the area is checked on each payload's position (an event without
a map position is outside every area, and inside a query that gives none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ridgeline.store.schema import messages, sites

#: (west, south, east, north), WGS84 degrees
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class SiteRow:
    """A site as the centre last heard of it."""

    site: str
    online: bool
    seen: datetime
    backlog: int
    last_seq: int


@dataclass(frozen=True)
class Reported:
    """One event or track as a site reported it."""

    site: str
    seq: int
    time: datetime
    received: datetime
    payload: dict[str, Any]


def all_sites(conn: Connection) -> list[SiteRow]:
    """Every site that ever said how it is, by id."""
    return [SiteRow(r.site, bool(r.online), r.seen, int(r.backlog), int(r.last_seq))
            for r in conn.execute(select(sites).order_by(sites.c.site))]


def _inside(point: Any, box: Box | None) -> bool:
    if box is None:
        return True
    if not isinstance(point, dict):
        return False
    lon, lat = point.get("lon"), point.get("lat")
    if not isinstance(lon, int | float) or not isinstance(lat, int | float):
        return False
    west, south, east, north = box
    inside_lon = west <= lon <= east if west <= east else (lon >= west or lon <= east)  # across 180°
    return inside_lon and south <= lat <= north


def reported(conn: Connection, kind: str, since: datetime, until: datetime, box: Box | None = None,
             site: str | None = None, limit: int = 1000) -> Iterator[Reported]:
    """Messages of ``kind`` (``events`` or ``tracks``) with sensor time in [since, until), in
    ``box`` (an event's position, or any point of a track), oldest first, at most ``limit``."""
    query = (select(messages.c.site, messages.c.seq, messages.c.time, messages.c.received, messages.c.payload)
             .where(messages.c.type == kind, messages.c.time >= since, messages.c.time < until)
             .order_by(messages.c.time, messages.c.id))
    if site is not None:
        query = query.where(messages.c.site == site)
    found = 0
    for row in conn.execute(query.execution_options(yield_per=500)):
        payload = row.payload if isinstance(row.payload, dict) else {}
        if kind == "tracks":
            points = payload.get("points") or []
            hit = any(_inside(p.get("position") if isinstance(p, dict) else None, box) for p in points)
        else:
            hit = box is None or _inside(payload.get("position"), box)
        if not hit:
            continue
        yield Reported(row.site, int(row.seq), row.time, row.received, payload)
        found += 1
        if found >= limit:
            return


@dataclass(frozen=True)
class ObjectPath:
    """Where one tracked object was, as its site's track reports put it together: oldest first,
    each instant once, map positions only."""

    site: str
    object_id: str
    object_class: str | None
    points: list[tuple[datetime, float, float]]  # (time, lon, lat)


def object_paths(conn: Connection, objects: set[tuple[str, str]], since: datetime, until: datetime,
                 scan_limit: int = 20_000) -> list[ObjectPath]:
    """The paths of ``objects`` ((site, track id) pairs) from the track reports with sensor time
    in [since, until): at most ``scan_limit`` reports are read, so that a busy window costs a
    bounded read; what lies past it is left out."""
    if not objects:
        return []
    query = (select(messages.c.site, messages.c.payload)
             .where(messages.c.type == "tracks", messages.c.time >= since, messages.c.time < until,
                    messages.c.site.in_(sorted({site for site, _ in objects})))
             .order_by(messages.c.time, messages.c.id).limit(scan_limit))
    found: dict[tuple[str, str], tuple[str | None, dict[datetime, tuple[float, float]]]] = {}
    for row in conn.execute(query.execution_options(yield_per=500)):
        payload = row.payload if isinstance(row.payload, dict) else {}
        key = (row.site, str(payload.get("id")))
        if key not in objects:
            continue
        points = found.setdefault(key, (payload.get("object_class"), {}))[1]
        for p in payload.get("points") or []:
            where = p.get("position") if isinstance(p, dict) else None
            if not isinstance(where, dict):
                continue
            lon, lat, at = where.get("lon"), where.get("lat"), p.get("time")
            if isinstance(lon, int | float) and isinstance(lat, int | float) and isinstance(at, str):
                try:
                    points[datetime.fromisoformat(at)] = (float(lon), float(lat))
                except ValueError:
                    continue
    return [ObjectPath(site, oid, cls, [(t, *points[t]) for t in sorted(points)])
            for (site, oid), (cls, points) in found.items() if points]
