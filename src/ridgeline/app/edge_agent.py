"""Use case: run an edge site: its sensor adapters -> durable outbox -> publisher.

Adapters are looked up by name in the ``ridgeline.sensors`` entry-point group.  A site runs
several at once (a camera, a radar, an AIS receiver), each on its own producer thread into
the one outbox; one adapter failing stops neither the others nor loses what it produced.
The agent hands messages to the outbox in small batches (one durable commit each, every
``batch_interval`` seconds at most), forwards its own log records as ``logs`` messages
(rate-limited, with a count of what the limit dropped), and keeps publishing until told to
stop — or, with ``exit_when_drained``, until every adapter ended and the centre confirmed
everything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from ridgeline.app.edge_site import Overrides, SensorRun, open_adapters, plan_site
from ridgeline.config.sector import Sector
from ridgeline.errors import ConfigError
from ridgeline.model import LogRecord, MessageType, Severity
from ridgeline.model.sensor import ResumableAdapter, SensorAdapter
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.outbox import Outbox
from ridgeline.transport.publisher import Publisher

log = logging.getLogger(__name__)

class LogForwarder(logging.Handler):
    """Sends log records to the centre as ``logs`` messages, at most ``rate`` per second."""

    def __init__(self, outbox: Outbox, rate: float = 20.0, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.outbox = outbox
        self.rate = rate
        self._tokens = rate
        self._last = time.monotonic()
        self._suppressed = 0
        self._lock = threading.Lock()
        self._busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False) or record.name.startswith("ridgeline.transport.outbox"):
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1.0:
                self._suppressed += 1
                return
            self._tokens -= 1.0
            suppressed, self._suppressed = self._suppressed, 0
        self._busy.on = True
        try:
            self.outbox.put(
                MessageType.LOGS,
                LogRecord(level=record.levelname, logger=record.name[:128], message=record.getMessage()[:4096],
                          suppressed=suppressed),
            )
        except Exception:  # a log line must never take the agent down
            self.handleError(record)
        finally:
            self._busy.on = False


class EdgeAgent:
    """One site's agent: every sensor adapter of the site feeds the one outbox, each from its own thread."""

    def __init__(
        self, site: str, outbox_path: Path, broker: BrokerConfig, adapter: SensorAdapter | Sequence[SensorAdapter],
        batch_interval: float = 0.02, outbox_max_bytes: int = 512 * 1024 * 1024,
        resend_after: float = 15.0, forward_logs: bool = True,
    ) -> None:
        self.site = site
        self.adapters: list[SensorAdapter] = [adapter] if isinstance(adapter, SensorAdapter) else list(adapter)
        if not self.adapters:
            raise ConfigError(f"site {site!r}: no sensor adapter to run")
        self.outbox = Outbox(outbox_path, site, max_bytes=outbox_max_bytes)
        self.publisher = Publisher(self.outbox, site, broker, resend_after=resend_after)
        self.batch_interval = batch_interval
        self.produced = 0
        self.failed: list[str] = []  # "adapter: why it stopped early", one per adapter that failed
        self.backlog_at_stop = -1
        self.adapter_done = threading.Event()  # every adapter has ended
        self._stop = threading.Event()
        self._count_lock = threading.Lock()
        self._running = len(self.adapters)
        self._forwarder = LogForwarder(self.outbox) if forward_logs else None
        self._threads = [
            threading.Thread(target=self._produce, args=(a,), name=f"adapter-{site}-{i}-{a.name}", daemon=True)
            for i, a in enumerate(self.adapters)
        ]

    @property
    def adapter(self) -> SensorAdapter:
        """The first adapter (a site with one sensor has only this one)."""
        return self.adapters[0]

    def start(self) -> None:
        for adapter in self.adapters:
            if isinstance(adapter, ResumableAdapter):
                done = self.outbox.cursor(adapter.cursor_name)
                if done:
                    log.info("%s resumes after position %d", adapter.name, done)
                    adapter.resume(done)
        if self._forwarder is not None:
            logging.getLogger("ridgeline").addHandler(self._forwarder)
        self.publisher.start()
        for thread in self._threads:
            thread.start()

    def _produce(self, adapter: SensorAdapter) -> None:
        pending: list[tuple[MessageType, BaseModel, datetime | None, Severity | None]] = []
        last = time.monotonic()
        try:
            for type_, body in adapter.messages():
                if self._stop.is_set():
                    break
                # the envelope carries the sensor's time of what it reports
                pending.append((type_, body, getattr(body, "time", None), None))
                now = time.monotonic()
                if len(pending) >= 500 or now - last >= self.batch_interval:
                    self._flush(adapter, pending)
                    pending = []
                    last = now
        except Exception as exc:  # an adapter failing must not stop the others or lose what it produced
            log.error("sensor adapter %s stopped: %s", adapter.name, exc)
            self.failed.append(f"{adapter.name}: {exc}")
        finally:
            try:
                self._flush(adapter, pending)
            finally:
                with self._count_lock:
                    self._running -= 1
                    if self._running == 0:
                        self.adapter_done.set()

    def _flush(self, adapter: SensorAdapter,
               pending: list[tuple[MessageType, BaseModel, datetime | None, Severity | None]]) -> None:
        if pending:
            cursor = None
            if isinstance(adapter, ResumableAdapter):
                cursor = (adapter.cursor_name, adapter.position)
            self.outbox.put_many(pending, cursor=cursor)
            with self._count_lock:
                self.produced += len(pending)
            self.publisher.notify()

    def run(self, exit_when_drained: bool = False, timeout: float | None = None) -> bool:
        """Run until stopped (or drained); returns whether the outbox is empty."""
        self.start()
        end = None if timeout is None else time.monotonic() + timeout
        try:
            while not self._stop.is_set():
                if exit_when_drained and self.adapter_done.is_set() and self.outbox.backlog() == 0:
                    break
                if end is not None and time.monotonic() > end:
                    break
                self._stop.wait(0.1)
        finally:
            self.stop()
        return self.backlog_at_stop == 0

    def close_adapters(self) -> None:
        """Close every adapter's source (a stream ends; what it produced stays in the outbox)."""
        for adapter in self.adapters:
            try:
                adapter.close()
            except Exception as exc:  # one source failing to close must not keep the others open
                log.error("sensor adapter %s did not close: %s", adapter.name, exc)

    def request_stop(self) -> None:
        """Ask ``run`` to stop (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self.close_adapters()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._forwarder is not None:
            logging.getLogger("ridgeline").removeHandler(self._forwarder)
        self.publisher.stop()
        self.backlog_at_stop = self.outbox.backlog()
        self.outbox.close()


@dataclass(frozen=True)
class EdgeSiteResult:
    """What a run of the site did."""

    site: str
    sensors: list[str]
    produced: int
    sent: int
    confirmed: int
    ignored_acks: int
    drained: bool  # the outbox was empty at the end
    failed: list[str]  # "adapter: why it stopped early", one per adapter that failed


def run_site(
    sector: Sector, site_id: str, broker: BrokerConfig, outbox: Path, overrides: Overrides | None = None,
    exit_when_drained: bool = False, resend_after: float = 15.0,
    on_start: Callable[[EdgeAgent, list[SensorRun]], None] | None = None,
) -> EdgeSiteResult:
    """Run the site's sensors (as the sector file sets them up, or the override) into one outbox
    and publish until stopped (or drained).

    ``on_start`` gets the agent before it runs (to say what runs, or to stop it on a signal
    with ``agent.request_stop()``).
    """
    runs = plan_site(sector, site_id, overrides)
    adapters = open_adapters(site_id, runs)
    try:
        agent = EdgeAgent(site_id, outbox, broker, adapters, resend_after=resend_after)
    except BaseException:
        for adapter in adapters:
            adapter.close()
        raise
    if on_start is not None:
        on_start(agent, runs)
    drained = agent.run(exit_when_drained=exit_when_drained)
    return EdgeSiteResult(site_id, [r.sensor for r in runs], agent.produced, agent.publisher.sent,
                          agent.publisher.confirmed, agent.publisher.ignored_acks, drained, list(agent.failed))
