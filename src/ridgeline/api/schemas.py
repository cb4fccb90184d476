"""The API's request and response bodies (their JSON schemas are the OpenAPI document's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ridgeline.model import Alert, Incident, IncidentOutcome, Role, Unit, UnitPosition, UnitStatus


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """No NUL character anywhere: no text column of PostgreSQL can hold one."""
        if _has_nul(data):
            raise ValueError("a NUL character (\\u0000) in a text field")
        return data


class Problem(_Body):
    """Why a request was refused."""

    detail: str = Field(description="What is wrong, naming the field, id or rule at fault.")


class Credentials(_Body):
    """A login."""

    # no control characters: PostgreSQL refuses NUL in text, and the failure count is kept by name
    username: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
                          description="The operator's name.")
    password: str = Field(min_length=1, max_length=1024, description="The operator's password.")


class SessionInfo(_Body):
    """Who is logged in, as what, until when."""

    operator: str = Field(description="The operator's name.")
    role: Role = Field(description="What the operator may do.")
    expires: datetime | None = Field(description="When the session or token ends (none: when revoked).")


class OperatorInfo(_Body):
    """An operator's account (never its password or hash)."""

    name: str = Field(description="The operator's name.")
    role: Role = Field(description="What the operator may do.")
    disabled: bool = Field(description="Whether the account is disabled (kept: the audit trail names it).")
    created: datetime = Field(description="When the account was added, UTC.")
    updated: datetime = Field(description="When it last changed, UTC.")


class NewOperator(_Body):
    """An account to add."""

    name: str = Field(min_length=1, max_length=64, description="Lower-case letters, digits, '.', '_', '-'.")
    role: Role = Field(description="What the operator may do.")
    password: str = Field(min_length=1, max_length=1024, description="At least 12 characters; kept as an "
                          "Argon2id hash only.")


class OperatorChange(_Body):
    """A change to an account: any of role, password, disabled."""

    role: Role | None = Field(default=None, description="A new role.")
    password: str | None = Field(default=None, min_length=1, max_length=1024, description="A new password.")
    disabled: bool | None = Field(default=None, description="True disables the account (it cannot be enabled "
                                  "again: add a new one).")


class TokenRequest(_Body):
    """A bearer token to issue for a machine client."""

    label: str = Field(min_length=1, max_length=64, description="What uses the token (kept in the audit trail).")
    days: float | None = Field(default=None, gt=0, le=3650, description="Days until it expires (none: until "
                               "revoked or the account is disabled).")


class IssuedToken(_Body):
    """A token, shown this once."""

    token: str = Field(description="Send as 'Authorization: Bearer TOKEN'; the centre keeps only its hash.")


class AuditEntryInfo(_Body):
    """One entry of the audit trail."""

    seq: int = Field(description="Its place in the chain, from 1.")
    time: datetime = Field(description="When, UTC.")
    actor: str = Field(description="Who: an operator's name, or rules/system.")
    action: str = Field(description="What was done, e.g. alert.acknowledged.")
    target: str | None = Field(description="What it was done to (an alert, incident or operator id).")
    detail: dict[str, Any] = Field(description="What else the action recorded.")
    prev_hash: str = Field(description="The previous entry's hash.")
    hash: str = Field(description="SHA-256 over this entry's canonical encoding and the previous hash.")


class AuditVerdict(_Body):
    """What walking the chain found."""

    intact: bool = Field(description="Whether every entry is still where it was, as it was.")
    entries: int = Field(description="How many entries were checked.")
    head_seq: int = Field(description="The head's seq.")
    head_hash: str = Field(description="The head's hash (keep it elsewhere to catch a rewrite of the whole trail).")
    problem: str | None = Field(description="The first entry changed, removed or reordered, if any.")


class SiteInfo(_Body):
    """A site as the centre last heard of it."""

    site: str = Field(description="Site id.")
    online: bool = Field(description="Whether its last status said it is online (its last will says offline).")
    seen: datetime = Field(description="When the centre last heard its status, UTC.")
    backlog: int = Field(description="Messages waiting in its outbox at its last status.")
    last_seq: int = Field(description="The highest seq it had handed out at its last status.")


