"""Alerts for the tests of alert work and incidents, opened the way the centre opens them:
events stored by ``Store.ingest`` with the rules applied (``AlertService.apply``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ridgeline.config.rules import RuleConfig
from ridgeline.model import Envelope, Event, EventType, MessageType, Position, Role, Snapshot, new_id, utc_now
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store import audit
from ridgeline.store import operators as operator_repo
from ridgeline.store.db import Store


def jpeg() -> bytes:
    """A small grey JPEG (what it shows does not matter here)."""
    import cv2
    import numpy as np

    ok, buf = cv2.imencode(".jpg", np.full((8, 8, 3), 128, np.uint8))
    assert ok
    return bytes(buf.tobytes())


class Centre:
    """A store, a rule service over it, and a clock for the events (sensor time) it is fed."""

    def __init__(self, url: str, **rule: Any) -> None:
        self.store = Store(url)
        self.rule = RuleConfig(**{"id": "crossing", "events": ["line_crossing"], "severity": "high", **rule})
        self.service = AlertService(self.store, RuleEngine([self.rule]))
        self.seq = 0
        self.start = utc_now() - timedelta(minutes=10)

    def close(self) -> None:
        self.store.close()

    def feed(self, obj: str, at_s: float, lon: float | None = None, lat: float | None = None,
             snapshot: bool = False, site: str = "s1") -> Event:
        """One line-crossing event about ``obj`` at ``start + at_s`` (optionally with a position and
        a snapshot), stored and run through the rules; the event."""
        when = self.start + timedelta(seconds=at_s)
        position = Position(lon=lon, lat=lat) if lon is not None and lat is not None else None
        event = Event(type=EventType.LINE_CROSSING, time=when, sensor="cam", object_id=obj, position=position)
        batch = [self._envelope(site, MessageType.EVENTS, when, event.model_dump(mode="json"))]
        if snapshot:
            snap = Snapshot.of_jpeg(jpeg(), event=event.id, sensor="cam", time=when, width=8, height=8)
            batch.append(self._envelope(site, MessageType.SNAPSHOTS, when, snap.model_dump(mode="json")))
        self.store.ingest(batch, hook=self.service.apply)
        return event

    def track(self, obj: str, points: list[tuple[float, float, float]], site: str = "s1",
              object_class: str = "person") -> None:
        """A track report about ``obj``: its positions (at_s, lon, lat), stored as a site sends it."""
        from ridgeline.model import Track, TrackPoint

        track = Track(id=obj, object_class=object_class, sources=["cam"], points=[
            TrackPoint(time=self.start + timedelta(seconds=t), position=Position(lon=lon, lat=lat))
            for t, lon, lat in points])
        when = track.points[-1].time
        self.store.ingest([self._envelope(site, MessageType.TRACKS, when, track.model_dump(mode="json"))])

    def _envelope(self, site: str, kind: MessageType, when: datetime, payload: dict[str, Any]) -> Envelope:
        self.seq += 1
        return Envelope(id=new_id(), site=site, seq=self.seq, type=kind, time=when, sent=when, payload=payload)

    def alert_of(self, event: Event) -> str:
        """The alert an event went to."""
        from sqlalchemy import select

        from ridgeline.store.schema import alert_events

        with self.store.engine.connect() as conn:
            return str(conn.scalar(select(alert_events.c.alert_id).where(alert_events.c.event_id == event.id)))

    def add_operator(self, name: str, disabled: bool = False, role: Role = Role.OPERATOR) -> None:
        with self.store.engine.begin() as conn:
            now = utc_now()
            operator_repo.add(conn, name, role, "argon2-hash-not-checked-here", now)
            if disabled:
                operator_repo.change(conn, name, now, disabled=True)

    def audit_actions(self) -> list[tuple[str, str, str | None]]:
        """(actor, action, target) of every audit entry, after checking the chain is intact."""
        with self.store.engine.connect() as conn:
            check = audit.verify(conn)
            assert check.intact, check.problem
            return [(e.actor, e.action, e.target) for e in audit.entries(conn)]
