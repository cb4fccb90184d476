"""Send a site's outbox to the broker with QoS 1; delete a message once the centre stored it.

A broker's PUBACK only says the broker has the message; a broker killed before it
delivered (or saved) its queue would lose it.  So the outbox keeps every message until
the *centre* confirms it committed it: the centre publishes the stored seqs on the site's
``cmd/ack`` topic.  A message the centre has not confirmed is sent again when the
confirmations show it was lost, or as a paced probe while the centre is silent
(``transport.unconfirmed``); the centre ignores an id it already has, and confirms it
again.  Confirmations the broker retained, and confirmations of seqs this site is not
awaiting, delete nothing.

Each connection is a fresh MQTT client: the messages it has in flight belong to it alone,
and PUBACKs only free room in the in-flight window.  A retained ``status`` message says
the site is online; the broker publishes the last will (offline) if the site vanishes.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from ridgeline.model import Envelope, MessageType, SiteStatus, new_id, utc_now
from ridgeline.transport.broker import BrokerConfig, connect, new_client
from ridgeline.transport.outbox import Outbox, Pending
from ridgeline.transport.unconfirmed import Unconfirmed
from ridgeline.transport.wire import command_topic, data_topic, encode, encode_batch, parse_ack

log = logging.getLogger(__name__)


def status_envelope(site: str, status: SiteStatus) -> Envelope:
    """A presence message (seq 0: not part of the site's stream)."""
    now = utc_now()
    return Envelope(
        id=new_id(), site=site, seq=0, type=MessageType.STATUS, time=now, sent=now,
        payload=status.model_dump(mode="json"),
    )


class _Connection:
    """One MQTT connection and the callbacks' view of it."""

    def __init__(self, publisher: Publisher) -> None:
        broker = publisher.broker
        self.client = new_client(broker, client_id=broker.username or f"ridgeline-edge-{publisher.site}")
        self.client.max_inflight_messages_set(publisher.window)
        self.client.max_queued_messages_set(0)
        self.client.will_set(
            data_topic(publisher.site, MessageType.STATUS),
            encode(status_envelope(publisher.site, SiteStatus(online=False))), qos=1, retain=True,
        )
        self.up = threading.Event()
        self.down = threading.Event()
        self.refused: str | None = None
        self.acks: collections.deque[int] = collections.deque()  # mids, appended by the network thread
        self.publisher = publisher
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message
        self.ack_topic = command_topic(publisher.site, "ack")

    def _on_connect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self.refused = str(reason)
            self.down.set()
        else:
            self.client.subscribe(self.ack_topic, qos=1)
            self.up.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, _r: Any, _p: Any) -> None:
        self.down.set()
        self.publisher._wake.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic != self.ack_topic:
            return
        if msg.retain:  # the centre never retains a confirmation: a stale or forged one
            self.publisher.retained_acks += 1
            return
        ranges = parse_ack(msg.payload)
        if ranges:
            self.publisher._confirmations.append(ranges)
            self.publisher._wake.set()

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            self.acks.append(mid)
            self.publisher._wake.set()


