"""What runs a sensor: its source, and for a camera its lines, zones, privacy masks and analytics.

These models are the sensor fields of the sector file that the edge site reads
(``ridgeline edge SECTOR --site ID``).  Pixel coordinates are in the camera's full-resolution
frame, origin top left.  A privacy mask is never analysed and is black in every image kept
or sent.  ``check_sensor`` says which fields a sensor kind may carry, so a camera-only
setting on a radar is an error instead of a setting nobody reads.
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ridgeline.model import ObjectClass

PixelPoint = Annotated[
    tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]],
    Field(description="A pixel [x, y] in the full-resolution frame, origin top left."),
]


def _polygon(value: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(value) < 3:
        raise ValueError(f"a polygon needs at least 3 [x, y] points, got {len(value)}")
    return value


Polygon = Annotated[
    list[PixelPoint],
    AfterValidator(_polygon),
    Field(description="A pixel polygon: at least three [x, y] vertices."),
]
CameraProfile = Literal["default", "thermal"]
Direction = Literal["any", "left_to_right", "right_to_left"]

CAMERA_KINDS = ("camera", "thermal", "ptz")
CAMERA_FIELDS = ("lines", "zones", "masks", "profile", "classes", "min_speed", "min_height", "model", "detect_fps",
                 "tilt_deg")
STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")
FEED_SCHEMES = ("tcp", "udp")
SIMULATE = "simulate"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineConfig(_Model):
    """A tripwire in the camera's picture: crossing it is an event."""

    id: str = Field(min_length=1, max_length=64, description="Line id, unique within the camera; events name it.")
    points: list[PixelPoint] = Field(
        description="The line's two ends, [[x1, y1], [x2, y2]] in pixels; left and right are as seen "
        "facing from the first end to the second."
    )
    direction: Direction = Field(
        default="any", description="Which crossings count: any, left_to_right or right_to_left."
    )
    inertia: int = Field(
        default=1, ge=1, le=100, description="Frames a track must stay on the new side before a crossing counts."
    )

    @field_validator("points")
    @classmethod
    def _two_points(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if len(value) != 2:
            raise ValueError(f"a line needs exactly 2 points [[x1, y1], [x2, y2]], got {len(value)}")
        if value[0] == value[1]:
            raise ValueError("a line's two points must differ")
        return value


class ZoneConfig(_Model):
    """A watched area in the camera's picture: entering it (or staying) is an event."""

    id: str = Field(min_length=1, max_length=64, description="Zone id, unique within the camera; events name it.")
    polygon: Polygon = Field(description="The zone's outline, at least three [x, y] pixel vertices.")
    inertia: int = Field(default=3, ge=1, le=100, description="Frames a track must be inside before it intrudes.")
    loiter_s: float | None = Field(
        default=None, gt=0, description="Seconds inside that count as loitering; no loitering events when omitted."
    )


class SensorFields(Protocol):
    """The sensor fields ``check_sensor`` looks at (``SensorConfig`` has them)."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def source(self) -> str | None: ...

    @property
    def lines(self) -> list[LineConfig]: ...

    @property
    def zones(self) -> list[ZoneConfig]: ...

    @property
    def masks(self) -> list[list[tuple[float, float]]]: ...

    @property
    def profile(self) -> str: ...

    @property
    def classes(self) -> list[ObjectClass]: ...

    @property
    def min_speed(self) -> float: ...

    @property
    def min_height(self) -> float: ...

    @property
    def model(self) -> str | None: ...

    @property
    def detect_fps(self) -> float: ...


def source_kind(source: str) -> Literal["simulate", "stream", "feed", "file"]:
    """What a ``source`` names: simulate, a video stream, an AIS feed, or a file."""
    if source == SIMULATE:
        return "simulate"
    scheme = urlparse(source).scheme.lower()
    if scheme in STREAM_SCHEMES:
        return "stream"
    if scheme in FEED_SCHEMES:
        return "feed"
    return "file"


def check_source(source: str) -> str:
    """A source's text, refused when it names a scheme Ridgeline cannot read."""
    if not source.strip():
        raise ValueError("source is empty")
    scheme = urlparse(source).scheme.lower()
    # one letter is a Windows drive (C:\\clip.mp4), not a scheme
    if len(scheme) > 1 and scheme not in STREAM_SCHEMES + FEED_SCHEMES:
        known = ", ".join(f"{s}://" for s in STREAM_SCHEMES + FEED_SCHEMES)
        raise ValueError(f"source {source!r}: unknown scheme {scheme}:// (expected a file path, {known} or 'simulate')")
    return source


def check_sensor(sensor: SensorFields, given: set[str]) -> None:
    """Refuse fields and sources that the sensor's kind cannot use, and ids used twice.

    ``given``: the fields the sector file sets to something other than their default (a
    camera setting on a radar is an error: whoever wrote it expected it to do something; a
    default value changes nothing, and a dumped sector must load again).
    """
    is_camera = sensor.kind in CAMERA_KINDS
    if not is_camera:
        wrong = [f for f in CAMERA_FIELDS if f in given]
        if wrong:
            raise ValueError(f"{', '.join(wrong)}: camera settings, but sensor {sensor.id!r} is a {sensor.kind}")
    if sensor.source is not None:
        kind = source_kind(sensor.source)
        allowed = {"camera": ("file", "stream", "simulate"), "thermal": ("file", "stream", "simulate"),
                   "ptz": ("file", "stream", "simulate"), "ais": ("file", "feed"), "radar": ("file", "simulate")}
        what = {"camera": "a video file, an rtsp:// or http:// stream, or 'simulate'",
                "ais": "an NMEA or CSV file, or a tcp:// or udp:// feed",
                "radar": "a radar plot file (JSON lines) or 'simulate'"}
        if kind not in allowed[sensor.kind]:
            expected = what["camera" if is_camera else sensor.kind]
            raise ValueError(f"source {sensor.source!r} of {sensor.kind} {sensor.id!r}: expected {expected}")
    for name, items in (("lines", sensor.lines), ("zones", sensor.zones)):
        ids = [item.id for item in items]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"{name}: id {twice[0]!r} is used twice in sensor {sensor.id!r}")
