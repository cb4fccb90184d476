"""Use case: the whole sector live on this machine: embedded broker, centre, a simulated edge per site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.app.alerts import AlertRow, list_alerts
from ridgeline.app.progress import Progress, report

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector
    from ridgeline.sim.live import LiveResult


STAGE = "live: messages stored at the centre"


@dataclass(frozen=True)
class LiveReport:
    """What reached the centre, and its latest alerts."""

    result: LiveResult
    latest: list[AlertRow]


def run_live(sector: Sector, out_dir: Path, seconds: float, rate: float = 5.0, sites: int | None = None,
             progress: Progress | None = None, latest: int = 10) -> LiveReport:
    """Run the sector for ``seconds``; ``progress`` hears how many messages the centre stored so far."""
    from ridgeline.sim.live import run_live as simulate

    result = simulate(sector, out_dir, seconds, rate=rate, sites=sites,
                      progress=lambda _t, stored: report(progress, STAGE, stored))
    return LiveReport(result, list_alerts(result.db_url, limit=latest))
