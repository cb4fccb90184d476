"""The centre's live change feed: what each commit changed, told to this process's listeners
(the API's WebSocket clients) and, through the broker, to every other centre process.

A batch is announced only after its transaction committed, so a console never shows what
the database does not hold.  Each centre process subscribes (not shared) to
``ridgeline/v1/centre/changes`` on its first ingest worker's connection; it hears its own
batches back from the broker as well, and drops them by id.  The feed is advisory: a
console that reconnects reads the truth from the REST API, so a batch the broker could
not take is logged, not queued without bound.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from ridgeline.model import (
    Alert,
    Change,
    ChangeBatch,
    ChangeKind,
    Envelope,
    MessageType,
    SiteStatus,
    Unit,
    utc_now,
)
from ridgeline.transport.access import centre_topic

log = logging.getLogger(__name__)

CHANGES = centre_topic("changes")
#: batch ids remembered to drop a second copy
_SEEN_MAX = 10_000

Listener = Callable[[str], None]
_ID_FIRST = re.compile(r'\{"id":"([^"\\]{1,64})"')


class ChangeFeed:
    """Announces committed changes; listeners get each batch once, as JSON text."""

    def __init__(self, origin: str, publish: Callable[[str, bytes], bool] | None = None,
                 backlog: int = 10_000) -> None:
        self.origin = origin
        self.publish = publish
        self.announced = 0
        self.unpublished = 0
        #: commits whose changes were not announced: more waiting than ``backlog``
        self.skipped = 0
        self._listeners: list[Listener] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._later: queue.Queue[Callable[[], Sequence[Change]] | None] = queue.Queue(maxsize=backlog)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Announce what :meth:`later` is given, in a thread of the feed's own."""
        self._thread = threading.Thread(target=self._run, name="changes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._later.put(None)
            self._thread.join(timeout=10)

    def later(self, changes: Callable[[], Sequence[Change]]) -> None:
        """Announce ``changes()`` soon, from the feed's thread: a committing thread (ingest) never
        waits on the feed.  Past ``backlog`` waiting commits, this one is skipped and counted."""
        try:
            self._later.put_nowait(changes)
        except queue.Full:
            self.skipped += 1
            if self.skipped == 1 or self.skipped % 1000 == 0:
                log.warning("changes: %d commit(s) not announced, the feed is behind", self.skipped)

    def _run(self) -> None:
        while (make := self._later.get()) is not None:
            try:
                self.announce(make())
            except Exception:  # one bad commit never ends the feed
                log.exception("changes: announcing a commit")

    def listen(self, listener: Listener) -> None:
        """Call ``listener(batch_json)`` for every batch from now on (from any thread: it must not block)."""
        self._listeners.append(listener)

    def announce(self, changes: Sequence[Change], now: datetime | None = None) -> ChangeBatch | None:
        """Tell everyone about ``changes`` (already committed); nothing when there are none."""
        if not changes:
            return None
        batch = ChangeBatch(origin=self.origin, time=now or utc_now(), changes=list(changes))
        text = batch.model_dump_json()
        self._deliver(batch.id, text)
        self.announced += 1
        if self.publish is not None and not self.publish(CHANGES, text.encode()):
            self.unpublished += 1
            log.debug("changes %s: not published (broker away); local listeners had it", batch.id)
        return batch

    def heard(self, _topic: str, payload: bytes) -> None:
        """A batch from the broker (this process's own, or another's)."""
        try:
            text = payload.decode()
            # a batch is written with its id first: read it without parsing the whole batch
            head = _ID_FIRST.match(text)
            batch_id = head.group(1) if head else json.loads(text)["id"]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            log.warning("changes: a message on %s that is no change batch (%d bytes) ignored", CHANGES, len(payload))
            return
        if isinstance(batch_id, str):
            self._deliver(batch_id, text)

    def _deliver(self, batch_id: str, text: str) -> None:
        with self._lock:
            if batch_id in self._seen:
                return
            self._seen[batch_id] = None
            if len(self._seen) > _SEEN_MAX:
                self._seen.popitem(last=False)
        for listener in self._listeners:
            try:
                listener(text)
            except Exception:  # one listener's failure never stops the others
                log.exception("changes: a listener failed")


def commit_changes(stored: Iterable[Envelope], statuses: Mapping[str, SiteStatus],
                   alerts: Iterable[Alert], units: Iterable[Unit] = ()) -> list[Change]:
    """What an ingest commit changed: events stored, tracks' latest positions, site
    statuses, the alerts the rules opened or updated and the units reports moved (detections
    and logs are not live).

    The payloads were validated at ingest: they are passed on as they are."""
    out: list[Change] = []
    for env in stored:
        payload = env.payload
        if env.type == MessageType.EVENTS:
            out.append(Change.model_construct(kind=ChangeKind.EVENT, id=str(payload.get("id")), site=env.site,
                                              data=payload))
        elif env.type == MessageType.TRACKS and payload.get("points"):
            last = payload["points"][-1]
            out.append(Change.model_construct(kind=ChangeKind.TRACK, id=str(payload.get("id")), site=env.site, data={
                "object_class": payload.get("object_class"), "time": last.get("time"),
                "position": last.get("position"), "sources": payload.get("sources", [])}))
    for site, status in sorted(statuses.items()):
        out.append(Change(kind=ChangeKind.SITE, id=site, site=site, data=status.model_dump(mode="json")))
    out.extend(alert_change(a) for a in alerts)
    out.extend(unit_change(u) for u in units)
    return out


def alert_change(alert: Alert) -> Change:
    """The change of an alert opened or changed."""
    return Change(kind=ChangeKind.ALERT, id=alert.id, site=alert.site, data=alert.model_dump(mode="json"))


def unit_change(unit: Unit) -> Change:
    """The change of a unit moved or changed."""
    return Change(kind=ChangeKind.UNIT, id=unit.id, data=unit.model_dump(mode="json"))
