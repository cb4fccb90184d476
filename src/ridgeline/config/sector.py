"""The sector file: one YAML file that describes a deployment.

A sector names its terrain (DEM tiles), the watched line and its corridor, the sites and
their sensors, the cell towers that carry their traffic, and where new masts may go.
Every model forbids unknown fields and describes each field, so a typo is an error that
names the file and the field instead of a silently ignored setting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ridgeline.config.maritime import MaritimeConfig
from ridgeline.config.rules import RuleConfig
from ridgeline.config.sensors import (
    CameraProfile,
    LineConfig,
    Polygon,
    ZoneConfig,
    check_sensor,
    check_source,
)
from ridgeline.config.units import TakConfig, UnitConfig, UnitStatusConfig, check_units
from ridgeline.errors import ConfigError, DataFileNotFoundError
from ridgeline.model import ObjectClass

Lon = Annotated[float, Field(ge=-180.0, le=180.0, description="Longitude, WGS84 degrees.")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="Latitude, WGS84 degrees.")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TerrainConfig(_Model):
    """Which DEM tiles make the sector's terrain and the grid they are put on."""

    dem: list[str] = Field(
        min_length=1,
        description="DEM files (SRTM .hgt or GeoTIFF), relative to the sector file; "
        "several tiles are mosaicked.",
    )
    resolution_m: float = Field(
        default=90.0, gt=0, le=1000, description="Cell size of the metric working grid, metres."
    )
    crs: str | None = Field(
        default=None,
        description="Working CRS (e.g. 'EPSG:32619'); the UTM zone of the sector when omitted.",
    )
    margin_m: float = Field(
        default=15000.0,
        ge=0,
        description="Terrain kept around the watched line and the sites, metres.",
    )
    attribution: str | None = Field(
        default=None,
        max_length=500,
        description="Credit for the DEM, shown on the console's map under the terrain tiles; SRTM's when every "
        "DEM file is an SRTM .hgt tile, else the files' names, when omitted.",
    )


class WatchedLine(_Model):
    """The line the operators watch: a border, a river bank, a coastline."""

    file: str | None = Field(
        default=None, description="GeoJSON file with one LineString (relative to the sector file)."
    )
    coordinates: list[tuple[Lon, Lat]] | None = Field(
        default=None, description="Inline [lon, lat] vertices, used when no file is given."
    )
    corridor_width_m: float = Field(
        default=2000.0, gt=0, description="Full width of the corridor watched around the line."
    )

    @model_validator(mode="after")
    def _one_source(self) -> WatchedLine:
        if (self.file is None) == (self.coordinates is None):
            raise ValueError("give exactly one of 'file' or 'coordinates'")
        if self.coordinates is not None and len(self.coordinates) < 2:
            raise ValueError("a line needs at least two vertices")
        return self


SensorKind = Literal["camera", "thermal", "ptz", "radar", "ais"]
#: Sensors that look one fixed way (unless their field of view is all round).
FIXED_KINDS = ("camera", "thermal")


