"""The centre's ingest: shared MQTT subscription -> validate -> idempotent insert -> confirm.

Workers share one MQTT v5 subscription (``$share/<group>/ridgeline/v1/+/+``), so several
can split the load.  Each keeps a persistent session (fixed client id, session expiry),
acknowledges a message to the broker only after the batch holding it committed, and then
publishes the stored seqs on each site's ``cmd/ack`` topic so the site can delete them
from its outbox.  A worker killed mid-batch loses nothing: the broker redelivers what it
had not acknowledged, and ids already stored are ignored.

What cannot be accepted goes to the dead-letter table with its reason, is counted, and
is still confirmed to its site when its site and seq can be read (it is kept, here, so
re-sending it would change nothing).
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
from sqlalchemy import Connection

from ridgeline.model import Envelope, MessageType, utc_now
from ridgeline.store.db import Store, StoreError
from ridgeline.transport.broker import BrokerConfig, connect, new_client
from ridgeline.transport.wire import (
    PREFIX,
    Reason,
    WireError,
    WireLimits,
    command_topic,
    decode_batch,
    encode_ack,
    parse_topic,
    peek_site_seq,
)

log = logging.getLogger(__name__)


@dataclass
class IngestCounters:
    """What ingest has done since it started (exported as Prometheus metrics)."""

    inserted: int = 0
    redelivered: int = 0
    dead: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    status: dict[str, bool] = field(default_factory=dict)
    connected: bool = False


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
        self.counters = IngestCounters()
        self.last_error: str | None = None
        self._queue: queue.Queue[tuple[mqtt.Client, mqtt.MQTTMessage]] = queue.Queue()
        self._stop = threading.Event()
        self._client: mqtt.Client | None = None
        self._thread = threading.Thread(target=self._run, name=f"ingest-{worker}", daemon=True)
        self._conn_thread = threading.Thread(target=self._connect_loop, name=f"ingest-conn-{worker}", daemon=True)

    @property
    def subscription(self) -> str:
        """The shared subscription (MQTT 5), or a plain one on a 3.1.1 broker (one worker)."""
        if self.broker.protocol == 5:
            return f"$share/{self.group}/{PREFIX}/+/+"
        return f"{PREFIX}/+/+"

    def start(self) -> None:
        self._conn_thread.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._conn_thread.join(timeout=10)

    # -- connection ---------------------------------------------------------------------
    def _connect_loop(self) -> None:
        backoff = 0.25
        connected_once = False
        while not self._stop.is_set():
            down = threading.Event()
            up = threading.Event()
            refused: list[str] = []
            client = new_client(self.broker, client_id=f"ridgeline-centre-{self.worker}", manual_ack=True,
                                persistent=True)
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
                up.set()

            def on_disconnect(
                _c: mqtt.Client, _u: Any, _f: Any, _r: Any, _p: Any, down: threading.Event = down
            ) -> None:
                down.set()

            def on_message(c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
                self._queue.put((c, msg))

            client.on_connect = on_connect
            client.on_disconnect = on_disconnect
            client.on_message = on_message
            try:
                connect(client, self.broker, persistent_s=self.session_expiry_s)
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
                while not self._stop.is_set() and not down.is_set():
                    down.wait(0.2)
                self.counters.connected = False
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

    # -- batches ------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if batch:
                self._handle(batch)

    def _take(self) -> list[tuple[mqtt.Client, mqtt.MQTTMessage]]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        end = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            left = end - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=max(left, 0)) if left > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _handle(self, batch: list[tuple[mqtt.Client, mqtt.MQTTMessage]]) -> None:
        now = utc_now()
        parts: list[_Part] = []
        for _client, msg in batch:
            part = _Part(msg.topic)
            envelopes, refused = decode_batch(msg.topic, msg.payload, self.limits, now)
            for r in refused:
                part.dead.append((msg.topic, r.error.reason, r.error.detail, r.raw))
                peek = peek_site_seq(r.raw)
                own = peek is not None and _topic_site(msg.topic) == peek[0]
                if peek and own and r.error.reason not in (Reason.SITE_MISMATCH, Reason.BAD_TOPIC):
                    part.confirm.append(peek)
            for env in envelopes:
                if env.type == MessageType.STATUS:
                    self.counters.status[env.site] = bool(env.payload.get("online"))
                else:
                    part.good.append(env)
            parts.append(part)
        failures = 0
        while not self._stop.is_set():
            try:
                if failures < 3:
                    self._commit(parts, now)
                else:  # the same batch keeps failing: find the message that makes it fail
                    for part in parts:
                        self._commit_alone(part, now)
                break
            except StoreError as exc:  # database away: keep the batch, try again
                failures += 1
                self.last_error = str(exc)
                log.warning("ingest: %s; retrying", str(exc).splitlines()[0][:300])
                self._stop.wait(min(failures, 5.0))
        else:
            return  # stopping: nothing acknowledged, the broker will redeliver
        self.counters.batches += 1
        confirm: dict[str, list[int]] = {}
        for part in parts:
            for reason in part.counted:
                self.counters.dead[reason] += 1
            for site, seq in part.confirm:
                confirm.setdefault(site, []).append(seq)
            for env in part.good:
                confirm.setdefault(env.site, []).append(env.seq)
        # acknowledge to the broker (only on the connection the message came in on) ...
        for client, msg in batch:
            if client is self._client and self.counters.connected:
                client.ack(msg.mid, msg.qos)
        # ... and confirm to each site that its messages are stored
        current = self._client
        if current is not None and self.counters.connected:
            for site, seqs in confirm.items():
                current.publish(command_topic(site, "ack"), encode_ack(seqs), qos=1)

    def _commit(self, parts: list[_Part], now: datetime) -> None:
        """Store every part's envelopes and dead letters (one transaction for the envelopes)."""
        good = [env for part in parts for env in part.good]
        dead = [d for part in parts for d in part.dead]
        result = self.store.ingest(good, received=now, hook=self.hook)
        for env in result.conflicts:
            dead.append(_conflict(env))
        for topic, reason, detail, raw in dead:
            self.store.dead_letter(topic, reason.value, detail, raw, received=now)
        self.counters.inserted += result.inserted
        self.counters.redelivered += result.redelivered
        for part in parts:
            part.counted = [d[1].value for d in part.dead]
        parts[0].counted.extend([Reason.SEQ_CONFLICT.value] * len(result.conflicts))

    def _commit_alone(self, part: _Part, now: datetime) -> None:
        """One message on its own; if the database refuses its envelopes, they are kept as dead
        letters with the database's reason (a dead letter that fails too means the database
        is away: the error goes up and the batch is tried again)."""
        try:
            self._commit([part], now)
        except StoreError as exc:
            detail = f"the database refused it: {str(exc).splitlines()[0][:500]}"
            for env in part.good:
                self.store.dead_letter(part.topic, Reason.STORE_ERROR.value, detail,
                                       env.model_dump_json().encode(), received=now)
            for topic, reason, d, raw in part.dead:
                self.store.dead_letter(topic, reason.value, d, raw, received=now)
            part.counted = [d[1].value for d in part.dead] + [Reason.STORE_ERROR.value] * len(part.good)


@dataclass
class _Part:
    """What one MQTT message brought: envelopes to store, refusals, seqs to confirm anyway."""

    topic: str
    good: list[Envelope] = field(default_factory=list)
    dead: list[tuple[str, Reason, str, bytes]] = field(default_factory=list)
    confirm: list[tuple[str, int]] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)


def _conflict(env: Envelope) -> tuple[str, Reason, str, bytes]:
    return (f"{PREFIX}/{env.site}/{env.type.value}", Reason.SEQ_CONFLICT,
            f"{env.site} seq {env.seq} is already stored under another id (replay?)", env.model_dump_json().encode())


def _topic_site(topic: str) -> str | None:
    try:
        return parse_topic(topic)[0]
    except WireError:
        return None
