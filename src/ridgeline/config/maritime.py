"""Maritime settings of a sector: behaviour thresholds, zones that override them, ports.

The defaults are Global Fishing Watch's published event definitions (encounter: two vessels
within 500 m for 2 h at a median speed under 2 kn, 10 km from any anchorage; loitering under
2 kn, 20 nm from shore; a gap of 12 h starting 50 nm from shore).  One is ours: an encounter
must also be 1 km from shore, because GFW's years of learned anchorages cover every harbour
berth and a day of data does not (a meeting that close to land is left to the landing rule).  They suit the open sea; a
border river or a bay needs minutes and metres, so every threshold can be set again per zone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ridgeline.errors import ConfigError

Lon = Annotated[float, Field(ge=-180.0, le=180.0, description="Longitude, WGS84 degrees.")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="Latitude, WGS84 degrees.")]

NM = 1852.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Model):
    """When a behaviour counts; the sector's defaults, or one zone's (unset fields inherit)."""

    encounter_distance_m: float = Field(default=500.0, gt=0,
        description="Encounter: the two vessels stay within this distance.")
    encounter_min_duration_s: float = Field(default=2 * 3600.0, gt=0, description="Encounter: for at least this long.")
    encounter_max_speed_kn: float = Field(default=2.0, gt=0, description="Encounter: median speed of both under this.")
    anchorage_exclusion_m: float = Field(
        default=10_000.0, ge=0, description="Encounters and loitering this close to a port or anchorage are ignored."
    )
    encounter_min_shore_m: float = Field(
        default=1000.0, ge=0,
        description="Encounter: at least this far from shore (closer is berthing; a stop there is judged "
        "as a landing).",
    )
    loiter_max_speed_kn: float = Field(default=2.0, gt=0, description="Loitering: average speed under this.")
    loiter_min_duration_s: float = Field(default=2 * 3600.0, gt=0, description="Loitering: for at least this long.")
    loiter_min_shore_m: float = Field(default=20 * NM, ge=0, description="Loitering: at least this far from shore.")
    gap_min_s: float = Field(default=12 * 3600.0, gt=0, description="AIS gap: silent for at least this long.")
    gap_min_shore_m: float = Field(default=50 * NM, ge=0, description="AIS gap: starting at least this far from shore.")
    stop_max_diameter_m: float = Field(default=300.0, gt=0,
        description="Stop: stays within a rectangle of this diagonal.")
    stop_min_duration_s: float = Field(default=1800.0, gt=0, description="Stop: for at least this long.")
    landing_max_shore_m: float = Field(default=1000.0, ge=0, description="Landing: a stop this close to shore.")
    port_radius_m: float = Field(default=3000.0, ge=0,
        description="Landing: a stop this close to a port or anchorage is a port call.")
    landing_max_duration_s: float = Field(
        default=6 * 3600.0, gt=0,
        description="Landing: a stop longer than this is a berth, not a landing.  A landing is a run ashore "
        "and away; a vessel that stays at an open shore through a turn of the tide (half a semidiurnal tide, "
        "about 6 h) is moored there.",
    )
    appear_margin_m: float = Field(
        default=2000.0, ge=0, description="Appearance: first report at least this far inside a watched zone's edge."
    )
    dark_distance_m: float = Field(default=1000.0, gt=0,
        description="Dark target: no AIS vessel within this distance of the radar track.")
    dark_min_duration_s: float = Field(default=600.0, gt=0, description="Dark target: for at least this long.")


class ZoneThresholds(_Model):
    """Thresholds a zone sets again; every unset one is the sector's."""

    encounter_distance_m: float | None = Field(default=None, gt=0, description="See Thresholds.")
    encounter_min_duration_s: float | None = Field(default=None, gt=0, description="See Thresholds.")
    encounter_max_speed_kn: float | None = Field(default=None, gt=0, description="See Thresholds.")
    anchorage_exclusion_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    encounter_min_shore_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    loiter_max_speed_kn: float | None = Field(default=None, gt=0, description="See Thresholds.")
    loiter_min_duration_s: float | None = Field(default=None, gt=0, description="See Thresholds.")
    loiter_min_shore_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    gap_min_s: float | None = Field(default=None, gt=0, description="See Thresholds.")
    gap_min_shore_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    stop_max_diameter_m: float | None = Field(default=None, gt=0, description="See Thresholds.")
    stop_min_duration_s: float | None = Field(default=None, gt=0, description="See Thresholds.")
    landing_max_shore_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    port_radius_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    landing_max_duration_s: float | None = Field(default=None, gt=0, description="See Thresholds.")
    appear_margin_m: float | None = Field(default=None, ge=0, description="See Thresholds.")
    dark_distance_m: float | None = Field(default=None, gt=0, description="See Thresholds.")
    dark_min_duration_s: float | None = Field(default=None, gt=0, description="See Thresholds.")


class MaritimeZone(_Model):
    """An area of water with a purpose: watched (appearances count), restricted (entry counts)."""

    id: str = Field(min_length=1, max_length=64, description="Zone id, unique in the sector.")
    kind: Literal["watched", "restricted"] = Field(
        default="watched", description="watched: thresholds and appearances; restricted: every entry is an event."
    )
    polygon: list[tuple[Lon, Lat]] = Field(min_length=3, description="Outline as [lon, lat] vertices.")
    thresholds: ZoneThresholds = Field(default_factory=ZoneThresholds, description="Thresholds set again in this zone.")


