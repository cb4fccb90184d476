"""The stages of the flow: Detection -> Track -> Event -> Alert -> Incident -> Dispatch.

Pydantic models with no I/O.  They describe activity, never identity: a detection has a
class (person, vehicle, vessel, animal, motion), a place and a confidence, and nothing
that could name who it was.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ridgeline.model.time import UtcTime, new_id

Lon = Annotated[float, Field(ge=-180.0, le=180.0, description="Longitude, WGS84 degrees.")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="Latitude, WGS84 degrees.")]
Id = Annotated[str, Field(min_length=1, max_length=64, description="Identifier (a ULID when minted by Ridgeline).")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectClass(StrEnum):
    """What kind of thing was sensed (never who)."""

    PERSON = "person"
    VEHICLE = "vehicle"
    VESSEL = "vessel"
    ANIMAL = "animal"
    MOTION = "motion"


class Severity(StrEnum):
    """How urgent something is; also the order an edge site drains its backlog in."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 (info) to 4 (critical)."""
        return _SEVERITY_RANK[self]


#: each severity's rank, looked up rather than found in a list (the rules ask for it per event)
_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class EventType(StrEnum):
    """What a rule or behaviour detector found."""

    LINE_CROSSING = "line_crossing"
    ZONE_INTRUSION = "zone_intrusion"
    LOITERING = "loitering"
    ENCOUNTER = "encounter"
    AIS_GAP = "ais_gap"
    LANDING = "landing"
    DARK_TARGET = "dark_target"
    VESSEL_APPEARED = "vessel_appeared"
    SENSOR_OFFLINE = "sensor_offline"
    SENSOR_ONLINE = "sensor_online"
    TAMPER = "tamper"
    ESCALATION = "escalation"


class AlertState(StrEnum):
    """An alert's lifecycle: new -> acknowledged -> dispatched -> resolved."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED_TRUE = "resolved_true"
    RESOLVED_FALSE_ALARM = "resolved_false_alarm"


class Role(StrEnum):
    """What an operator of the centre may do: each role may do all that the one before it may."""

    VIEWER = "viewer"  # reads
    OPERATOR = "operator"  # acknowledges, comments, assigns, opens incidents
    SUPERVISOR = "supervisor"  # also resolves, overrides, exports case files
    ADMIN = "admin"  # also manages users and retention


class UnitStatus(StrEnum):
    """A response unit's status: available -> dispatched -> en_route -> on_scene -> available."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OFFLINE = "offline"


class Position(_Model):
    """A place on the map, optionally with the pixel it was seen at."""

    lon: Lon | None = Field(default=None, description="Longitude, WGS84 degrees (absent if only pixels are known).")
    lat: Lat | None = Field(default=None, description="Latitude, WGS84 degrees (absent if only pixels are known).")
    x: float | None = Field(default=None, description="Pixel column in the sensor's frame.")
    y: float | None = Field(default=None, description="Pixel row in the sensor's frame.")


class Detection(_Model):
    """One sensor, one instant: something of a class at a place."""

    id: Id = Field(default_factory=new_id, description="Detection id.")
    sensor: Id = Field(description="Sensor that sensed it (unique within its site).")
    time: UtcTime = Field(description="Sensor clock time of the observation, UTC.")
    object_class: ObjectClass = Field(description="What kind of thing was sensed.")
    position: Position = Field(description="Where it was sensed.")
    confidence: float = Field(ge=0.0, le=1.0, description="Detector confidence, 0 to 1.")
    snapshot: str | None = Field(default=None, max_length=512, description="Reference to a (masked) snapshot image.")


class TrackPoint(_Model):
    """One position of a track."""

    time: UtcTime = Field(description="When the object was there, UTC.")
    position: Position = Field(description="Where it was.")


