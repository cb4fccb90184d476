"""Use cases of reading what the sites reported: sites and when they were last heard, events
and tracks by time window and area, and the (privacy-masked) evidence images."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ridgeline.errors import ConfigError
from ridgeline.store import observations, snapshots
from ridgeline.store.observations import Box, Reported, SiteRow
from ridgeline.store.snapshots import StoredSnapshot

if TYPE_CHECKING:
    from ridgeline.store.db import Store

#: the most rows one query returns
MAX_ROWS = 5000


def list_sites(store: Store) -> list[SiteRow]:
    """Every site the centre has heard from, with its last status."""
    with store.engine.connect() as conn:
        return observations.all_sites(conn)


def parse_box(text: str) -> Box:
    """``WEST,SOUTH,EAST,NORTH`` in WGS84 degrees (west may exceed east: the box crosses 180°)."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(f"bbox {text!r}: expected WEST,SOUTH,EAST,NORTH in degrees") from None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ConfigError(f"bbox {text!r}: longitudes within ±180, latitudes within ±90, south <= north")
    return west, south, east, north


def find_reported(store: Store, kind: str, since: datetime, until: datetime, box: Box | None = None,
                  site: str | None = None, limit: int = 1000) -> list[Reported]:
    """Events or tracks (``kind``) reported with sensor time in [since, until), in ``box``."""
    if until <= since:
        raise ConfigError(f"time window: until ({until.isoformat()}) must come after since ({since.isoformat()})")
    with store.engine.connect() as conn:
        return list(observations.reported(conn, kind, since, until, box, site, min(limit, MAX_ROWS)))


def evidence_for_event(store: Store, event_id: str) -> list[StoredSnapshot]:
    """The evidence images of one event (without their bytes' meaning changed: masked at the edge)."""
    with store.engine.connect() as conn:
        return snapshots.for_event(conn, event_id)


def evidence(store: Store, site: str, snapshot_id: str) -> StoredSnapshot | None:
    """One evidence image, if it is still kept."""
    with store.engine.connect() as conn:
        return snapshots.find(conn, snapshot_id, site)