class ReportedInfo(_Body):
    """An event or a track as a site reported it."""

    site: str = Field(description="Site that reported it.")
    seq: int = Field(description="Its message's seq at that site.")
    time: datetime = Field(description="Sensor clock time of the message, UTC.")
    received: datetime = Field(description="When the centre stored it, UTC.")
    data: dict[str, Any] = Field(description="The event or track as the site sent it.")


class EvidenceInfo(_Body):
    """An evidence image of an event (privacy-masked at the edge)."""

    site: str = Field(description="Site that took it.")
    id: str = Field(description="Snapshot id.")
    event: str = Field(description="Event it shows.")
    sensor: str = Field(description="Camera that took it.")
    time: datetime = Field(description="When the frame was taken (sensor clock), UTC.")
    media_type: str = Field(description="Its media type (image/jpeg).")
    width: int = Field(description="Width in pixels.")
    height: int = Field(description="Height in pixels.")
    url: str = Field(description="Where to fetch the image.")


class Note(_Body):
    """An optional note kept with a change."""

    note: str = Field(default="", max_length=4000, description="Why, in a few words (kept in the history).")


class Assignment(_Body):
    """Whom an alert is assigned to."""

    assignee: str | None = Field(max_length=64, description="An enabled operator's name, or null to unassign.")


class Escalation(_Body):
    """Whom an alert is passed up to, by hand."""

    to: str = Field(default="supervisor", min_length=1, max_length=64,
                    description="`supervisor` (whoever holds that role) or an enabled supervisor's or admin's name.")
    note: str = Field(default="", max_length=4000, description="Why, in a few words (kept in the history).")


class Resolution(_Body):
    """A supervisor's verdict on an alert."""

    false_alarm: bool = Field(description="True: nothing was there; false: a true alert.")
    note: str = Field(default="", max_length=4000, description="Why, in a few words.")


class CommentText(_Body):
    """What a person writes on an alert or an incident."""

    text: str = Field(min_length=1, max_length=4000, description="The comment (1 to 4000 characters).")


class CommentInfo(_Body):
    """A comment: by a person, or by the system on a change."""

    time: datetime = Field(description="When, UTC.")
    author: str = Field(description="Who wrote it, or who made the change a system comment records.")
    system: bool = Field(description="Whether the system wrote it on a change.")
    text: str = Field(description="The comment.")


class HistoryInfo(_Body):
    """One change of an alert."""

    time: datetime = Field(description="When, UTC.")
    action: str = Field(description="opened, updated (an event joined), acknowledged, cleared, assigned...")
    actor: str = Field(description="Who: an operator, or rules.")
    detail: dict[str, Any] = Field(description="What the change recorded.")


class AlertDetailInfo(_Body):
    """An alert with its history, comments and incidents."""

    alert: Alert = Field(description="The alert.")
    rule: str = Field(description="The rule that opened it.")
    history: list[HistoryInfo] = Field(description="Every change, oldest first.")
    comments: list[CommentInfo] = Field(description="Comments, oldest first.")
    incidents: list[str] = Field(description="Incidents it is in.")


class PathInfo(_Body):
    """Where one object behind an alert went."""

    site: str = Field(description="Site whose track it is.")
    object_id: str = Field(description="The track's id at that site.")
    object_class: str | None = Field(description="What kind of object, as the site classed it.")
    line: dict[str, Any] = Field(description="A GeoJSON LineString (or Point, for one position) in WGS84 [lon, lat].")
    times: list[datetime] = Field(description="When the object was at each position, UTC, oldest first.")


class NewIncident(_Body):
    """An incident to open from alerts."""

    alerts: list[str] = Field(min_length=1, max_length=100, description="Ids of the alerts it starts from.")
    title: str = Field(min_length=1, max_length=200, description="What the case is, in a line.")


class MoreAlerts(_Body):
    """Alerts to add to an incident."""

    alerts: list[str] = Field(min_length=1, max_length=100, description="Ids of the alerts to add.")


class Closing(_Body):
    """How an incident ended."""

    outcome: IncidentOutcome = Field(description="How it ended.")
    summary: str | None = Field(default=None, max_length=4000, description="What happened, in the team's words.")