class Port(_Model):
    """An official port or a listed anchorage: stops there are port calls, not landings."""

    id: str = Field(min_length=1, max_length=64, description="Port id.")
    name: str | None = Field(default=None, description="Human name.")
    lon: Lon
    lat: Lat
    radius_m: float | None = Field(default=None, gt=0,
        description="Its own radius; the zone's port_radius_m when unset.")


class WorldPortRadii(_Model):
    """How far a World Port Index harbour reaches from its one point, by the index's harbour size.

    The index gives each port one position, to the nearest minute of arc (up to about 0.9 km off
    north-south), and a size class.  Each radius is that rounding plus half the extent of a harbour
    of that class; the classes' extents are a convention (not tuned on any data set): about 2 km of
    breakwaters and quays for a very small harbour, 4 km small, 8 km medium, 16 km large.
    """

    very_small: float = Field(default=2000.0, gt=0, description="Metres around a 'Very Small' harbour.")
    small: float = Field(default=3000.0, gt=0, description="Metres around a 'Small' harbour (and one of no size).")
    medium: float = Field(default=5000.0, gt=0, description="Metres around a 'Medium' harbour.")
    large: float = Field(default=9000.0, gt=0, description="Metres around a 'Large' harbour.")

    def for_size(self, size: str) -> float:
        """The radius for a harbour size as the index writes it ('Very Small', 'Small', 'Medium', 'Large', '')."""
        key = size.strip().lower().replace(" ", "_")
        return float(getattr(self, key)) if key in type(self).model_fields else self.small


class MaritimeConfig(_Model):
    """Everything the vessel detectors need beyond the reports themselves."""

    thresholds: Thresholds = Field(default_factory=Thresholds,
        description="Default thresholds (Global Fishing Watch's).")
    zones: list[MaritimeZone] = Field(default_factory=list,
        description="Watched and restricted zones; the first match wins.")
    ports: list[Port] = Field(default_factory=list, description="Official ports and listed anchorages.")
    learn_anchorages: bool = Field(
        default=True, description="Also treat places where several vessels stop as anchorages."
    )
    anchorage_min_vessels: int = Field(
        default=4, ge=1, description="Distinct vessels that must stop at a place before it counts as an anchorage."
    )
    anchorage_cell_m: float = Field(default=1000.0, gt=0, description="Grid size for learning anchorages, metres.")
    berth_min_occasions: int = Field(
        default=2, ge=2,
        description="Also treat as a berth a place where stops recur: this many stops there that do not overlap "
        "in time, by any vessels, the same one included (a vessel that comes back to a spot keeps a berth or a "
        "mooring there; two boats landing together are one occasion).",
    )
    world_ports: bool = Field(
        default=True,
        description="Also treat the built-in World Port Index harbours (NGA Pub. 150, about 3,800) as ports; "
        "the sector's own ports are added on top.",
    )
    world_port_radius_m: WorldPortRadii = Field(
        default_factory=WorldPortRadii, description="How far each world port reaches, by its harbour size."
    )
    coastline: str | None = Field(
        default=None, description="GeoJSON of land polygons (relative to the sector file); the sector's DEM when unset."
    )
    landing_ignore_types: list[str] = Field(
        default=[
            "cargo", "tanker", "carrier", "container", "passenger", "ferry", "ro-ro", "tug", "towing", "pilot",
            "dredg", "port tender", "law enforcement", "search and rescue", "sar", "military", "anti pollution",
            "anti-pollution", "medical",
        ],
        description="Words of ship types (AIS static data, any case, '_' as space) whose stops are never "
        "landings: ships that only berth in ports ('bulk carrier', 'oil products tanker'), and the ports' own "
        "service craft.",
    )
    max_speed_kn: float = Field(default=50.0, gt=0,
        description="Faster implied speeds between reports are position jumps.")
    warmup_s: float = Field(
        default=3600.0, ge=0, description="Vessels first heard this soon after the feed starts have not 'appeared'."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> MaritimeConfig:
        ids = [z.id for z in self.zones]
        for zid in ids:
            if ids.count(zid) > 1:
                raise ValueError(f"zone id {zid!r} is used twice")
        return self

    def zone_thresholds(self) -> list[Thresholds]:
        """Thresholds in force: index 0 outside every zone, 1 + k inside zone k."""
        base = self.thresholds
        out = [base]
        for zone in self.zones:
            override = {k: v for k, v in zone.thresholds.model_dump().items() if v is not None}
            out.append(base.model_copy(update=override))
        return out


def read_ports(path: Path) -> list[Port]:
    """Ports from a GeoJSON file of points (properties: id or name, optional radius_m)."""
    try:
        doc = json.loads(path.read_text())
        ports = []
        for k, feature in enumerate(doc["features"]):
            lon, lat = feature["geometry"]["coordinates"][:2]
            props = feature.get("properties") or {}
            name = props.get("name")
            ports.append(Port(id=str(props.get("id") or name or f"port{k + 1}"), name=name, lon=lon, lat=lat,
                              radius_m=props.get("radius_m")))
    except FileNotFoundError:
        raise ConfigError(f"{path}: ports file not found") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(f"{path}: expected a GeoJSON FeatureCollection of points ({exc})") from exc
    return ports