class Track(_Model):
    """An object followed over time by one or more sensors."""

    id: Id = Field(default_factory=new_id, description="Track id.")
    object_class: ObjectClass = Field(description="What kind of thing is followed.")
    points: list[TrackPoint] = Field(default_factory=list, max_length=10_000, description="Positions, oldest first.")
    sources: list[Id] = Field(default_factory=list, description="Sensors that contributed.")


class Event(_Model):
    """Something a rule or behaviour detector found in tracks."""

    id: Id = Field(default_factory=new_id, description="Event id.")
    type: EventType = Field(description="What was found.")
    time: UtcTime = Field(description="When it happened (sensor clock), UTC.")
    severity: Severity = Field(default=Severity.MEDIUM, description="How urgent it is.")
    sensor: Id | None = Field(default=None, description="Sensor that saw it, if one did.")
    zone: Id | None = Field(default=None, description="Zone or line it concerns, if any.")
    object_id: Id | None = Field(default=None, description="Track (or vessel) it concerns, if any.")
    object_class: ObjectClass | None = Field(default=None, description="Class of the object, if known.")
    position: Position | None = Field(default=None, description="Where it happened.")
    detail: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="Detector-specific figures (distance, duration, direction...)."
    )
    snapshot: str | None = Field(
        default=None, max_length=512, description="Id of the snapshot message showing it (privacy-masked)."
    )


class AlertSource(_Model):
    """A site and sensor whose events an alert gathers."""

    site: Id = Field(description="Site the event came from.")
    sensor: Id | None = Field(default=None, description="Sensor that saw it, if the event names one.")


class Alert(_Model):
    """What reaches the operator: one per object and rule within a correlation window.

    Events with a map position join the nearest open alert of their rule within the rule's
    distance and time gates, whichever site or sensor they come from; ``sources`` lists every
    (site, sensor) that contributed.  Events without a position correlate by ``key``.
    """

    id: Id = Field(default_factory=new_id, description="Alert id.")
    key: str = Field(
        max_length=256, description="Correlation key of the event that opened it: rule, site, sensor or zone, type, "
        "object."
    )
    type: EventType = Field(description="Type of the events it gathers.")
    severity: Severity = Field(description="Highest severity of its events.")
    state: AlertState = Field(default=AlertState.NEW, description="Where it is in its lifecycle.")
    opened: UtcTime = Field(description="Time of its first event, UTC.")
    updated: UtcTime = Field(description="Time of its latest event or state change, UTC.")
    event_count: int = Field(default=1, ge=1, description="How many events it gathers (each is in its history).")
    first_event: Id = Field(description="The event that opened it.")
    last_event: Id = Field(description="Its latest event.")
    site: Id | None = Field(default=None, description="Site of the event that opened it.")
    sources: list[AlertSource] = Field(
        default_factory=list, max_length=1000,
        description="Every site and sensor that contributed, in the order they first did.",
    )
    position: Position | None = Field(default=None, description="Map position of its latest positioned event.")
    seen: UtcTime | None = Field(
        default=None, description="Time of its latest event (sensor clock), UTC; the time gate counts from it."
    )


class Unit(_Model):
    """A response unit (patrol, vehicle, boat, drone) that can be dispatched."""

    id: Id = Field(description="Unit id.")
    kind: str = Field(max_length=32, description="patrol, vehicle, boat or drone.")
    status: UnitStatus = Field(default=UnitStatus.AVAILABLE, description="Where it is in its duty cycle.")
    position: Position | None = Field(default=None, description="Last known position.")


class Incident(_Model):
    """The case a team works on: alerts, units, timeline, outcome."""

    id: Id = Field(default_factory=new_id, description="Incident id.")
    opened: UtcTime = Field(description="When it was opened, UTC.")
    alerts: list[Id] = Field(default_factory=list, description="Alerts it gathers.")
    units: list[Id] = Field(default_factory=list, description="Units working on it.")
    notes: list[str] = Field(default_factory=list, description="Operator notes, oldest first.")
    outcome: str | None = Field(default=None, max_length=256, description="How it ended, once closed.")
