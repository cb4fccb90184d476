"""Use case: the whole sector live on one machine: embedded broker, centre, and an edge agent per site.

Every site senses simulated walkers (the ``simulate`` sensor adapter) and sends through its
own durable outbox; the centre ingests, applies the sector's rules and raises alerts.  This
is what ``make demo`` runs after the coverage maps, and what a new user sees first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.app.alerts import AlertRow, list_alerts
from ridgeline.app.centre import Centre
from ridgeline.app.database import opened
from ridgeline.app.edge_agent import EdgeAgent
from ridgeline.app.edge_site import load_adapter
from ridgeline.app.progress import Progress, report
from ridgeline.config.sensors import SIMULATE
from ridgeline.terrain.coverage import load_sector_terrain
from ridgeline.transport.access import CENTRE, BrokerUsers
from ridgeline.transport.embedded import EmbeddedBroker, free_port

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector
    from ridgeline.store.db import SiteReport

STAGE = "live: messages stored at the centre"


@dataclass(frozen=True)
class LiveResult:
    """What a live run left in the store: per site, the alert counts, and the latest alerts."""

    reports: list[SiteReport]
    alerts_opened: int
    alerts_updated: int
    escalations: int
    db_url: str
    latest: list[AlertRow] = field(default_factory=list)  # newest first, each with its sources
    seconds: float = 0.0  # how long the sites ran, seconds of wall time


OnCentre = Callable[[Centre], Callable[[], None]]
"""Called with the started centre before any site starts; returns what stops what it started
(called before the centre stops)."""


def run_live(sector: Sector, out_dir: Path, seconds: float | None, rate: float = 5.0, sites: int | None = None,
             progress: Progress | None = None, latest: int = 10, on_centre: OnCentre | None = None,
             stop: threading.Event | None = None) -> LiveResult:
    """Run the sector for ``seconds`` of wall time, or (``None``) until ``stop`` is set; ``stop``
    also ends a timed run early.  ``progress`` hears how many messages the centre stored so
    far, twice a second.  ``on_centre``: see :data:`OnCentre`."""
    if seconds is None and stop is None:
        raise ValueError("run_live: give seconds, or an event that stops the run")
    stop = stop or threading.Event()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.db*"):
        stale.unlink()
    db_url = f"sqlite:///{out_dir / 'centre.db'}"
    chosen = sector.sites[:sites] if sites else sector.sites
    users = BrokerUsers(out_dir / "broker-users")  # a user and password per site, and the centre's
    users.ensure(s.id for s in sector.sites)
    broker = EmbeddedBroker(users, port=free_port())
    broker.start()
    centre = Centre(db_url, broker.config(CENTRE), rules=list(sector.rules))
    centre.start()
    agents: list[EdgeAgent] = []
    stop_extra: Callable[[], None] | None = None
    ran = 0.0
    try:
        if on_centre is not None:
            stop_extra = on_centre(centre)
        terrain = load_sector_terrain(sector)
        agents = [
            EdgeAgent(site.id, out_dir / f"{site.id}.outbox.db", broker.config(site.id),
                      load_adapter(SIMULATE, site.id, sector=sector, rate=rate, terrain=terrain, seed=i),
                      forward_logs=False)
            for i, site in enumerate(chosen)
        ]
        for agent in agents:
            agent.start()
        start = time.monotonic()
        while not stop.is_set() and (seconds is None or time.monotonic() - start < seconds):
            report(progress, STAGE, sum(w.counters.inserted for w in centre.workers))
            stop.wait(0.5 if seconds is None else max(0.0, min(0.5, start + seconds - time.monotonic())))
        ran = time.monotonic() - start
        for agent in agents:
            agent.close_adapters()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(a.outbox.backlog() for a in agents):
            time.sleep(0.2)
    finally:
        for agent in agents:
            agent.stop()
        if stop_extra is not None:
            stop_extra()
        reports = centre.store.check(s.id for s in chosen)
        result = LiveResult(reports, centre.alerts.opened, centre.alerts.updated, centre.alerts.escalated, db_url,
                            seconds=ran)
        centre.stop()
        broker.stop()
    with opened(db_url) as store:
        return replace(result, latest=list_alerts(store, limit=latest))
