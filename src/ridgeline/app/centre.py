"""Use case: run the centre: ingest workers -> store -> rules, with health and Prometheus metrics.

Escalations are published on ``ridgeline/v1/centre/escalations`` (one escalation ``Event``
as JSON per message, QoS 1, not retained) through a connected ingest worker, for the API
and other consumers; while no worker is connected the latest ``UNSENT_MAX`` wait (every
escalation is in the alert's history in the store regardless).

What each commit changed is announced on the centre's change feed (``app.changes``), to
this process's listeners and to every other centre process through the broker.

``health()`` says whether the database is reachable, the broker connected, ingest not
stalled and which sites are online (the API serves it as ``/health``); ``registry`` holds
the Prometheus metrics (``/metrics``).  A watchdog restarts an ingest worker whose thread
ended, and once an hour removes dead letters past their retention and purges expired
evidence and messages (``app.retention``, audited).

``start_centre`` writes the sector's units and status names into the database
(``app.units.define_units``) and, when the sector names a TAK server, starts the bridge that
shares alerts, tracks and units with it as Cursor-on-Target (``app.tak``).

With ``broker="embedded"`` ``start_centre`` first starts an in-process broker on 127.0.0.1,
with the users and ACL of the users folder (created for the sector's sites if missing).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ridgeline.app.audit import write_head
from ridgeline.app.brokers import broker_config
from ridgeline.app.changes import CHANGES, ChangeFeed, alert_change, commit_changes
from ridgeline.app.retention import purge_expired
from ridgeline.app.units import define_units, take_reports
from ridgeline.config.rules import RuleConfig
from ridgeline.config.sector import RetentionConfig
from ridgeline.errors import StoreError
from ridgeline.model import Alert, Envelope, Event, SiteStatus, Unit, utc_now
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store.db import IngestResult, Store
from ridgeline.store.deadletters import DeadLetterLimits
from ridgeline.store.snapshots import DEFAULT_RETENTION as DEFAULT_SNAPSHOT_RETENTION
from ridgeline.transport.access import centre_topic
from ridgeline.transport.broker import BrokerConfig, centre_worker_user
from ridgeline.transport.ingest import Ingest
from ridgeline.transport.wire import WireLimits

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ridgeline.config.sector import Sector

log = logging.getLogger(__name__)

#: escalations kept while no worker is connected to publish them (the oldest go first)
UNSENT_MAX = 1000
ESCALATIONS = centre_topic("escalations")
#: transactions of one purge by the watchdog before it sees to the workers again
PURGE_BATCHES = 20

#: per-site tallies exported from the store: (counter name, metric, help, is a counter)
_SITE_METRICS = (
    ("redelivered", "ridgeline_site_redelivered", "Redeliveries recognised and ignored.", True),
    ("thinned", "ridgeline_site_thinned", "Messages the site's full outbox thinned.", True),
    ("clock_ahead", "ridgeline_site_clock_ahead", "Messages stored with a sensor clock ahead of the centre.", True),
    ("dead_letters", "ridgeline_site_dead_letters", "Unresolved dead letters held.", False),
    ("dead_bytes", "ridgeline_site_dead_letter_bytes", "Bytes of unresolved dead letters held.", False),
    ("dead_overflow", "ridgeline_site_dead_letter_overflow", "Refusals not kept: the site's dead-letter cap.", True),
    ("dead_overflow_bytes", "ridgeline_site_dead_letter_overflow_bytes", "Bytes of refusals not kept.", True),
    ("dead_expired", "ridgeline_site_dead_letters_expired", "Dead letters removed after their retention.", True),
)


class _IngestCollector(Collector):
    def __init__(self, workers: list[Ingest], alerts: AlertService, store: Store) -> None:
        self.workers = workers
        self.alerts = alerts
        self.store = store

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        msgs = CounterMetricFamily("ridgeline_ingest_messages", "Messages ingested, by result.", labels=["result"])
        msgs.add_metric(["inserted"], sum(w.counters.inserted for w in self.workers))
        msgs.add_metric(["redelivered"], sum(w.counters.redelivered for w in self.workers))
        msgs.add_metric(["dead_lettered"], sum(sum(w.counters.dead.values()) for w in self.workers))
        msgs.add_metric(["unconfirmed"], sum(w.counters.unconfirmed for w in self.workers))
        yield msgs
        dead = CounterMetricFamily("ridgeline_dead_letters", "Messages refused, by reason.", labels=["reason"])
        reasons: dict[str, int] = {}
        for w in self.workers:
            for reason, n in w.counters.dead.items():
                reasons[reason] = reasons.get(reason, 0) + n
        for reason, n in sorted(reasons.items()):
            dead.add_metric([reason], n)
        yield dead
        yield from self._workers()
        online = GaugeMetricFamily("ridgeline_site_online", "Whether a site says it is online.", labels=["site"])
        merged: dict[str, bool] = {}
        for w in self.workers:
            merged.update(w.counters.status)
        for site, up in sorted(merged.items()):
            online.add_metric([site], 1.0 if up else 0.0)
        yield online
        yield from self._sites()
        changes = CounterMetricFamily("ridgeline_alerts", "Alert changes made by the rules.", labels=["change"])
        changes.add_metric(["opened"], self.alerts.opened)
        changes.add_metric(["updated"], self.alerts.updated)
        changes.add_metric(["escalated"], self.alerts.escalated)
        yield changes

    def _workers(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        now = time.monotonic()
        gauges = {
            "connected": GaugeMetricFamily("ridgeline_ingest_connected", "Whether a worker is connected.",
                                           labels=["worker"]),
            "stalled": GaugeMetricFamily("ridgeline_ingest_stalled", "Whether a worker holds messages it has not "
                                         "committed for too long, or has stopped.", labels=["worker"]),
            "since": GaugeMetricFamily("ridgeline_ingest_seconds_since_commit", "Seconds since a worker's last commit.",
                                       labels=["worker"]),
            "queue": GaugeMetricFamily("ridgeline_ingest_queue_depth", "Messages received, not yet in a batch.",
                                       labels=["worker"]),
            "bytes": GaugeMetricFamily("ridgeline_ingest_queue_bytes", "Payload bytes received, not yet in a batch.",
                                       labels=["worker"]),
        }
        errors = CounterMetricFamily("ridgeline_ingest_errors", "Failed attempts to commit a batch.", labels=["worker"])
        restarts = CounterMetricFamily("ridgeline_ingest_restarts", "Worker threads started again.", labels=["worker"])
        for w in self.workers:
            gauges["connected"].add_metric([w.worker], 1.0 if w.counters.connected else 0.0)
            gauges["stalled"].add_metric([w.worker], 1.0 if w.stalled(now) else 0.0)
            gauges["since"].add_metric([w.worker], now - w.last_commit)
            gauges["queue"].add_metric([w.worker], w.queue_depth())
            gauges["bytes"].add_metric([w.worker], w.queued_bytes())
            errors.add_metric([w.worker], w.counters.errors)
            restarts.add_metric([w.worker], w.counters.restarts)
        yield from gauges.values()
        yield errors
        yield restarts

    def _sites(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        try:
            tallies = self.store.tallies()
        except StoreError as exc:  # the database away: the other metrics still answer
            log.warning("metrics: %s", exc)
            return
        for key, name, doc, is_counter in _SITE_METRICS:
            family = (CounterMetricFamily if is_counter else GaugeMetricFamily)(name, doc, labels=["site"])
            for site, counts in sorted(tallies.items()):
                family.add_metric([site], counts[key])
            yield family


@dataclass(frozen=True)
class _Caused:
    """What a batch caused: the alerts the rules opened or changed, the units reports moved."""

    alerts: list[Alert]
    units: list[Unit]


class Centre:
    """Store, ingest workers and the health/metrics endpoint."""

    def __init__(self, db_url: str, broker: BrokerConfig, workers: int = 1,
                 limits: WireLimits | None = None, worker_prefix: str = "w",
                 rules: list[RuleConfig] | None = None, dead_letters: DeadLetterLimits | None = None,
                 stall_after_s: float = 30.0, busy_timeout_s: float = 30.0,
                 snapshot_retention: timedelta = DEFAULT_SNAPSHOT_RETENTION,
                 retention: RetentionConfig | None = None, audit_heads: Path | None = None,
                 audit_head_every_s: float = 300.0) -> None:
        self.retention = retention or RetentionConfig()
        self.audit_heads = audit_heads
        self.audit_head_every_s = audit_head_every_s
        self._witnessed = 0  # the seq of the head last written out
        self.store = Store(db_url, limits=dead_letters, busy_timeout_s=busy_timeout_s,
                           snapshot_retention=snapshot_retention)
        self.alerts = AlertService(self.store, RuleEngine(rules or []))
        self.changes = ChangeFeed(f"{socket.gethostname()}:{os.getpid()}:{worker_prefix}", publish=self._publish)
        # a broker that binds client ids to user names gives each worker a user of its own; the
        # first worker also hears the other centre processes' changes
        self.workers = [
            Ingest(self.store, broker.with_credentials(centre_worker_user(broker.username, i), broker.password)
                   if broker.username else broker,
                   worker=f"{worker_prefix}{i + 1}", limits=limits, hook=self._apply,
                   stall_after_s=stall_after_s, on_commit=self._committed,
                   on_centre=self.changes.heard if i == 0 else None, centre_subscription=CHANGES if i == 0 else None)
            for i in range(workers)
        ]
        self._unsent: deque[Event] = deque(maxlen=UNSENT_MAX)
        self.published = 0  # escalations published
        self._stop = threading.Event()
        self.registry = CollectorRegistry()
        self.registry.register(_IngestCollector(self.workers, self.alerts, self.store))

    def _apply(self, conn: Connection, stored: list[Envelope]) -> _Caused:
        """What a batch causes, in its transaction: alerts by the rules, units moved by reports."""
        return _Caused(self.alerts.apply(conn, stored), take_reports(conn, stored))

    def _committed(self, result: IngestResult, statuses: dict[str, SiteStatus]) -> None:
        caused = result.caused if isinstance(result.caused, _Caused) else _Caused([], [])
        stored = result.stored
        self.changes.later(lambda: commit_changes(stored, statuses, caused.alerts, caused.units))

    def _publish(self, topic: str, payload: bytes) -> bool:
        """On the first worker's connection when it is up: it subscribes with No Local, so the
        broker does not send this process its own batches back."""
        worker = next((w for w in self.workers if w.counters.connected), None)
        return worker is not None and worker.publish(topic, payload)

    def health(self) -> dict[str, Any]:
        """What ``/health`` says; ``healthy`` is false when the database is away, no worker is
        connected, or a worker is stalled."""
        try:
            self.store.ping()
            db_ok = True
        except Exception as exc:  # reported, not raised: this is the health check
            db_ok = False
            log.warning("health: database: %s", exc)
        sites: dict[str, bool] = {}
        for w in self.workers:
            sites.update(w.counters.status)
        now = time.monotonic()
        stalled = [w.worker for w in self.workers if w.stalled(now)]
        broker_ok = any(w.counters.connected for w in self.workers)
        return {
            "healthy": db_ok and broker_ok and not stalled,
            "database": db_ok,
            "broker": broker_ok,
            "ingest": "stalled" if stalled else "ok",
            "stalled_workers": stalled,
            "last_error": next((w.last_error for w in self.workers if w.last_error), None),
            "sites_online": sorted(s for s, up in sites.items() if up),
        }

    def start(self) -> None:
        self.changes.start()
        for w in self.workers:
            w.start()
        threading.Thread(target=self._escalator, name="escalation", daemon=True).start()
        threading.Thread(target=self._watchdog, name="watchdog", daemon=True).start()
        if self.audit_heads is not None:
            threading.Thread(target=self._witness, name="audit-heads", daemon=True).start()

    def _escalator(self) -> None:
        while not self._stop.wait(1.0):
            try:
                escalated = self.alerts.escalate()
                self._unsent.extend(event for _alert, event in escalated)
                self.changes.announce([alert_change(alert) for alert, _event in escalated])
            except Exception as exc:  # the database may be away for a moment: try again next second
                log.warning("escalation check: %s", exc)
            try:
                self.announce()
            except Exception as exc:  # the broker may be away: what is unsent waits for the next second
                log.warning("publishing escalations: %s", exc)

    def announce(self) -> None:
        """Publish the escalations not yet published, while a worker is connected."""
        while self._unsent:
            worker = next((w for w in self.workers if w.counters.connected), None)
            if worker is None or not worker.publish(ESCALATIONS, self._unsent[0].model_dump_json().encode()):
                return
            self._unsent.popleft()
            self.published += 1

    def _witness(self) -> None:
        """Write the audit trail's head out at intervals (and at once), for ``audit verify --heads``."""
        while True:
            self._write_head()
            if self._stop.wait(self.audit_head_every_s):
                return

    def _write_head(self) -> None:
        if self.audit_heads is None:
            return
        try:
            self._witnessed = write_head(self.store, self.audit_heads, self._witnessed)
        except (StoreError, OSError) as exc:
            log.warning("audit head to %s: %s", self.audit_heads, exc)

    def _watchdog(self) -> None:
        """Restart ended workers; prune expired dead letters and purge expired data hourly."""
        next_prune = time.monotonic()
        while not self._stop.wait(1.0):
            for w in self.workers:
                if not w.alive():
                    w.restart()
            if time.monotonic() >= next_prune:
                try:
                    gone = self.store.prune_dead_letters()
                    if gone:
                        log.info("removed %d dead letter(s) past their retention", gone)
                    purged = purge_expired(self.store, self.retention, utc_now(), max_batches=PURGE_BATCHES)
                    if purged.removed:
                        log.info("purged %d message(s) and %d image(s) past their retention",
                                 sum(purged.messages.values()), purged.snapshots)
                    next_prune = time.monotonic() + (3600 if purged.complete else 1)  # a long purge goes on soon
                except StoreError as exc:
                    log.warning("retention: %s", exc)
                    next_prune = time.monotonic() + 60

    def stop(self) -> None:
        self._stop.set()
        for w in self.workers:
            w.stop()
        self._write_head()  # the last head, on a clean stop
        self.changes.stop()
        self.store.close()


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
    worker_prefix: str = "w"
    #: where the audit trail's head is written at intervals (None: nowhere)
    audit_heads: Path | None = None