class SensorConfig(_Model):
    """One sensor on a mast: what it looks at and how far it sees by day and night."""

    id: str = Field(min_length=1, description="Sensor id, unique within its site.")
    kind: SensorKind = Field(description="camera, thermal, ptz (pan-tilt-zoom) or radar.")
    azimuth_deg: float | None = Field(
        default=None,
        ge=0,
        lt=360,
        description="Centre of view, degrees clockwise from north: required on a site's camera or thermal "
        "camera unless its fov_deg is 360; a ptz pans and a radar sweeps, so they need none.",
    )
    fov_deg: float = Field(
        default=60.0, gt=0, le=360, description="Horizontal field of view, degrees."
    )
    day_range_m: float = Field(gt=0, description="Range at which a person is detected by day.")
    night_range_m: float = Field(
        ge=0, description="Range at night (0 for a day-only camera)."
    )
    pan_min_deg: float | None = Field(
        default=None, ge=0, lt=360, description="PTZ: pan limit, clockwise start (degrees)."
    )
    pan_max_deg: float | None = Field(
        default=None, ge=0, lt=360, description="PTZ: pan limit, clockwise end (degrees)."
    )
    target_height_m: float = Field(
        default=1.7, ge=0, description="Height of the target above ground (a standing person)."
    )
    source: str | None = Field(
        default=None,
        description="What runs the sensor at the edge: a file (relative to the sector file), an rtsp:// or "
        "http:// video stream, a tcp:// or udp:// AIS feed, or 'simulate'; a radar's plot file (JSON lines) is "
        "judged with the site's AIS file, for dark targets; not run when omitted.",
    )
    lines: list[LineConfig] = Field(default_factory=list, description="Camera: tripwires in the picture.")
    zones: list[ZoneConfig] = Field(default_factory=list, description="Camera: watched areas in the picture.")
    masks: list[Polygon] = Field(
        default_factory=list,
        description="Camera: privacy masks, pixel polygons never analysed and black in every image kept or sent.",
    )
    profile: CameraProfile = Field(
        default="default",
        description="Camera: motion and tracking settings, default (day/night cameras) or thermal (people on foot).",
    )
    classes: list[ObjectClass] = Field(
        default_factory=list,
        description="Camera: lines and zones apply to these classes only (with a model); every class when empty.",
    )
    min_speed: float = Field(
        default=0.0, ge=0, description="Camera: tracks slower than this (pixels/s) cross no line and enter no zone."
    )
    min_height: float = Field(default=0.0, ge=0, description="Camera: objects smaller than this (pixels) are ignored.")
    model: str | None = Field(
        default=None,
        description="Camera: ONNX detector you supply (relative to the sector file); motion detection when omitted.",
    )
    detect_fps: float = Field(default=15.0, gt=0, le=120, description="Camera: frames per second analysed.")
    tilt_deg: float | None = Field(
        default=None, ge=-90, le=45,
        description="Camera: tilt of the centre of view, degrees (negative looking down); with azimuth_deg it puts "
        "the camera's events on the map, where the ray through the object's foot meets the DEM.",
    )

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else check_source(value)

    @model_validator(mode="after")
    def _runs(self) -> SensorConfig:
        fields = type(self).model_fields
        changed = {f for f in self.model_fields_set
                   if getattr(self, f) != fields[f].get_default(call_default_factory=True)}
        check_sensor(self, changed)
        return self

    @model_validator(mode="after")
    def _pan(self) -> SensorConfig:
        if (self.pan_min_deg is None) != (self.pan_max_deg is None):
            raise ValueError("give both pan_min_deg and pan_max_deg, or neither")
        return self

    @property
    def watches_ground(self) -> bool:
        """Whether it senses people and vehicles on the ground (an AIS receiver only hears vessels'
        reports: it has no footprint and leaves no blind spot covered)."""
        return self.kind != "ais"

    @property
    def needs_azimuth(self) -> bool:
        """Whether this sensor looks one fixed way: a camera or thermal camera narrower than all round."""
        return self.kind in FIXED_KINDS and self.fov_deg < 360.0


class SiteConfig(_Model):
    """A mast (or a boat, or a building) carrying sensors."""

    id: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Site id, unique in the sector: letters, digits, '-' and '_' (it names the site's MQTT topics "
        "and its broker user).",
    )
    lon: Lon
    lat: Lat
    mast_height_m: float = Field(
        default=10.0, ge=0, le=300, description="Sensor height above ground, metres."
    )
    sensors: list[SensorConfig] = Field(
        default_factory=list, description="Sensors on this mast."
    )

    @model_validator(mode="after")
    def _sensors(self) -> SiteConfig:
        # here, not on SensorConfig: a candidate mast's camera is turned to face the line by
        # the siting, so only a site's own fixed cameras must say where they point
        seen: set[str] = set()
        for sensor in self.sensors:
            if sensor.id in seen:
                raise ValueError(f"sensors[{sensor.id}]: sensor id {sensor.id!r} is used twice on this site")
            seen.add(sensor.id)
            if sensor.needs_azimuth and sensor.azimuth_deg is None:
                raise ValueError(
                    f"sensors[{sensor.id}].azimuth_deg: required for a "
                    f"{'thermal camera' if sensor.kind == 'thermal' else sensor.kind} that looks one way "
                    f"(fov_deg {sensor.fov_deg:g}, under 360): the centre of its view, degrees clockwise "
                    "from north"
                )
        return self


class CellTower(_Model):
    """A cellular base station the sites' traffic goes through."""

    id: str = Field(min_length=1, description="Tower id.")
    lon: Lon
    lat: Lat
    height_m: float = Field(default=30.0, gt=0, le=500, description="Antenna height, metres.")
    frequency_mhz: float = Field(
        default=700.0, ge=20, le=20000, description="Carrier frequency, MHz (ITM: 20-20000)."
    )
    power_dbm: float = Field(default=46.0, description="Transmit power (EIRP), dBm.")