class Reopening(_Body):
    """Why a closed incident is reopened."""

    reason: str = Field(default="", max_length=4000, description="Why (kept in the system comment).")


class Hold(_Body):
    """A legal hold set or released."""

    on: bool = Field(description="True keeps the incident's evidence past its retention; false releases it.")


class TimelineInfo(_Body):
    """One entry of an incident's timeline."""

    time: datetime = Field(description="When, UTC.")
    kind: str = Field(description="What it is: incident, alert_added, event, alert_change, comment, evidence...")
    actor: str = Field(description="Who or what: an operator, rules, or a site/sensor.")
    text: str = Field(description="What happened, in words.")
    alert_id: str | None = Field(description="The alert it concerns, if one.")
    event_id: str | None = Field(description="The event it concerns, if one.")
    snapshot: str | None = Field(description="The evidence image (site/id), if one.")


class IncidentDetailInfo(_Body):
    """An incident with its timeline."""

    incident: Incident = Field(description="The incident.")
    timeline: list[TimelineInfo] = Field(description="Everything that happened, by time.")


class PurgeRequest(_Body):
    """A purge of expired evidence and messages, now."""

    dry_run: bool = Field(default=False, description="Only count what would go.")


class PurgeInfo(_Body):
    """What a purge removed (or would) and held back."""

    messages: dict[str, int] = Field(description="Messages removed per type.")
    snapshots: int = Field(description="Evidence images removed.")
    held: dict[str, dict[str, int]] = Field(description="Expired rows kept, per reason and kind.")
    dry_run: bool = Field(description="Whether nothing was removed, only counted.")
    complete: bool = Field(description="Whether every expired row was reached.")
    unit_positions: int = Field(description="Units' position reports removed (their trail).")


class SensorLayout(_Body):
    """A sensor on a mast, as the map draws it."""

    id: str = Field(description="Sensor id, unique within its site.")
    kind: str = Field(description="camera, thermal, ptz, radar or ais.")
    azimuth_deg: float | None = Field(description="Where it looks, degrees clockwise from north (none: all round or "
                                      "it pans).")
    fov_deg: float = Field(description="Horizontal field of view, degrees (360: all round).")
    day_range_m: float = Field(description="Range by day, metres.")
    night_range_m: float = Field(description="Range by night, metres.")


class SiteLayout(_Body):
    """A site of the sector: where its mast stands and what it carries."""

    id: str = Field(description="Site id.")
    lon: float = Field(description="Longitude, WGS84 degrees.")
    lat: float = Field(description="Latitude, WGS84 degrees.")
    mast_height_m: float = Field(description="Mast height above the ground, metres.")
    sensors: list[SensorLayout] = Field(description="Its sensors.")


class SectorInfo(_Body):
    """The sector's static layers for the console's map."""

    name: str = Field(description="Human name of the sector.")
    line: dict[str, Any] = Field(description="The watched line: a GeoJSON LineString in WGS84 [lon, lat].")
    corridor_width_m: float = Field(description="Full width of the corridor watched around the line, metres.")
    zones: dict[str, Any] = Field(description="Watched and restricted zones: a GeoJSON FeatureCollection of "
                                  "Polygons, each with its id and kind.")
    sites: list[SiteLayout] = Field(description="Every site of the sector file (heard from or not).")


class UnitInfo(Unit):
    """A unit as the API shows it: the unit, and how old its position is."""

    position_age_s: float | None = Field(
        description="Seconds since its last position report (null: it never reported; the position is its home).")


class UnitLogInfo(_Body):
    """One line of a unit's dispatch log."""

    time: datetime = Field(description="When, UTC.")
    action: str = Field(description="dispatched, en_route, on_scene, returning, cleared, or status (any other).")
    status: str = Field(description="The status it took, by name.")
    base: UnitStatus = Field(description="The base status that name maps to.")
    alert_id: str | None = Field(description="The alert it concerned, if one.")
    incident_id: str | None = Field(description="The incident it concerned, if one.")
    actor: str = Field(description="Who made the change.")
    note: str | None = Field(description="The note given with it.")


