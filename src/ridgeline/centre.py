"""The centre: ingest workers -> store, with health and Prometheus metrics.  Wiring only.

``/health`` answers JSON (database reachable, broker connected, sites online) and
``/metrics`` the Prometheus text format.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ridgeline.config.rules import RuleConfig
from ridgeline.rules.engine import RuleEngine
from ridgeline.rules.service import AlertService
from ridgeline.store.db import Store
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.ingest import Ingest
from ridgeline.transport.wire import WireLimits

log = logging.getLogger(__name__)


class _IngestCollector(Collector):
    def __init__(self, workers: list[Ingest], alerts: AlertService) -> None:
        self.workers = workers
        self.alerts = alerts

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        msgs = CounterMetricFamily("ridgeline_ingest_messages", "Messages ingested, by result.", labels=["result"])
        msgs.add_metric(["inserted"], sum(w.counters.inserted for w in self.workers))
        msgs.add_metric(["redelivered"], sum(w.counters.redelivered for w in self.workers))
        msgs.add_metric(["dead_lettered"], sum(sum(w.counters.dead.values()) for w in self.workers))
        yield msgs
        dead = CounterMetricFamily("ridgeline_dead_letters", "Messages refused, by reason.", labels=["reason"])
        reasons: dict[str, int] = {}
        for w in self.workers:
            for reason, n in w.counters.dead.items():
                reasons[reason] = reasons.get(reason, 0) + n
        for reason, n in sorted(reasons.items()):
            dead.add_metric([reason], n)
        yield dead
        conn = GaugeMetricFamily("ridgeline_ingest_connected", "Whether a worker is connected.", labels=["worker"])
        for w in self.workers:
            conn.add_metric([w.worker], 1.0 if w.counters.connected else 0.0)
        yield conn
        online = GaugeMetricFamily("ridgeline_site_online", "Whether a site says it is online.", labels=["site"])
        merged: dict[str, bool] = {}
        for w in self.workers:
            merged.update(w.counters.status)
        for site, up in sorted(merged.items()):
            online.add_metric([site], 1.0 if up else 0.0)
        yield online
        changes = CounterMetricFamily("ridgeline_alerts", "Alert changes made by the rules.", labels=["change"])
        changes.add_metric(["opened"], self.alerts.opened)
        changes.add_metric(["updated"], self.alerts.updated)
        changes.add_metric(["escalated"], len(self.alerts.escalations))
        yield changes


class Centre:
    """Store, ingest workers and the health/metrics endpoint."""

    def __init__(self, db_url: str, broker: BrokerConfig, workers: int = 1, http_port: int | None = 8765,
                 limits: WireLimits | None = None, worker_prefix: str = "w",
                 rules: list[RuleConfig] | None = None) -> None:
        self.store = Store(db_url)
        self.alerts = AlertService(self.store, RuleEngine(rules or []))
        self.workers = [
            Ingest(self.store, broker, worker=f"{worker_prefix}{i + 1}", limits=limits, hook=self.alerts.apply)
            for i in range(workers)
        ]
        self._stop = threading.Event()
        self.registry = CollectorRegistry()
        self.registry.register(_IngestCollector(self.workers, self.alerts))
        self.http_port = http_port
        self._http: ThreadingHTTPServer | None = None

    def health(self) -> dict[str, Any]:
        try:
            self.store.ping()
            db_ok = True
        except Exception as exc:  # reported, not raised: this is the health check
            db_ok = False
            log.warning("health: database: %s", exc)
        sites: dict[str, bool] = {}
        for w in self.workers:
            sites.update(w.counters.status)
        return {
            "database": db_ok,
            "broker": any(w.counters.connected for w in self.workers),
            "sites_online": sorted(s for s, up in sites.items() if up),
        }

    def start(self) -> None:
        for w in self.workers:
            w.start()
        threading.Thread(target=self._escalator, name="escalation", daemon=True).start()
        if self.http_port is not None:
            self._http = ThreadingHTTPServer(("127.0.0.1", self.http_port), self._handler())
            threading.Thread(target=self._http.serve_forever, name="centre-http", daemon=True).start()

    def _escalator(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.alerts.escalate_due()
            except Exception as exc:  # the database may be away for a moment: try again next second
                log.warning("escalation check: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        for w in self.workers:
            w.stop()
        if self._http is not None:
            self._http.shutdown()
        self.store.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        centre = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/health":
                    body = json.dumps(centre.health()).encode()
                    kind = "application/json"
                elif self.path == "/metrics":
                    body = generate_latest(centre.registry)
                    kind = "text/plain; version=0.0.4"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        return Handler
