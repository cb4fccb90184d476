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
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from pydantic import ValidationError

from ridgeline.model import (
    Alert,
    Change,
    ChangeBatch,
    ChangeKind,
    Envelope,
    Event,
    MessageType,
    SiteStatus,
    Track,
    utc_now,
)
from ridgeline.transport.access import centre_topic

log = logging.getLogger(__name__)

CHANGES = centre_topic("changes")
#: batch ids remembered to drop a second copy
_SEEN_MAX = 10_000

Listener = Callable[[str], None]


class ChangeFeed:
    """Announces committed changes; listeners get each batch once, as JSON text."""

    def __init__(self, origin: str, publish: Callable[[str, bytes], bool] | None = None) -> None:
        self.origin = origin
        self.publish = publish
        self.announced = 0
        self.unpublished = 0
        self._listeners: list[Listener] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

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
            batch_id = json.loads(text)["id"]
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
                   alerts: Iterable[Alert]) -> list[Change]:
    """What an ingest commit changed: events stored, tracks' latest positions, site
    statuses and the alerts the rules opened or updated (detections and logs are not live)."""
    out: list[Change] = []
    for env in stored:
        try:
            if env.type == MessageType.EVENTS:
                event = Event.model_validate(env.payload)
                out.append(Change(kind=ChangeKind.EVENT, id=event.id, site=env.site,
                                  data=event.model_dump(mode="json")))
            elif env.type == MessageType.TRACKS:
                track = Track.model_validate(env.payload)
                if track.points:
                    last = track.points[-1]
                    out.append(Change(kind=ChangeKind.TRACK, id=track.id, site=env.site, data={
                        "object_class": track.object_class.value, "time": last.time.isoformat(),
                        "position": last.position.model_dump(mode="json"), "sources": track.sources}))
        except ValidationError:  # validated at ingest already; never stop the feed over one
            continue
    for site, status in sorted(statuses.items()):
        out.append(Change(kind=ChangeKind.SITE, id=site, site=site, data=status.model_dump(mode="json")))
    out.extend(alert_change(a) for a in alerts)
    return out


def alert_change(alert: Alert) -> Change:
    """The change of an alert opened or changed."""
    return Change(kind=ChangeKind.ALERT, id=alert.id, site=alert.site, data=alert.model_dump(mode="json"))
