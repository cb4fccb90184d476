"""The transport envelope: what every message between a site and the centre carries.

``id`` (ULID) makes redelivery harmless: the centre stores each id once.  ``seq`` counts
a site's messages without gaps, so the centre can say which are missing.  ``time`` is the
sensor's clock, ``sent`` the sender's clock when it (last) sent it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ridgeline.model.domain import Detection, Event, Severity, Track, UnitPosition
from ridgeline.model.snapshot import Snapshot
from ridgeline.model.time import UtcTime, is_ulid

SiteId = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Site id: letters, digits, '-' and '_' (it is a topic level)."),
]


class MessageType(StrEnum):
    """The data topics of a site: ``ridgeline/v1/<site>/<type>``."""

    DETECTIONS = "detections"
    EVENTS = "events"
    TRACKS = "tracks"
    LOGS = "logs"
    STATUS = "status"
    #: a message the site's full outbox thinned: it keeps its seq so nothing looks missing
    THINNED = "thinned"
    #: an event's still image, privacy-masked (the event names it in ``snapshot``)
    SNAPSHOTS = "snapshots"
    #: response units' position reports relayed by a site (a GPS tracker gateway, a boat's AIS
    #: bridge): the centre moves the unit, and keeps the report like any other message
    UNITS = "units"


class LogRecord(BaseModel):
    """One log line forwarded from a site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: str = Field(max_length=16, description="Log level name (INFO, WARNING, ERROR...).")
    logger: str = Field(max_length=128, description="Name of the logger that wrote it.")
    message: str = Field(max_length=4096, description="The log message.")
    suppressed: int = Field(default=0, ge=0, description="Lines dropped by the rate limit just before this one.")


class SiteStatus(BaseModel):
    """A site's presence: retained on its status topic, and its last will when it vanishes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    online: bool = Field(description="Whether the site is connected.")
    backlog: int = Field(default=0, ge=0, description="Messages waiting in its outbox.")
    thinned: int = Field(
        default=0, ge=0, description="Low-severity messages thinned so far because the outbox was full."
    )
    last_seq: int = Field(
        default=0, ge=0, description="The highest seq the site has handed out: with ``backlog`` the centre can "
        "tell a seq still waiting at the site from one lost on the way."
    )


class Thinned(BaseModel):
    """What is left of a message its site's outbox dropped when full."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: MessageType = Field(description="Type of the dropped message.")


#: The payload model of each message type.
PAYLOADS: dict[MessageType, type[BaseModel]] = {
    MessageType.DETECTIONS: Detection,
    MessageType.EVENTS: Event,
    MessageType.TRACKS: Track,
    MessageType.LOGS: LogRecord,
    MessageType.STATUS: SiteStatus,
    MessageType.THINNED: Thinned,
    MessageType.SNAPSHOTS: Snapshot,
    MessageType.UNITS: UnitPosition,
}


class Envelope(BaseModel):
    """One message on the wire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=26, max_length=26, description="Message id, a ULID; the centre stores each once.")
    site: SiteId
    seq: int = Field(
        ge=0, description="Per-site sequence number, gap-free from 1; 0 for status (presence) messages, "
        "which are not part of the stream."
    )
    type: MessageType = Field(description="Message type; also the last topic level.")
    time: UtcTime = Field(description="Sensor clock time of what it reports, UTC.")
    sent: UtcTime = Field(description="Sender clock time when it was (last) sent, UTC.")
    payload: dict[str, Any] = Field(description="The message body, a model chosen by type.")

    def model_post_init(self, context: Any, /) -> None:
        if not is_ulid(self.id):
            raise ValueError(f"id {self.id!r} is not a ULID")
        if (self.seq == 0) != (self.type == MessageType.STATUS):
            raise ValueError("seq is 0 for status messages and only for them")

    def body(self) -> BaseModel:
        """The payload parsed as its type's model (raises pydantic's ValidationError)."""
        return PAYLOADS[self.type].model_validate(self.payload)

    def severity(self) -> Severity:
        """The severity that orders the outbox: events carry their own, the rest rank low."""
        if self.type == MessageType.EVENTS:
            raw = self.payload.get("severity", Severity.MEDIUM)
            try:
                return Severity(raw)
            except ValueError:
                return Severity.MEDIUM
        if self.type == MessageType.STATUS:
            return Severity.HIGH
        if self.type == MessageType.LOGS:
            return Severity.INFO
        return Severity.LOW


__all__ = ["PAYLOADS", "Envelope", "LogRecord", "MessageType", "SiteStatus", "Thinned"]