class UnitDetailInfo(_Body):
    """A unit with its latest position reports and its dispatch log."""

    unit: UnitInfo = Field(description="The unit.")
    trail: list[UnitPosition] = Field(description="Its latest position reports, oldest first.")
    log: list[UnitLogInfo] = Field(description="Its status changes and dispatches, oldest first.")


class StatusInfo(_Body):
    """A status name a unit may take."""

    name: str = Field(description="The status, as people say it.")
    base: UnitStatus = Field(description="The base status it means.")


class StatusChange(_Body):
    """A unit's new status."""

    status: str = Field(min_length=1, max_length=64, description="A status name (GET /api/v1/unit-statuses).")
    note: str = Field(default="", max_length=4000, description="Why, in a few words (kept in the unit's log).")


class DispatchOrder(_Body):
    """Where a unit is sent: an alert, an incident, or both."""

    alert: str | None = Field(default=None, min_length=1, max_length=64, description="The alert it goes to.")
    incident: str | None = Field(default=None, min_length=1, max_length=64, description="The incident it works.")
    note: str = Field(default="", max_length=4000, description="Orders, in a few words (kept in the unit's log).")


class PositionReport(_Body):
    """Where a unit is (a machine client posts these with a bearer token)."""

    lon: float = Field(ge=-180.0, le=180.0, description="Longitude, WGS84 degrees.")
    lat: float = Field(ge=-90.0, le=90.0, description="Latitude, WGS84 degrees.")
    time: datetime = Field(description="When it was there, ISO 8601 with a zone (e.g. 2026-11-25T13:00:00Z).")
    heading_deg: float | None = Field(default=None, ge=0.0, lt=360.0, description="Course, degrees from north.")
    speed_ms: float | None = Field(default=None, ge=0.0, le=200.0, description="Speed over ground, m/s.")

    @model_validator(mode="after")
    def _zoned(self) -> PositionReport:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError("time: give a time zone (e.g. Z)")
        try:
            self.time.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("time: out of range") from exc
        return self


class DroneViewInfo(_Body):
    """Where a drone should hover to see the alert (the viewshed engine's answer)."""

    planned: list[float] = Field(description="The planned hover point [lon, lat]: the standoff from the alert "
                                 "towards the drone, at its planned height above the ground.")
    visible: bool = Field(description="Whether the alert is in sight from the planned hover point.")
    hover: list[float] | None = Field(description="Where to hover [lon, lat]: the planned point if it sees, else "
                                      "the nearest point that does (null: none within the search radius).")
    moved_m: float | None = Field(description="How far that is from the planned point, metres.")


class UnitEtaInfo(_Body):
    """One unit's time to an alert."""

    unit: UnitInfo = Field(description="The unit.")
    mode: str | None = Field(description="How it travels: foot, vehicle, boat or drone (null: a kind not known).")
    minutes: float | None = Field(description="Its travel time to the alert over the terrain (null: it cannot get "
                                  "there; reason says why).")
    straight_m: float | None = Field(description="Its straight-line distance to the alert, metres.")
    reason: str | None = Field(description="Why it cannot get there, when it cannot.")
    recommended: bool = Field(description="Whether it is the one to send: the fastest available unit.")
    drone: DroneViewInfo | None = Field(default=None, description="A drone's hover point (null for other units).")


class AlertEtasInfo(_Body):
    """Every unit's ETA to one alert, fastest first."""

    alert_id: str = Field(description="The alert.")
    etas: list[UnitEtaInfo] = Field(description="Every unit, fastest first; those that cannot get there last.")
    recommended: str | None = Field(description="The unit to send (null: no available unit can get there).")
    reason: str | None = Field(description="Why there is no ETA at all (the alert has no map position).")


class PlannedAssignment(_Body):
    """One unit for one alert in a dispatch plan."""

    alert: str = Field(description="The alert.")
    unit: str = Field(description="The unit to send to it.")
    minutes: float = Field(description="Its ETA, minutes.")


class DispatchPlanInfo(_Body):
    """Several alerts shared out among the available units, least total time first."""

    assignments: list[PlannedAssignment] = Field(description="Which unit goes where.")
    unassigned: list[str] = Field(description="Alerts no available unit can reach (or with no map position).")
    total_minutes: float = Field(description="The sum of the chosen ETAs, minutes.")
