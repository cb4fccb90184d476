"""Use case: run the centre: ingest from every site into the database, rules to alerts, health and metrics.

With ``broker="embedded"`` an in-process broker on 127.0.0.1 is started first, with the
users and ACL of the users folder (created for the sector's sites if missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ridgeline.app.brokers import broker_config

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector


@dataclass(frozen=True)
class CentreRequest:
    """Where the centre stores, which broker it listens to, and how."""

    db: str = "sqlite:///ridgeline-centre.db"
    broker: str = "embedded"
    embedded_port: int = 1883
    users: Path = Path("ridgeline-broker")
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    workers: int = 1
    http_port: int = 8765
    worker_prefix: str = "w"


@dataclass
class RunningCentre:
    """A started centre; ``stop`` ends it (and its embedded broker)."""

    centre: Any
    broker_url: str
    workers: int
    embedded: Any = None
    users_created: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.centre.stop()
        if self.embedded is not None:
            self.embedded.stop()


def start_centre(sector: Sector, req: CentreRequest) -> RunningCentre:
    """Start the centre for ``sector`` (its rules); it runs in background threads until ``stop``."""
    from ridgeline.centre import Centre
    from ridgeline.transport.access import CENTRE, BrokerUsers

    folder = BrokerUsers(req.users)
    embedded, created, broker, workers = None, [], req.broker, req.workers
    if broker == "embedded":
        from ridgeline.transport.embedded import EmbeddedBroker

        created = list(folder.ensure(s.id for s in sector.sites))
        embedded = EmbeddedBroker(folder, port=req.embedded_port)
        embedded.start()
        broker = embedded.url
        workers = 1  # no shared subscriptions on the embedded broker
    try:
        config = broker_config(broker, req.username, req.password, req.ca_file)
        if config.username is None and folder.secret_file(CENTRE).is_file():
            config = config.with_credentials(CENTRE, folder.password(CENTRE))
        centre = Centre(req.db, config, workers=workers, http_port=req.http_port,
                        worker_prefix=req.worker_prefix, rules=list(sector.rules))
        centre.start()
    except BaseException:
        if embedded is not None:
            embedded.stop()
        raise
    return RunningCentre(centre, str(centre.workers[0].broker), workers, embedded, created)