class Publisher:
    """Drains one outbox to the broker in the background, reconnecting with backoff.

    At most ``max_unconfirmed`` envelopes are out awaiting the centre's confirmation
    (``transport.unconfirmed`` decides what is sent again, and when); at most ``window``
    MQTT messages await the broker's PUBACK.  A status message (online, backlog, last seq)
    goes out at each connection and every ``status_every`` seconds.
    """

    def __init__(
        self, outbox: Outbox, site: str, broker: BrokerConfig, window: int = 1000,
        resend_after: float = 15.0, max_unconfirmed: int = 20_000, batch_max: int = 200,
        batch_bytes: int = 128 * 1024, status_every: float = 30.0, max_backoff: float = 300.0,
    ) -> None:
        self.outbox = outbox
        self.site = site
        self.broker = broker
        self.window = window
        self.batch_max = batch_max
        self.batch_bytes = batch_bytes
        self.status_every = status_every
        self.unconfirmed = Unconfirmed(max_unconfirmed, resend_after, max_backoff, probe_size=batch_max)
        self.sent = 0  # envelopes sent, first sends and again
        self.messages = 0  # MQTT messages (a batch of envelopes is one)
        self.confirmed = 0
        self.retained_acks = 0  # confirmations ignored because the broker kept them (retained)
        self._confirmations: collections.deque[list[tuple[int, int]]] = collections.deque()
        self.connections = 0
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"publisher-{site}", daemon=True)

    @property
    def ignored_acks(self) -> int:
        """Confirmed seqs that deleted nothing (not awaited: never sent, or confirmed before),
        plus retained confirmation messages."""
        return self.retained_acks + self.unconfirmed.ignored

    def start(self) -> None:
        self._thread.start()

    def notify(self) -> None:
        """Say new messages are in the outbox."""
        self._wake.set()

    def _run(self) -> None:
        backoff = 0.25
        while not self._stop.is_set():
            conn = _Connection(self)
            try:
                connect(conn.client, self.broker)
            except OSError as exc:
                self.last_error = f"broker {self.broker}: {exc}"
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 8.0)
                continue
            conn.client.loop_start()
            if conn.up.wait(5) and not conn.down.is_set():
                backoff = 0.25
                self.connections += 1
                self._publish_status(conn, online=True)
                self._drain(conn)
            elif not conn.up.is_set() and self.connections == 0:
                fallback = self.broker.fallback(conn.refused)
                if fallback is not None:
                    log.info("broker %s does not speak MQTT 5: using 3.1.1", self.broker)
                    self.broker = fallback
                    conn.client.loop_stop()
                    continue
                if conn.refused:
                    self.last_error = f"broker {self.broker} refused the connection: {conn.refused}"
                    log.warning(self.last_error)
            if self._stop.is_set() and not conn.down.is_set():
                self._publish_status(conn, online=False)
                conn.client.disconnect()
            conn.client.loop_stop()
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 8.0)

    def _confirm(self) -> None:
        """Delete what the centre confirmed (of what this site sent and awaits)."""
        done: list[int] = []
        while self._confirmations:
            done.extend(self.unconfirmed.confirm(self._confirmations.popleft()))
        if done:
            self.outbox.ack(done)
            self.confirmed += len(done)

    def _drain(self, conn: _Connection) -> None:
        inflight: dict[int, int] = {}  # mid -> messages it carries, awaiting the broker's PUBACK
        last_resend = last_status = time.monotonic()
        while not self._stop.is_set() and not conn.down.is_set():
            while conn.acks:
                inflight.pop(conn.acks.popleft(), None)
            self._confirm()
            now = time.monotonic()
            room = (self.window - len(inflight)) * self.batch_max
            batch: list[Pending] = []
            if now - last_resend > 0.5:
                last_resend = now
                again = self.unconfirmed.due(now, room)
                batch = self.outbox.get(again) if again else []
            fresh = min(room - len(batch), self.unconfirmed.room())
            if fresh > 0:
                batch += self.outbox.pending(fresh, skip=self.unconfirmed)
            if not self._send(conn, batch, inflight, now):
                self._stop.wait(0.05)  # the link is going down: the loop ends when it is
                continue
            if now - last_status > self.status_every:
                last_status = now
                self._publish_status(conn, online=True, wait=False)
            if not batch and not conn.acks and not self._confirmations:
                self._wake.wait(0.05)
                self._wake.clear()

    def _send(self, conn: _Connection, batch: list[Pending], inflight: dict[int, int], now: float) -> bool:
        """Publish ``batch`` grouped into MQTT messages; False if the client refused one (link down)."""
        sent_at = utc_now()
        for group in _groups(batch, self.batch_max, self.batch_bytes):
            wires = [p.wire(self.site, sent_at) for p in group]
            payload = wires[0] if len(wires) == 1 else encode_batch(wires)
            info = conn.client.publish(data_topic(self.site, group[0].type), payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return False
            inflight[info.mid] = len(group)
            self.sent += len(group)
            self.messages += 1
            self.unconfirmed.sent((p.seq for p in group), now)
        return True

    def _publish_status(self, conn: _Connection, online: bool, wait: bool = True) -> None:
        status = SiteStatus(online=online, backlog=self.outbox.backlog(), thinned=self.outbox.thinned(),
                            last_seq=self.outbox.last_seq())
        info = conn.client.publish(
            data_topic(self.site, MessageType.STATUS), encode(status_envelope(self.site, status)), qos=1, retain=True
        )
        if not wait:
            return
        try:
            info.wait_for_publish(timeout=2)
        except (RuntimeError, ValueError) as exc:  # the link went down meanwhile
            log.info("status %s not confirmed: %s", "online" if online else "offline", exc)

    def wait_drained(self, timeout: float) -> bool:
        """Block until the outbox is empty or ``timeout`` seconds passed."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.outbox.backlog() == 0:
                return True
            time.sleep(0.05)
        return self.outbox.backlog() == 0

    def stop(self) -> None:
        """Say goodbye (offline status) and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread.ident is not None:  # stopping a publisher never started (a failed setup) is no error
            self._thread.join(timeout=10)


def _groups(batch: list[Pending], most: int, max_bytes: int) -> list[list[Pending]]:
    """Consecutive messages of one type, at most ``most`` and about ``max_bytes`` per MQTT message.

    Drain order is kept: a group ends where the type changes.
    """
    groups: list[list[Pending]] = []
    size = 0
    for p in batch:
        cost = len(p.payload) + 200
        if groups and groups[-1][0].type == p.type and len(groups[-1]) < most and size + cost <= max_bytes:
            groups[-1].append(p)
            size += cost
        else:
            groups.append([p])
            size = cost
    return groups