@dataclass
class RunningCentre:
    """A started centre; ``stop`` ends it (and its embedded broker)."""

    centre: Centre
    broker_url: str
    workers: int
    embedded: Any = None
    users_created: list[str] = field(default_factory=list)
    #: the bridge to the sector's TAK server (``app.tak.TakBridge``), if it names one
    tak: Any = None

    def stop(self) -> None:
        if self.tak is not None:
            self.tak.stop()
        self.centre.stop()
        if self.embedded is not None:
            self.embedded.stop()


def start_centre(sector: Sector, req: CentreRequest) -> RunningCentre:
    """Start the centre for ``sector`` (its rules); it runs in background threads until ``stop``."""
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
        keep = sector.retention
        centre = Centre(req.db, config, workers=workers,
                        worker_prefix=req.worker_prefix, rules=list(sector.rules),
                        dead_letters=DeadLetterLimits(retention=timedelta(days=keep.dead_letters_days)),
                        snapshot_retention=timedelta(days=keep.snapshots_days), retention=keep,
                        audit_heads=req.audit_heads)
        define_units(centre.store, sector.units, sector.unit_statuses)
        centre.start()
        tak = None
        if sector.tak is not None:
            from ridgeline.app.tak import TakBridge

            tak = TakBridge(centre.store, sector.tak, centre.changes)
            tak.start()
    except BaseException:
        if embedded is not None:
            embedded.stop()
        raise
    return RunningCentre(centre, str(centre.workers[0].broker), workers, embedded, created, tak)
