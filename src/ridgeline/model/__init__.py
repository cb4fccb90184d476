"""Domain types of the flow (detection, track, event, alert, incident, dispatch), ids and time.

No I/O here and nothing of ours imported: every other layer builds on these.
"""

from ridgeline.model.change import Change, ChangeBatch, ChangeKind
from ridgeline.model.domain import (
    Alert,
    AlertSource,
    AlertState,
    Detection,
    Event,
    EventType,
    Incident,
    IncidentOutcome,
    IncidentState,
    ObjectClass,
    Position,
    Role,
    Severity,
    Track,
    TrackPoint,
    Unit,
    UnitKind,
    UnitPosition,
    UnitStatus,
)
from ridgeline.model.envelope import PAYLOADS, Envelope, LogRecord, MessageType, SiteStatus, Thinned
from ridgeline.model.snapshot import Snapshot
from ridgeline.model.time import UtcTime, is_ulid, new_id, utc_now

__all__ = [
    "PAYLOADS",
    "Alert",
    "AlertSource",
    "AlertState",
    "Change",
    "ChangeBatch",
    "ChangeKind",
    "Detection",
    "Envelope",
    "Event",
    "EventType",
    "Incident",
    "IncidentOutcome",
    "IncidentState",
    "LogRecord",
    "MessageType",
    "ObjectClass",
    "Position",
    "Role",
    "Severity",
    "SiteStatus",
    "Snapshot",
    "Thinned",
    "Track",
    "TrackPoint",
    "Unit",
    "UnitKind",
    "UnitPosition",
    "UnitStatus",
    "UtcTime",
    "is_ulid",
    "new_id",
    "utc_now",
]
