"""The centre's ingest: shared MQTT subscription -> validate -> idempotent insert -> confirm.

Workers share one MQTT v5 subscription (``$share/<group>/ridgeline/v1/+/+``), so several
can split the load.  Each keeps a persistent session (its client id is its broker user
name), acknowledges a message to the broker only after the batch holding it committed, and
then publishes the stored seqs on each site's ``cmd/ack`` topic so the site can delete them
from its outbox.  A worker killed mid-batch loses nothing: the broker redelivers what it
had not acknowledged, and ids already stored are ignored.

Flow control: the broker sends at most ``receive_max`` unacknowledged messages (MQTT 5's
Receive Maximum), and the hand-over queue between the network thread and the worker holds
at most ``queue_max`` messages and ``queue_max_bytes`` of payload: when it is full the
network thread waits, and the broker keeps the rest (bounded in its configuration; the
sites keep everything until it is confirmed).

Nothing ends a worker quietly: a database that is locked, full or away is retried with
backoff (nothing is acknowledged meanwhile), data the database refuses is found message by
message and kept as dead letters, and any other error is logged and retried.  A worker that
has held a batch for ``stall_after_s`` without committing reports itself stalled, which
``/health`` and ``/metrics`` show.

What cannot be accepted goes to the dead-letter table with its reason and bytes, and is
confirmed to its site only when its bytes are kept in full (a dead letter is never a loss;
one refused for the site's dead-letter cap stays in the site's outbox).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy import Connection

from ridgeline.errors import StoreError, WireError
from ridgeline.model import Envelope, MessageType, SiteStatus, utc_now
from ridgeline.store.db import IngestResult, Store
from ridgeline.store.deadletters import Refusal
from ridgeline.transport.access import is_centre_topic
from ridgeline.transport.broker import BrokerConfig, connect, new_client
from ridgeline.transport.wire import (
    PREFIX,
    Reason,
    Refused,
    WireLimits,
    clock_ahead,
    command_topic,
    decode_batch,
    encode_ack,
    parse_topic,
    peek_site_seq,
)

log = logging.getLogger(__name__)

Delivery = tuple[mqtt.Client, mqtt.MQTTMessage]


@dataclass
class IngestCounters:
    """What ingest has done since it started (exported as Prometheus metrics)."""

    inserted: int = 0
    redelivered: int = 0
    dead: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    status: dict[str, bool] = field(default_factory=dict)
    connected: bool = False
    errors: int = 0  # failed attempts to commit a batch
    restarts: int = 0  # times the worker thread was started again after it ended
    unconfirmed: int = 0  # refusals not kept in full, so not confirmed to their site


@dataclass
class _Part:
    """What one MQTT message brought."""

    topic: str
    good: list[Envelope] = field(default_factory=list)
    statuses: list[Envelope] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    #: (site, seq) of each refusal that may be confirmed once kept, aligned with ``refused``
    confirmable: list[tuple[str, int] | None] = field(default_factory=list)


def _decode(topic: str, payload: bytes, limits: WireLimits) -> _Part:
    part = _Part(topic)
    try:
        envelopes, refused = decode_batch(topic, payload, limits)
    except Exception as exc:  # decoding never raises by design; should it, the message is kept, not lost
        log.exception("ingest: decoding a message on %r failed", topic[:200])
        envelopes, refused = [], [Refused(WireError(Reason.SCHEMA, f"could not be read: {type(exc).__name__}: "
                                                                   f"{str(exc)[:300]}"), payload)]
    site = _topic_site(topic)
    for r in refused:
        peek = peek_site_seq(r.raw)
        own = peek is not None and site == peek[0] and r.error.reason not in (Reason.SITE_MISMATCH, Reason.BAD_TOPIC)
        part.refused.append(Refusal(topic, r.error.reason.value, r.error.detail, r.raw, site,
                                    peek[1] if peek is not None and own else None))
        part.confirmable.append(peek if own else None)
    for env in envelopes:
        (part.statuses if env.type == MessageType.STATUS else part.good).append(env)
    return part


def _topic_site(topic: str) -> str | None:
    try:
        return parse_topic(topic)[0]
    except WireError:
        return None


class Ingest:
    """One ingest worker."""

    def __init__(
        self,
        store: Store,
        broker: BrokerConfig,
        worker: str = "1",
        group: str = "ridgeline-centre",
        limits: WireLimits | None = None,
        batch_size: int = 1000,
        batch_wait: float = 0.02,
        session_expiry_s: int = 86_400,
        hook: Callable[[Connection, list[Envelope]], object] | None = None,
        queue_max: int = 2000,
        queue_max_bytes: int = 32 * 1024 * 1024,
        receive_max: int = 1000,
        stall_after_s: float = 30.0,
        max_retry_wait_s: float = 30.0,
        on_commit: Callable[[IngestResult, dict[str, SiteStatus]], None] | None = None,
        on_centre: Callable[[str, bytes], None] | None = None,
        centre_subscription: str | None = None,
    ) -> None:
        self.store = store
        self.broker = broker
        self.worker = worker
        self.group = group
        self.limits = limits or WireLimits()
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.session_expiry_s = session_expiry_s
        self.hook = hook
        self.receive_max = receive_max
        self.stall_after_s = stall_after_s
        self.max_retry_wait_s = max_retry_wait_s
        self.on_commit = on_commit
        self.on_centre = on_centre
        self.centre_subscription = centre_subscription
        self.counters = IngestCounters()
        self.last_error: str | None = None
        self.last_commit = time.monotonic()
        self._holding_since: float | None = None  # when the batch in hand was taken
        self._queue: queue.Queue[Delivery] = queue.Queue(maxsize=queue_max)
        self.queue_max_bytes = queue_max_bytes
        self._queued_bytes = 0
        self._room = threading.Condition()
        self._stop = threading.Event()
        self._client: mqtt.Client | None = None
        self._drop = threading.Event()  # asks the connection loop to reconnect
        self._thread = self._worker_thread()
        self._conn_thread = threading.Thread(target=self._connect_loop, name=f"ingest-conn-{worker}", daemon=True)

    @property
    def subscription(self) -> str:
        """The shared subscription (MQTT 5), or a plain one on a 3.1.1 broker (one worker)."""
        if self.broker.protocol == 5:
            return f"$share/{self.group}/{PREFIX}/+/+"
        return f"{PREFIX}/+/+"

    def _worker_thread(self) -> threading.Thread:
        return threading.Thread(target=self._run, name=f"ingest-{self.worker}", daemon=True)

    def start(self) -> None:
        self._conn_thread.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._conn_thread.join(timeout=10)

    def publish(self, topic: str, payload: bytes) -> bool:
        """Publish (QoS 1) on this worker's connection what the centre itself says; False when
        not connected (the caller keeps it for later)."""
        client = self._client
        if client is None or not self.counters.connected:
            return False
        return client.publish(topic, payload, qos=1).rc == mqtt.MQTT_ERR_SUCCESS

    # -- supervision --------------------------------------------------------------------
    def alive(self) -> bool:
        """Whether the worker thread runs (the centre restarts one that ended)."""
        return self._thread.is_alive()

    def restart(self) -> None:
        """Start the worker thread again, and reconnect so the broker resends what it had in hand."""
        if self._stop.is_set() or self.alive():
            return
        self.counters.restarts += 1
        log.error("ingest worker %s had stopped: started again (%s)", self.worker, self.last_error)
        self._holding_since = None
        self._drop.set()
        self._thread = self._worker_thread()
        self._thread.start()

    def queue_depth(self) -> int:
        """Messages received and not yet taken into a batch."""
        return self._queue.qsize()

    def queued_bytes(self) -> int:
        """Payload bytes received and not yet taken into a batch (at most ``queue_max_bytes``, or one message)."""
        return self._queued_bytes

    def stalled(self, now: float | None = None) -> bool:
        """Holding messages without a commit for ``stall_after_s``, or not running at all."""
        if self._stop.is_set():
            return False
        if not self.alive():
            return True
        since = self._holding_since
        return since is not None and (now or time.monotonic()) - since > self.stall_after_s

    # -- connection ---------------------------------------------------------------------
    def _client_id(self) -> str:
        return self.broker.username or f"ridgeline-centre-{self.worker}"

    def _connect_loop(self) -> None:
        backoff = 0.25
        connected_once = False
        while not self._stop.is_set():
            down = threading.Event()
            up = threading.Event()
            refused: list[str] = []
            client = new_client(self.broker, client_id=self._client_id(), manual_ack=True, persistent=True)
            client.max_inflight_messages_set(1000)
            client.max_queued_messages_set(0)

            def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any, up: threading.Event = up,
                           down: threading.Event = down, refused: list[str] = refused) -> None:
                if reason.is_failure:
                    self.last_error = f"broker {self.broker} refused the connection: {reason}"
                    refused.append(str(reason))
                    down.set()
                    return
                c.subscribe(self.subscription, qos=1)
                if self.centre_subscription is not None and self.broker.protocol == 5:
                    # not shared: every centre process hears what the centre says; No Local: not
                    # its own (on 3.1.1 the plain subscription above already matches it)
                    c.subscribe(self.centre_subscription, options=SubscribeOptions(qos=0, noLocal=True))
                up.set()

            def on_disconnect(
                _c: mqtt.Client, _u: Any, _f: Any, _r: Any, _p: Any, down: threading.Event = down
            ) -> None:
                down.set()

            client.on_connect = on_connect
            client.on_disconnect = on_disconnect
            client.on_message = self._on_message
            try:
                connect(client, self.broker, persistent_s=self.session_expiry_s, receive_max=self.receive_max)
            except OSError as exc:
                self.last_error = f"broker {self.broker}: {exc}"
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 8.0)
                continue
            client.loop_start()
            if up.wait(5) and not down.is_set():
                backoff = 0.25
                connected_once = True
                self._client = client
                self.counters.connected = True
                self._drop.clear()
                while not self._stop.is_set() and not down.is_set() and not self._drop.is_set():
                    down.wait(0.2)
                self.counters.connected = False
                if self._drop.is_set():
                    client.disconnect()
            elif not up.is_set() and not connected_once and (
                fallback := self.broker.fallback(refused[0] if refused else None)
            ) is not None:
                log.info("broker %s does not speak MQTT 5: using 3.1.1 without shared subscriptions", self.broker)
                self.broker = fallback
                client.loop_stop()
                continue
            if self._stop.is_set():
                client.disconnect()
            client.loop_stop()
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 8.0)

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        """Hand a message to the worker; wait while its queue is full (the broker holds the rest).
        What the centre itself says (``ridgeline/v1/centre/...``, matched by ``+/+``) is not data: handed
        to ``on_centre`` when it is the centre subscription's, else passed by."""
        if is_centre_topic(msg.topic):
            client.ack(msg.mid, msg.qos)
            if (self.on_centre is not None and self.centre_subscription is not None
                    and mqtt.topic_matches_sub(self.centre_subscription, msg.topic)):
                try:
                    self.on_centre(msg.topic, msg.payload)
                except Exception:  # a listener's failure never stops ingest
                    log.exception("ingest %s: handling %s", self.worker, msg.topic)
            return
        size = len(msg.payload)
        with self._room:  # an empty queue takes any message, however large
            while (not self._stop.is_set() and self._queued_bytes > 0
                   and self._queued_bytes + size > self.queue_max_bytes):
                self._room.wait(0.5)
            self._queued_bytes += size
        while not self._stop.is_set():
            try:
                self._queue.put((client, msg), timeout=0.5)
                return
            except queue.Full:
                continue

    def _taken(self, deliveries: list[Delivery]) -> None:
        with self._room:
            self._queued_bytes -= sum(len(msg.payload) for _c, msg in deliveries)
            self._room.notify_all()

    # -- batches ------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if batch:
                self._handle(batch)

    def _take(self) -> list[Delivery]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        self._holding_since = time.monotonic()
        batch = [first]
        end = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            left = end - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=max(left, 0)) if left > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        self._taken(batch)
        return batch

    def _handle(self, batch: list[Delivery]) -> None:
        now = utc_now()
        parts = [_decode(msg.topic, msg.payload, self.limits) for _client, msg in batch]
        wait = 0.5
        alone = False
        while True:
            try:
                confirm = self._commit_each(parts, now) if alone else self._commit(parts, now)
                break
            except Exception as exc:  # every failure is logged and retried: a worker never ends on one
                self.counters.errors += 1
                self.last_error = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
                if isinstance(exc, StoreError) and exc.transient:
                    log.warning("ingest %s: %s; trying again in %.1f s", self.worker, self.last_error, wait)
                else:  # the data, or a rule, was refused: find the message, keep the rest
                    log.error("ingest %s: %s; storing its messages one by one", self.worker, self.last_error,
                              exc_info=not isinstance(exc, StoreError))
                    if not alone:
                        alone = True
                        continue
                if self._stop.wait(wait):
                    return  # stopping: nothing acknowledged, the broker will redeliver
                wait = min(wait * 2, self.max_retry_wait_s)
        self.counters.batches += 1
        self.last_commit = time.monotonic()
        self._holding_since = None
        # acknowledge to the broker (only on the connection the message came in on) ...
        current = self._client
        for client, msg in batch:
            if client is current and self.counters.connected:
                client.ack(msg.mid, msg.qos)
        # ... and confirm to each site that its messages are kept
        if current is not None and self.counters.connected:
            for site, seqs in confirm.items():
                current.publish(command_topic(site, "ack"), encode_ack(seqs), qos=1)

    def _commit(self, parts: list[_Part], now: datetime) -> dict[str, list[int]]:
        """Store every part's envelopes, statuses and dead letters in one transaction; what to confirm."""
        good = [env for part in parts for env in part.good]
        refused = [r for part in parts for r in part.refused]
        confirmable = [c for part in parts for c in part.confirmable]
        statuses: dict[str, SiteStatus] = {}
        for env in sorted((e for part in parts for e in part.statuses), key=lambda e: e.time):
            statuses[env.site] = SiteStatus.model_validate(env.payload)
        ahead = {env.id: s for env in good if (s := clock_ahead(env, now, self.limits)) is not None}
        result = self.store.ingest(good, received=now, hook=self.hook, refusals=refused, statuses=statuses,
                                   ahead=ahead)
        for site, status in statuses.items():
            self.counters.status[site] = status.online
        if self.on_commit is not None:
            try:
                self.on_commit(result, statuses)
            except Exception:  # committed already: a listener's failure must not make it retry
                log.exception("ingest %s: announcing a commit", self.worker)
        if ahead:
            log.warning("ingest: %d envelope(s) with a sensor clock more than %s ahead, stored and flagged (%s)",
                        len(ahead), self.limits.max_future, ", ".join(sorted({e.site for e in good if e.id in ahead})))
        return self._tally(good, refused, confirmable, result)

    def _tally(self, good: list[Envelope], refused: list[Refusal], confirmable: list[tuple[str, int] | None],
               result: IngestResult) -> dict[str, list[int]]:
        self.counters.inserted += result.inserted
        self.counters.redelivered += result.redelivered
        confirm: dict[str, list[int]] = {}
        conflicted = {e.id for e in result.conflicts}
        for env in good:
            if env.id not in conflicted:
                confirm.setdefault(env.site, []).append(env.seq)
        letters = [(r.reason, c) for r, c in zip(refused, confirmable, strict=True)]
        letters += [(Reason.SEQ_CONFLICT.value, (e.site, e.seq)) for e in result.conflicts]
        for (reason, target), kept in zip(letters, result.kept, strict=True):
            self.counters.dead[reason] += 1
            if target is None:
                continue
            if kept:
                confirm.setdefault(target[0], []).append(target[1])
            else:
                self.counters.unconfirmed += 1
        return confirm

    def _commit_each(self, parts: list[_Part], now: datetime) -> dict[str, list[int]]:
        """One message at a time; the envelopes of one the database refuses become dead letters
        with the database's reason (a failure to keep those goes up, and the batch is tried again)."""
        confirm: dict[str, list[int]] = {}
        for part in parts:
            try:
                done = self._commit([part], now)
            except StoreError as exc:
                if exc.transient:
                    raise
                done = self._refuse(part, f"the database refused it: {str(exc).splitlines()[0][:500]}", now)
            except Exception as exc:  # a rule failing on this message: keep it, replayable once fixed
                done = self._refuse(part, f"the rules failed on it: {type(exc).__name__}: {str(exc)[:500]}", now)
            for site, seqs in done.items():
                confirm.setdefault(site, []).extend(seqs)
        return confirm

    def _refuse(self, part: _Part, detail: str, now: datetime) -> dict[str, list[int]]:
        letters = [Refusal(part.topic, Reason.STORE_ERROR.value, detail, env.model_dump_json().encode(), env.site,
                           env.seq) for env in part.good]
        refused = [*part.refused, *letters]
        confirmable = [*part.confirmable, *((env.site, env.seq) for env in part.good)]
        result = self.store.ingest([], received=now, refusals=refused)
        return self._tally([], refused, confirmable, result)
