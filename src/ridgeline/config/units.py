"""The sector's response units, the status names its teams use, and the TAK server it talks to.

A unit (a patrol on foot, a vehicle, a boat, a drone) has a home position the console shows
until the unit reports one, and optionally a cruise speed (dispatch estimates travel time
from it) and, for a drone, an endurance.  Statuses are the base ones
(``model.UnitStatus``) plus any the sector names, each mapped to a base status the way
Resgrid's custom statuses are: ``refuelling`` may mean ``out_of_service``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ridgeline.model import UnitKind, UnitStatus

Lon = Annotated[float, Field(ge=-180.0, le=180.0, description="Longitude, WGS84 degrees.")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="Latitude, WGS84 degrees.")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitConfig(_Model):
    """One response unit the centre can send."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                    description="Unit id, unique in the sector: letters, digits, '-' and '_'.")
    name: str = Field(min_length=1, max_length=200, description="What people call it (e.g. 'Patrol 2').")
    kind: UnitKind = Field(description="foot (a patrol on foot), vehicle, boat or drone.")
    home_lon: Lon = Field(description="Longitude of its base, WGS84 degrees: where it is until it reports.")
    home_lat: Lat = Field(description="Latitude of its base, WGS84 degrees.")
    speed_kmh: float | None = Field(
        default=None, gt=0, le=400,
        description="A drone's cruise speed, km/h (its straight flight's ETA; 60 when omitted). Units on the "
        "ground are timed by their kind's terrain model (ridgeline.terrain.travel), which this does not change.",
    )
    endurance_min: float | None = Field(
        default=None, gt=0, le=24 * 60,
        description="Drone only: minutes it can stay up on a charge or a tank.",
    )
    callsign: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f<>&]+$",
        description="Its callsign on TAK (ATAK, WinTAK): the contact callsign of its CoT events, and a name "
        "its TAK device's reports are matched by; the unit's name when omitted.",
    )
    tak_uid: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[^\x00-\x20\x7f<>&\"']+$",
        description="The uid its TAK device sends its own position under (e.g. ANDROID-5f2a...): a report "
        "with this uid moves this unit.",
    )

    @model_validator(mode="after")
    def _endurance(self) -> UnitConfig:
        if self.endurance_min is not None and self.kind != UnitKind.DRONE:
            raise ValueError(f"endurance_min: only a drone has an endurance, and unit {self.id} is a "
                             f"{self.kind.value}")
        return self

    @property
    def shown_callsign(self) -> str:
        """The callsign TAK shows: the configured one, else the unit's name."""
        return self.callsign or self.name


class UnitStatusConfig(_Model):
    """A status name of the sector's own, and the base status it means."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_ -]{0,63}$",
                      description="The status as people say it: lower-case letters, digits, '_', '-' and spaces.")
    base: UnitStatus = Field(description="What it means for dispatch: available, dispatched, en_route, on_scene, "
                             "returning or out_of_service.")
    description: str = Field(default="", max_length=200, description="What it means, for the console's list.")


class TakConfig(_Model):
    """Where the centre sends Cursor-on-Target (alerts, tracks, units) and hears TAK devices' positions."""

    url: str = Field(
        description="tcp://HOST:PORT of a TAK server's plain CoT input (it relays other devices' events back on "
        "the same connection), or udp://GROUP:PORT to send to a multicast group (send only).",
    )
    stale_track_s: float = Field(default=120.0, gt=0, le=86400,
                                 description="Seconds a track's event stays current on TAK maps.")
    stale_unit_s: float = Field(default=300.0, gt=0, le=86400,
                                description="Seconds a unit's event stays current on TAK maps.")
    stale_alert_s: float = Field(default=900.0, gt=0, le=86400,
                                 description="Seconds an alert's event stays current on TAK maps.")
    reconnect_s: float = Field(default=5.0, gt=0, le=3600,
                               description="Seconds between attempts to reach the TAK server while it is away.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("tcp", "udp") or not parts.hostname:
            raise ValueError(f"expected tcp://HOST:PORT or udp://GROUP:PORT, got {value!r}")
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"{value!r}: {exc}") from exc
        if port is None:
            raise ValueError(f"{value!r}: give the port")
        return value

    @property
    def address(self) -> tuple[str, str, int]:
        """(scheme, host, port)."""
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None  # the validator saw to it
        return parts.scheme, parts.hostname, parts.port


def check_units(units: list[UnitConfig], statuses: list[UnitStatusConfig]) -> None:
    """Unit ids, TAK uids and callsigns unique; status names unique and none a base status's
    name mapped elsewhere (``ValueError`` naming the item)."""
    seen: dict[str, set[str]] = {"id": set(), "tak_uid": set(), "callsign": set()}
    for unit in units:
        for key, value in (("id", unit.id), ("tak_uid", unit.tak_uid), ("callsign", unit.shown_callsign)):
            if value is None:
                continue
            if value in seen[key]:
                raise ValueError(f"units[{unit.id}].{key}: {value!r} is used by two units")
            seen[key].add(value)
    names: set[str] = set()
    for status in statuses:
        if status.name in names:
            raise ValueError(f"unit_statuses: {status.name!r} is named twice")
        names.add(status.name)
        if status.name in {s.value for s in UnitStatus} and status.name != status.base.value:
            raise ValueError(f"unit_statuses: {status.name!r} is a base status and means itself, not "
                             f"{status.base.value}")