class RadioConfig(_Model):
    """The site end of every radio link."""

    site_antenna_height_m: float | None = Field(
        default=None, gt=0, description="Site antenna height; the mast height when omitted."
    )
    receiver_sensitivity_dbm: float = Field(
        default=-100.0, description="Weakest signal the site modem can use, dBm."
    )
    required_margin_db: float = Field(
        default=10.0, ge=0, description="Fade margin a usable link must keep, dB."
    )


class CandidateConfig(_Model):
    """Where new masts may go and what they would carry."""

    spacing_m: float = Field(
        default=1000.0, gt=0, description="Spacing of the candidate grid, metres."
    )
    within_m: float = Field(
        default=3000.0, gt=0, description="Candidates lie within this distance of the line."
    )
    mast_height_m: float = Field(default=15.0, ge=0, description="Mast height of a new site.")
    sensor: SensorConfig = Field(description="The sensor each new mast would carry.")


class RetentionConfig(_Model):
    """How long the centre keeps what the sites sent; the centre purges the rest hourly.

    Evidence (event images) and the messages of the sites (detections, tracks, events, logs)
    expire by when the centre received them (its own clock, not a sensor's).  Evidence and
    events of an incident under legal hold, or of one still open, are kept past both.
    Alerts, incidents, comments and the audit trail (which records every purge) are kept.
    """

    snapshots_days: float = Field(
        default=30.0, gt=0,
        description="Evidence retention: days an event's (privacy-masked) snapshot image is kept after the "
        "centre received it, then removed unless its incident is under legal hold or still open. "
        "At most events_days: an image outliving its event would show nothing anyone can place.",
    )
    events_days: float = Field(
        default=365.0, gt=0,
        description="Days the messages the sites sent (detections, tracks, events, logs, the records of "
        "snapshots) are kept after the centre received them, then removed unless an event belongs to an "
        "incident under legal hold or still open; the sequence check counts removed ones as purged, "
        "not missing. Units' position reports (their trail) go after as long; a unit's current position stays.",
    )
    dead_letters_days: float = Field(
        default=30.0, gt=0, description="Days a refused message is kept as a dead letter for inspection or replay."
    )

    @model_validator(mode="after")
    def _evidence_within_events(self) -> RetentionConfig:
        if self.snapshots_days > self.events_days:
            raise ValueError(f"snapshots_days ({self.snapshots_days:g}) must not exceed events_days "
                             f"({self.events_days:g}): evidence would outlive the events it shows")
        return self


