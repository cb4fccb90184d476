"""The API served by uvicorn in a thread of the centre's process (``ridgeline serve``); WebSocket
messages go uncompressed (see ``ApiServer``)."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

from ridgeline.api.app import create_app
from ridgeline.api.context import ApiContext, ApiSettings
from ridgeline.api.hub import LiveHub
from ridgeline.errors import ApiStartError

if TYPE_CHECKING:
    from pathlib import Path

    from ridgeline.app.centre import Centre
    from ridgeline.app.coverage_layers import CoverageLayers
    from ridgeline.config.sector import RetentionConfig, Sector

log = logging.getLogger(__name__)


class ApiServer:
    """The HTTP API, ``/health`` and ``/metrics`` on ``host:port``, until ``stop``."""

    def __init__(self, ctx: ApiContext, port: int, host: str = "127.0.0.1") -> None:
        self.ctx = ctx
        self.hub = LiveHub(ctx.settings.client_queue)
        self.app = create_app(ctx, self.hub)
        self.host = host
        self.port = port
        # no permessage-deflate: it compresses each change batch once per client, which is what the
        # hub's one text for every client avoids (bench/api.py: 50 clients at 1,000 events/s, p99
        # 9.2 s with it, 0.4 s without; the centre's CPU 22 s against 14 s)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", access_log=False,
                                ws="websockets-sansio", ws_per_message_deflate=False, lifespan="on",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> None:
        """Serve, returning once the port listens (an error if it cannot)."""
        self._thread.start()
        end = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > end:
                raise ApiStartError(f"the API could not listen on {self.host}:{self.port} (in use?)")
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def serve_centre(centre: Centre, port: int, host: str = "127.0.0.1", settings: ApiSettings | None = None,
                 retention: RetentionConfig | None = None, terrain_tiles: Path | None = None,
                 basemap: Path | None = None, sector: Sector | None = None,
                 coverage: CoverageLayers | None = None) -> ApiServer:
    """Serve the API of a started centre (its store, change feed, health and metrics), the
    console, and the map tiles named (the sector's terrain, the operators' base map), and the
    sector's coverage layers (``coverage``, or made at the first request)."""
    ctx = ApiContext(store=centre.store, changes=centre.changes, settings=settings or ApiSettings(),
                     health=centre.health, registry=centre.registry, retention=retention,
                     terrain_tiles=terrain_tiles, basemap=basemap, sector=sector, coverage=coverage)
    server = ApiServer(ctx, port, host)
    server.start()
    return server
