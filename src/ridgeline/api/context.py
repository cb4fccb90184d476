"""What every route reaches: the store, the change feed, the centre's health, the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from ridgeline.app.changes import ChangeFeed
    from ridgeline.app.coverage_layers import CoverageLayers
    from ridgeline.app.responders import SectorResponders
    from ridgeline.config.sector import RetentionConfig, Sector
    from ridgeline.store.db import Store


@dataclass
class ApiSettings:
    """How the API treats browsers and sessions."""

    #: origins (``scheme://host[:port]``) a browser may call from, besides the API's own
    origins: frozenset[str] = frozenset()
    #: whether the session cookie is marked Secure (behind TLS; a plain-HTTP test sets False)
    secure_cookie: bool = True
    #: WebSocket: changes a client may be behind before it is told and dropped
    client_queue: int = 1000
    #: where the centre's Ed25519 case-file key lives
    case_key: Path = Path("ridgeline-centre.key")


@dataclass
class ApiContext:
    """The running centre as the API sees it."""

    store: Store
    changes: ChangeFeed
    settings: ApiSettings = field(default_factory=ApiSettings)
    #: the centre's health (``Centre.health``); None: the API runs without ingest
    health: Callable[[], dict[str, Any]] | None = None
    #: the centre's Prometheus metrics
    registry: CollectorRegistry | None = None
    #: the sector's retention (for the retention routes); None: the defaults
    retention: RetentionConfig | None = None
    #: the sector's terrain tiles (PMTiles, Terrarium PNG: ``ridgeline tiles``); None: none served
    terrain_tiles: Path | None = None
    #: the operators' base map (PMTiles, the sector file's ``basemap``); None: none served
    basemap: Path | None = None
    #: the sector the centre watches (its line, zones and sites for the console's map); None: not known
    sector: Sector | None = None
    #: the sector's coverage layers for the console, computed once (None: made at the first request)
    coverage: CoverageLayers | None = None
    #: the sector's terrain made ready for the units' ETAs, loaded once (None: at the first request)
    responders: SectorResponders | None = None
