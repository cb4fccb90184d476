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

    def includes(self, other: Role) -> bool:
        """Whether this role may do all that ``other`` may (it is ``other`` or ranks above it)."""
        order = list(Role)
        return order.index(self) >= order.index(other)


class IncidentState(StrEnum):
    """An incident is open while the team works it; closed, it is read-only until reopened."""

    OPEN = "open"
    CLOSED = "closed"


class IncidentOutcome(StrEnum):
    """How an incident ended, as the team records it on closing."""

    APPREHENDED = "apprehended"  # the people or vessel were stopped
    TURNED_BACK = "turned_back"  # they went back across the line
    NO_TRACE = "no_trace"  # the team found nothing on the scene
    FALSE_ALARM = "false_alarm"  # nothing was there (animal, weather, a sensor fault)
    HANDED_OVER = "handed_over"  # passed to another agency
    OTHER = "other"  # the summary says what


class UnitKind(StrEnum):
    """What a response unit is: how it moves, and how TAK draws it."""

    FOOT = "foot"  # a patrol on foot
    VEHICLE = "vehicle"
    BOAT = "boat"
    DRONE = "drone"


class UnitStatus(StrEnum):
    """A unit's base status: available -> dispatched -> en_route -> on_scene -> returning -> available.

    A sector may name statuses of its own (``refuelling``, ``at base``), each mapped to one of
    these (Resgrid's custom statuses): dispatch and the console reason on the base status,
    people read the name.  ``out_of_service`` is a unit that cannot be sent (off duty,
    broken, refuelling).
    """

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out_of_service"

    @property
    def busy(self) -> bool:
        """Whether the unit is working an assignment (dispatched, en route, on scene)."""
        return self in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)


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
    acknowledged: UtcTime | None = Field(
        default=None, description="When someone acknowledged it (has seen it and owns the reaction), UTC."
    )
    acknowledged_by: Id | None = Field(default=None, description="Who acknowledged it.")
    cleared: UtcTime | None = Field(
        default=None, description="When someone cleared it (the activity is over or needs no more attention), "
        "UTC; a cleared alert gathers no more events."
    )
    cleared_by: Id | None = Field(default=None, description="Who cleared it.")
    assignee: Id | None = Field(default=None, description="The operator it is assigned to, if any.")
    escalated: bool = Field(default=False, description="Whether it was escalated for going unacknowledged.")
    escalated_to: str | None = Field(
        default=None, max_length=64, description="Who the escalation went to: a role (supervisor) or an operator."
    )


class UnitPosition(_Model):
    """A unit's position report (HTTP, MQTT ``units`` messages, or a TAK device's CoT)."""

    unit: Id = Field(description="The unit it is about (its id in the sector file).")
    time: UtcTime = Field(description="When the unit was there (its device's clock), UTC.")
    lon: Lon
    lat: Lat
    heading_deg: float | None = Field(default=None, ge=0.0, lt=360.0,
                                      description="Course over ground, degrees clockwise from north.")
    speed_ms: float | None = Field(default=None, ge=0.0, le=200.0, description="Speed over ground, m/s.")


class Unit(_Model):
    """A response unit (patrol on foot, vehicle, boat, drone) that can be dispatched, as the centre knows it."""

    id: Id = Field(description="Unit id.")
    name: str = Field(default="", max_length=200, description="What people call it (its id when empty).")
    # text, not UnitKind: a kind a later version adds must not make this version refuse the unit
    kind: str = Field(max_length=32, description="foot, vehicle, boat or drone (the values of UnitKind).")
    status: str = Field(default=UnitStatus.AVAILABLE.value, min_length=1, max_length=64,
                        description="Its status by name (one of the sector's, which maps to a base status).")
    base: UnitStatus = Field(default=UnitStatus.AVAILABLE, description="The base status its status maps to.")
    position: Position | None = Field(default=None, description="Last known position.")
    position_time: UtcTime | None = Field(default=None, description="When it was there (the report's time), UTC.")
    source: str | None = Field(default=None, max_length=16,
                               description="What reported the position: http, mqtt, cot or cli.")
    heading_deg: float | None = Field(default=None, ge=0.0, lt=360.0, description="Last reported course, degrees.")
    speed_ms: float | None = Field(default=None, ge=0.0, le=200.0, description="Last reported speed, m/s.")
    alert: Id | None = Field(default=None, description="The alert it is sent to, while it works one.")
    incident: Id | None = Field(default=None, description="The incident it is sent to, while it works one.")
    callsign: str | None = Field(default=None, max_length=64,
                                 description="Its callsign on TAK (the unit's, never a person's name).")
    updated: UtcTime | None = Field(default=None, description="When its status or position last changed, UTC.")


class Incident(_Model):
    """The case a team works on: the alerts it gathers, who opened and closed it, its outcome."""

    id: Id = Field(default_factory=new_id, description="Incident id.")
    title: str = Field(min_length=1, max_length=200, description="What the case is, in a line.")
    state: IncidentState = Field(default=IncidentState.OPEN, description="Open, or closed (read-only).")
    opened: UtcTime = Field(description="When it was opened, UTC.")
    opened_by: Id = Field(description="Who opened it.")
    updated: UtcTime = Field(description="When it last changed, UTC.")
    closed: UtcTime | None = Field(default=None, description="When it was closed, UTC (none while open).")
    closed_by: Id | None = Field(default=None, description="Who closed it.")
    outcome: IncidentOutcome | None = Field(default=None, description="How it ended, once closed.")
    summary: str | None = Field(default=None, max_length=4000, description="What happened, in the team's words.")
    legal_hold: bool = Field(
        default=False, description="Its evidence is kept past the retention period until the hold is released."
    )
    alerts: list[Id] = Field(
        default_factory=list, description="Alerts it gathers, in the order they were added (those added together: "
        "by id)."
    )