class Sector(_Model):
    """A deployment: terrain, watched line, sites, towers and siting rules."""

    name: str = Field(min_length=1, description="Human name of the sector.")
    terrain: TerrainConfig = Field(description="DEM tiles and working grid.")
    line: WatchedLine = Field(description="The watched line and its corridor.")
    sites: list[SiteConfig] = Field(default_factory=list, description="Existing sites.")
    cell_towers: list[CellTower] = Field(
        default_factory=list, description="Cell towers that carry the sites' traffic."
    )
    radio: RadioConfig = Field(default_factory=RadioConfig, description="Link budget settings.")
    candidates: CandidateConfig | None = Field(
        default=None, description="Where new masts may go (needed by 'ridgeline site')."
    )
    rules: list[RuleConfig] = Field(default_factory=list, description="Which events become alerts.")
    maritime: MaritimeConfig = Field(
        default_factory=MaritimeConfig, description="Vessel behaviour thresholds, zones and ports."
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig,
        description="How long the centre keeps evidence, the sites' messages and dead letters.",
    )
    basemap: str | None = Field(
        default=None,
        description="The operators' own offline base map, drawn on the console under everything else: a PMTiles "
        "v3 file (raster PNG, JPEG or WebP tiles, or vector tiles) relative to the sector file, served by the "
        "centre as it is stored. None: the console shows the terrain's hillshade alone.",
    )
    units: list[UnitConfig] = Field(
        default_factory=list, description="Response units the centre can send: patrols, vehicles, boats, drones."
    )
    unit_statuses: list[UnitStatusConfig] = Field(
        default_factory=list,
        description="Status names of the sector's own, each mapped to a base status (the base statuses "
        "available, dispatched, en_route, on_scene, returning and out_of_service are always there).",
    )
    roads: str | None = Field(
        default=None,
        description="Tracks and roads (a GeoJSON of LineStrings in lon/lat, relative to the sector file) the "
        "units' ETAs follow: on foot at Tobler's on-path speed, vehicles at road speed. None: cross-country.",
    )
    water: str | None = Field(
        default=None,
        description="Water a boat may cross (a GeoJSON of Polygons in lon/lat, relative to the sector file), "
        "besides DEM cells at or below sea level.",
    )
    tak: TakConfig | None = Field(
        default=None, description="A TAK server (or multicast group) to share alerts, tracks and units with as "
        "Cursor-on-Target; none when omitted.",
    )
    base_dir: Path = Field(
        default=Path("."), exclude=True, description="Folder the relative paths start from."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Sector:
        seen: set[str] = set()
        for site in self.sites:
            if site.id in seen:
                raise ValueError(f"sites[{site.id}]: site id {site.id!r} is used twice")
            seen.add(site.id)
        rule_ids = [r.id for r in self.rules]
        for rid in rule_ids:
            if rule_ids.count(rid) > 1:
                raise ValueError(f"rules[{rid}]: rule id {rid!r} is used twice")
        check_units(self.units, self.unit_statuses)
        return self

    def path(self, relative: str) -> Path:
        """A path named in the sector file, resolved against the file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.base_dir / p

    def line_lonlat(self) -> list[tuple[float, float]]:
        """The watched line's vertices as (lon, lat)."""
        if self.line.coordinates is not None:
            return [(float(a), float(b)) for a, b in self.line.coordinates]
        assert self.line.file is not None
        return read_line_geojson(self.path(self.line.file))


def read_line_geojson(path: Path) -> list[tuple[float, float]]:
    """The vertices of the one LineString in a GeoJSON file (Feature, collection or geometry)."""
    if not path.exists():
        raise DataFileNotFoundError(f"{path}: watched-line file not found")
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid GeoJSON ({exc})") from exc
    geom = doc
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
        if len(feats) != 1:
            raise ConfigError(f"{path}: expected one feature, found {len(feats)}")
        geom = feats[0].get("geometry")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        geom = doc.get("geometry")
    if not isinstance(geom, dict) or geom.get("type") != "LineString":
        raise ConfigError(f"{path}: expected a LineString geometry")
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or not all(
        isinstance(c, list) and len(c) in (2, 3)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in c)
        for c in coords
    ):
        raise ConfigError(f"{path}: LineString coordinates must be [lon, lat] number pairs")
    try:
        pts = [(float(c[0]), float(c[1])) for c in coords]
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise ConfigError(f"{path}: LineString coordinates must be [lon, lat] pairs") from exc
    if len(pts) < 2:
        raise ConfigError(f"{path}: a LineString needs at least two vertices")
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in pts):
        raise ConfigError(f"{path}: LineString coordinates must be lon/lat in degrees")
    return pts


def _format_validation(path: Path, exc: ValidationError, raw: object) -> str:
    """One line per error, each naming the file and the field, list items by their id."""
    lines = []
    for err in exc.errors():
        loc = _where(err["loc"], raw)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        inner = _INNER_PLACE.match(msg)  # a check on a site that names one of its sensors
        if inner:
            loc, msg = (inner[1] if loc == "(top level)" else f"{loc}.{inner[1]}"), inner[2]
        lines.append(f"{path}: {loc}: {msg}")
    return "; ".join(lines)


_INNER_PLACE = re.compile(r"([a-z_]+\[[^\]\s]+\][\w.]*): (.*)", re.DOTALL)


def _where(loc: tuple[int | str, ...], raw: object) -> str:
    """A field's place in the file: ``sites[shelburne].sensors[ir].fov_deg``.

    Items of a list are named by their ``id`` where the file gives them one (sites,
    sensors, cell towers, rules, units, maritime zones and ports), by their index otherwise.
    """
    text = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            label = ident if isinstance(ident, str | int) and not isinstance(ident, bool) and ident != "" else part
            text += f"[{label}]"
            node = item
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(top level)"


def load_sector(path: str | Path) -> Sector:
    """Read and validate a sector file; errors name the file and the field."""
    p = Path(path)
    if not p.exists():
        raise DataFileNotFoundError(f"{p}: sector file not found")
    try:
        raw = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not a text file ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    try:
        sector = Sector.model_validate({**raw, "base_dir": p.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(_format_validation(p, exc, raw)) from exc
    for dem in sector.terrain.dem:
        if not sector.path(dem).exists():
            raise DataFileNotFoundError(f"{p}: terrain.dem: file not found: {sector.path(dem)}")
    return sector
