"""Use case: share the centre's picture with TAK (ATAK, WinTAK, TAK Server) as Cursor-on-Target.

The bridge listens to the centre's change feed (``app.changes``) and sends every alert with
a map position, every track's latest position and every unit as a CoT event
(``transport.cot``), so a TAK map shows what the console shows, live.  On a TAK server's
TCP input the server relays the other devices' events back on the same connection: the
bridge decodes them, and an event whose uid or callsign is a unit's (the sector file's
``tak_uid`` and ``callsign``) is that unit's position report, which moves the unit (and the
console hears it).  Events of other devices are not ours and are let go; bad or hostile CoT
is counted and logged, never fatal.

Plain asyncio sockets, not pytak: the bridge needs a framed byte stream each way and
nothing of pytak's worker/queue scaffolding, configuration parser or TAK Server
enrolment, and its encoding and decoding are ours anyway (defusedxml on the way in).

While the server is away the latest event of each uid waits (at most :data:`PENDING_MAX`
uids; the oldest go first) and the bridge tries again every ``reconnect_s``.  Units are sent
again every half of their stale time, so they stay current on TAK maps while still.
With ``udp://GROUP:PORT`` the bridge only sends, one datagram per event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ridgeline.errors import CotError, RidgelineError
from ridgeline.model import Alert, ChangeKind, Unit, utc_now
from ridgeline.transport import cot

if TYPE_CHECKING:
    from ridgeline.app.changes import ChangeFeed
    from ridgeline.config.units import TakConfig
    from ridgeline.store.db import Store

log = logging.getLogger(__name__)

#: uids whose latest event waits while the TAK server is away
PENDING_MAX = 10_000


@dataclass
class TakCounters:
    """What the bridge has done since it started."""

    sent: int = 0
    received: int = 0
    moved: int = 0
    refused: int = 0  # CoT that could not be read, or a report the centre refused
    others: int = 0  # events of devices that are no unit of ours
    connected: bool = False


class TakBridge:
    """Alerts, tracks and units out to TAK as CoT; units' own positions in."""

    def __init__(self, store: Store, config: TakConfig, changes: ChangeFeed) -> None:
        self.store = store
        self.config = config
        self.changes = changes
        self.counters = TakCounters()
        self._pending: OrderedDict[str, bytes] = OrderedDict()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the bridge in a thread of its own; it hears the change feed from now on."""
        self._thread = threading.Thread(target=self._run, name="tak", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        self.changes.listen(self.heard)

    def stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake, self._stopping = asyncio.Event(), asyncio.Event()
        self._ready.set()
        scheme, _host, _port = self.config.address
        tasks = [asyncio.create_task(self._refresh_units())]
        tasks.append(asyncio.create_task(self._tcp() if scheme == "tcp" else self._udp()))
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- out ----------------------------------------------------------------------------------

    def heard(self, batch: str) -> None:
        """A change batch from the feed (any thread): its alerts, tracks and units, queued as CoT."""
        try:
            changes = json.loads(batch).get("changes", [])
        except (ValueError, AttributeError) as exc:
            log.warning("tak: a change batch that is no JSON object: %s", exc)
            return
        events = []
        for change in changes:
            try:
                event = self.event_of(change)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:  # one bad change, not the batch
                log.warning("tak: a %s change not turned into CoT: %s", change.get("kind"), exc)
                continue
            if event is not None:
                events.append(event)
        if events:
            self._queue(events)

    def event_of(self, change: dict[str, Any]) -> cot.CotEvent | None:
        """The CoT event of one change (None: not shared, or no map position)."""
        now, cfg = utc_now(), self.config
        kind, data = change.get("kind"), change.get("data") or {}
        if kind == ChangeKind.ALERT:
            return cot.alert_event(Alert.model_validate(data), now, cfg.stale_alert_s)
        if kind == ChangeKind.UNIT:
            unit = Unit.model_validate(data)
            # a unit that reports over TAK is on the maps under its device's own uid already
            return None if unit.source == "cot" else cot.unit_event(unit, now, cfg.stale_unit_s)
        if kind == ChangeKind.TRACK:
            pos = data.get("position") or {}
            if pos.get("lon") is None or pos.get("lat") is None or not data.get("time"):
                return None
            seen = datetime.fromisoformat(str(data["time"]))
            return cot.track_event(str(change.get("id")), data.get("object_class"), float(pos["lon"]),
                                   float(pos["lat"]), seen, now, cfg.stale_track_s)
        return None

    def _queue(self, events: list[cot.CotEvent]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        encoded = [(e.uid, cot.encode(e)) for e in events]
        try:
            loop.call_soon_threadsafe(self._put, encoded)
        except RuntimeError:  # the loop closed between the check and the call
            return

    def _put(self, encoded: list[tuple[str, bytes]]) -> None:
        for uid, data in encoded:
            self._pending.pop(uid, None)
            self._pending[uid] = data
        while len(self._pending) > PENDING_MAX:
            self._pending.popitem(last=False)
        assert self._wake is not None
        self._wake.set()

    async def _refresh_units(self) -> None:
        """Every unit now and then, so that a still unit stays current on TAK maps."""
        from ridgeline.app.units import list_units

        while True:
            try:
                units = await asyncio.to_thread(list_units, self.store)
                now = utc_now()
                events = [cot.unit_event(u, now, self.config.stale_unit_s) for u in units if u.source != "cot"]
                self._put([(e.uid, cot.encode(e)) for e in events if e is not None])
            except RidgelineError as exc:
                log.warning("tak: reading the units: %s", exc)
            await asyncio.sleep(self.config.stale_unit_s / 2)

    async def _next(self) -> tuple[str, bytes]:
        assert self._wake is not None
        while not self._pending:
            self._wake.clear()
            await self._wake.wait()
        return self._pending.popitem(last=False)

    async def _tcp(self) -> None:
        _scheme, host, port = self.config.address
        while True:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=10)
            except (OSError, TimeoutError) as exc:
                log.info("tak: %s not reachable (%s): again in %g s", self.config.url, exc, self.config.reconnect_s)
                await asyncio.sleep(self.config.reconnect_s)
                continue
            self.counters.connected = True
            log.info("tak: connected to %s", self.config.url)
            sending = asyncio.create_task(self._send(writer))
            receiving = asyncio.create_task(self._receive(reader))
            try:
                await asyncio.wait([sending, receiving], return_when=asyncio.FIRST_COMPLETED)
            finally:
                self.counters.connected = False
                for task in (sending, receiving):
                    task.cancel()
                await asyncio.gather(sending, receiving, return_exceptions=True)
                writer.close()
            log.info("tak: connection to %s ended: again in %g s", self.config.url, self.config.reconnect_s)
            await asyncio.sleep(self.config.reconnect_s)

    async def _udp(self) -> None:
        _scheme, host, port = self.config.address
        loop = asyncio.get_running_loop()
        sock = udp_socket(host)
        self.counters.connected = True
        try:
            while True:
                _uid, data = await self._next()
                try:
                    await loop.sock_sendto(sock, data, (host, port))
                    self.counters.sent += 1
                except OSError as exc:
                    log.warning("tak: sending to %s: %s", self.config.url, exc)
        finally:
            self.counters.connected = False
            sock.close()

    async def _send(self, writer: asyncio.StreamWriter) -> None:
        while True:
            uid, data = await self._next()
            try:
                writer.write(data)
                await writer.drain()
            except OSError:
                self._pending[uid] = data  # sent again on the next connection
                self._pending.move_to_end(uid, last=False)
                return
            self.counters.sent += 1

    async def _receive(self, reader: asyncio.StreamReader) -> None:
        stream = cot.CotStream()
        while data := await reader.read(65536):
            try:
                documents = stream.feed(data)
            except CotError as exc:
                self.counters.refused += 1
                log.warning("tak: %s", exc)
                continue
            for document in documents:
                await self._heard_cot(document)

    async def _heard_cot(self, document: bytes) -> None:
        """One event from TAK: a unit's position report, or somebody else's and let go."""
        from ridgeline.app.changes import unit_change
        from ridgeline.app.units import report_position, unit_for_tak

        self.counters.received += 1
        try:
            event = cot.decode(document)
            if event.uid.startswith(cot.PREFIX):
                return  # our own, relayed back
            unit = await asyncio.to_thread(unit_for_tak, self.store, event.uid, event.callsign)
            if unit is None:
                self.counters.others += 1
                return
            moved_unit, moved = await asyncio.to_thread(report_position, self.store,
                                                        cot.position_report(event, unit.id), "cot")
        except (RidgelineError, ValueError) as exc:  # bad CoT, a time ahead of the clock, the database away
            self.counters.refused += 1
            log.warning("tak: an event refused: %s", exc)
            return
        except Exception:  # whatever else: logged, and the connection goes on
            self.counters.refused += 1
            log.exception("tak: an event could not be handled")
            return
        if moved:
            self.counters.moved += 1
            self.changes.announce([unit_change(moved_unit)])


def udp_socket(host: str) -> socket.socket:
    """A non-blocking UDP socket to send to ``host`` (a multicast group gets a TTL of 8 hops)."""
    import ipaddress

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if ipaddress.ip_address(host).is_multicast:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
    except ValueError:  # a name, not an address: no multicast options
        pass
    sock.setblocking(False)
    return sock
