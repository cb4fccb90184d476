"""Snapshots at the centre: each event's still image, stored once, read back, removed after its retention.

The ingest writes them in the batch's transaction (``keep``) from the ``snapshots``
envelopes it stored, so an image is committed exactly when its message is, and a
redelivered one stores nothing twice (the envelope is known; the (site, id) key guards a
race between workers).  The ``messages`` row keeps the envelope's fields but the image
(``without_image``), so the images alone go after ``retention``: evidence has a retention
period, the record that it existed stays.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select

from ridgeline.model import Envelope, MessageType
from ridgeline.store.schema import snapshots

#: How long a snapshot's image is kept at the centre by default.
DEFAULT_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot as the centre holds it."""

    site: str
    id: str
    message_id: str
    event: str
    sensor: str
    time: datetime
    received: datetime
    media_type: str
    width: int
    height: int
    image: bytes


def without_image(envelope: Envelope) -> dict[str, Any]:
    """The payload the ``messages`` row keeps: a snapshot's without its image, others whole."""
    if envelope.type != MessageType.SNAPSHOTS:
        return envelope.payload
    return {k: v for k, v in envelope.payload.items() if k != "data"}


def keep(conn: Connection, stored: Sequence[Envelope], received: datetime,
         insert: Callable[[Any], Any]) -> int:
    """Store the images of the ``snapshots`` envelopes among ``stored``; how many were new."""
    rows = [
        {"site": e.site, "id": e.payload["id"], "message_id": e.id, "event": e.payload["event"],
         "sensor": e.payload["sensor"], "time": e.time, "received": received,
         "media_type": e.payload.get("media_type", "image/jpeg"), "width": e.payload["width"],
         "height": e.payload["height"], "image": base64.b64decode(e.payload["data"])}
        for e in stored if e.type == MessageType.SNAPSHOTS
    ]
    if not rows:
        return 0
    new = 0
    for row in rows:  # one at a time: a snapshot row is large, a batch holds a few
        res = conn.execute(insert(snapshots).on_conflict_do_nothing(), row)
        new += max(res.rowcount or 0, 0)
    return new


def find(conn: Connection, snapshot_id: str, site: str | None = None) -> StoredSnapshot | None:
    """The snapshot ``snapshot_id`` (of ``site``, when given), if the centre holds it."""
    query = select(snapshots).where(snapshots.c.id == snapshot_id)
    if site is not None:
        query = query.where(snapshots.c.site == site)
    row = conn.execute(query.order_by(snapshots.c.received).limit(1)).first()
    return StoredSnapshot(**row._mapping) if row is not None else None


def for_event(conn: Connection, event_id: str) -> list[StoredSnapshot]:
    """The snapshots of an event (one, unless sites reused an event id)."""
    rows = conn.execute(select(snapshots).where(snapshots.c.event == event_id).order_by(snapshots.c.received))
    return [StoredSnapshot(**row._mapping) for row in rows]


def prune(conn: Connection, before: datetime) -> int:
    """Remove the snapshots received before ``before``; how many went."""
    res = conn.execute(delete(snapshots).where(snapshots.c.received < before))
    return max(res.rowcount or 0, 0)


__all__ = ["DEFAULT_RETENTION", "StoredSnapshot", "find", "for_event", "keep", "prune", "without_image"]
