"""Simulated walkers: every sensor that sees a walker reports it, under its own id and with its own error."""

from __future__ import annotations

import itertools
from pathlib import Path

from ridgeline.config import load_sector
from ridgeline.maritime.geodesy import distance_m
from ridgeline.model import Event, EventType, MessageType
from ridgeline.sim.walkers import POSITION_ERROR_M, WalkerAdapter


def test_two_sensors_that_see_one_crossing_both_report_it(example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    adapter = WalkerAdapter("mt-washington", sector, rate=0, walkers=12, seed=3)  # a radar and a ptz
    crossings: list[Event] = []
    try:
        for kind, body in itertools.islice(adapter.messages(), 20_000):
            if kind == MessageType.EVENTS and body.type == EventType.LINE_CROSSING:
                crossings.append(body)
    finally:
        adapter.close()
    by_walker: dict[str, list[Event]] = {}
    for event in crossings:
        assert event.object_id is not None and event.object_id.startswith(f"{event.sensor}:")
        by_walker.setdefault(event.object_id.split(":", 1)[1], []).append(event)
    both = [events for events in by_walker.values() if {e.sensor for e in events} == {"radar", "ptz"}]
    assert both, "no crossing seen by both sensors"
    for ptz, radar in (sorted(events, key=lambda e: e.sensor or "")[:2] for events in both):
        assert radar.object_id != ptz.object_id and radar.time == ptz.time
        assert radar.position is not None and ptz.position is not None
        apart = distance_m(radar.position.lat, radar.position.lon, ptz.position.lat, ptz.position.lon)
        assert 0.0 < apart < 8 * POSITION_ERROR_M  # each places it with its own error
