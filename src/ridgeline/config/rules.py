"""Rules in the sector file: which events become alerts, when, how they correlate and escalate."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

SeverityName = Literal["info", "low", "medium", "high", "critical"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(_Model):
    """A daily window in local time; it may wrap past midnight (19:00 to 07:00 is a night)."""

    start: time = Field(description="Local time the window opens, HH:MM.")
    end: time = Field(description="Local time the window closes, HH:MM (before start: the next day).")
    timezone: str = Field(default="UTC", description="IANA time zone of start and end, e.g. America/New_York.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def active(self, at: datetime) -> bool:
        """Whether the window is open at an aware instant."""
        local = at.astimezone(ZoneInfo(self.timezone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class RuleConfig(_Model):
    """Turns matching events into alerts."""

    id: str = Field(min_length=1, max_length=64, description="Rule id, unique in the sector.")
    events: list[str] = Field(
        min_length=1, description="Event types it matches (line_crossing, zone_intrusion, loitering, encounter...)."
    )
    sites: list[str] | None = Field(default=None, description="Only events from these sites (default: all).")
    sensors: list[str] | None = Field(default=None, description="Only events from these sensors (default: all).")
    zones: list[str] | None = Field(default=None, description="Only events about these zones (default: all).")
    min_severity: SeverityName = Field(default="info", description="Ignore events below this severity.")
    severity: SeverityName | None = Field(
        default=None, description="Severity of the alert (default: the event's own)."
    )
    schedule: Schedule | None = Field(default=None, description="Only while this daily window is open.")
    correlation_window_s: float = Field(
        default=300.0, gt=0, description="Time gate: an event joins an open alert whose latest event is at most "
        "this many seconds from it (by position, or by key for events without one)."
    )
    correlation_distance_m: float = Field(
        default=500.0, gt=0, le=100_000, description="Distance gate: an event with a map position joins the "
        "nearest open alert of this rule whose latest position is at most this many metres away, whichever "
        "site or sensor saw it."
    )
    escalate_after_s: float | None = Field(
        default=120.0, gt=0, description="Escalate an alert still unacknowledged after this many seconds "
        "(none: never)."
    )
    escalate_to: str = Field(
        default="supervisor", min_length=1, max_length=64, description="Who an escalation goes to: a role "
        "(supervisor, admin) or an operator's name; recorded on the alert and in its comments."
    )
    assign_to: str | None = Field(
        default=None, min_length=1, max_length=64, description="Assign each alert this rule opens to this "
        "operator (a name from `ridgeline user list`); an unknown or disabled name leaves the alert unassigned, "
        "and a system comment on it says why."
    )
