"""A whole sector live on one machine: embedded broker, centre, and an edge agent per site.

Every site senses simulated walkers (``sim.walkers``) and sends through its own durable
outbox; the centre ingests, applies the sector's rules and raises alerts.  This is what
``make demo`` runs after the coverage maps, and what a new user sees first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ridgeline.app.centre import Centre
from ridgeline.app.edge_agent import EdgeAgent
from ridgeline.config.sector import Sector
from ridgeline.model import Alert
from ridgeline.sim.walkers import WalkerAdapter
from ridgeline.store.alerts import list_alerts
from ridgeline.store.db import SiteReport
from ridgeline.terrain.coverage import load_sector_terrain
from ridgeline.transport.access import CENTRE, BrokerUsers
from ridgeline.transport.embedded import EmbeddedBroker, free_port


@dataclass(frozen=True)
class LiveResult:
    """What a live run left in the store."""

    reports: list[SiteReport]
    alerts_opened: int
    alerts_updated: int
    escalations: int
    db_url: str
    #: the alerts in the store at the end, newest first (each with its sources), and whether each escalated
    alerts: list[tuple[Alert, bool]] = field(default_factory=list)


def run_live(
    sector: Sector, out_dir: Path, seconds: float, rate: float = 5.0, sites: int | None = None,
    progress: Callable[[float, int], None] | None = None,
) -> LiveResult:
    """Run the sector for ``seconds`` of wall time; ``progress(elapsed, stored)`` is called twice a second."""
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "centre.db"
    for stale in out_dir.glob("*.db*"):
        stale.unlink()
    db_url = f"sqlite:///{db_path}"
    chosen = sector.sites[:sites] if sites else sector.sites
    users = BrokerUsers(out_dir / "broker-users")  # a user and password per site, and the centre's
    users.ensure(s.id for s in sector.sites)
    broker = EmbeddedBroker(users, port=free_port())
    broker.start()
    centre = Centre(db_url, broker.config(CENTRE), http_port=None, rules=list(sector.rules))
    centre.start()
    terrain = load_sector_terrain(sector)
    agents = [
        EdgeAgent(
            site.id, out_dir / f"{site.id}.outbox.db", broker.config(site.id),
            WalkerAdapter(site.id, sector, rate=rate, terrain=terrain, seed=i), forward_logs=False,
        )
        for i, site in enumerate(chosen)
    ]
    try:
        for agent in agents:
            agent.start()
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            if progress is not None:
                progress(elapsed, sum(w.counters.inserted for w in centre.workers))
            time.sleep(0.5)
        for agent in agents:
            agent.adapter.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(a.outbox.backlog() for a in agents):
            time.sleep(0.2)
    finally:
        for agent in agents:
            agent.stop()
        reports = centre.store.check(s.id for s in chosen)
        with centre.store.engine.connect() as conn:
            alerts = list_alerts(conn, limit=1000)
        result = LiveResult(reports, centre.alerts.opened, centre.alerts.updated, centre.alerts.escalated,
                            db_url, alerts)
        centre.stop()
        broker.stop()
    return result
