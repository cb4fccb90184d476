"""Cursor-on-Target (CoT): the XML events TAK (ATAK, WinTAK, iTAK, TAK Server) speaks.

An event is one thing on the map: ``<event version uid type time start stale how>`` with a
``<point lat lon hae ce le>`` and a free ``<detail>``.  Ridgeline writes three kinds, each
under a stable uid so a later event replaces the earlier one on every map:

============  =========================  ===========================================
what          uid                        type
============  =========================  ===========================================
an alert      ``ridgeline-alert-<id>``   ``b-m-p-s-m`` (a spot marker), remarks only
a track       ``ridgeline-track-<id>``   ``a-u-G`` (unknown, ground), ``a-u-S`` (vessel)
a unit        ``ridgeline-unit-<id>``    ``a-f-G-U-C`` (ground), ``a-f-S`` (boat), ``a-f-A`` (drone)
============  =========================  ===========================================

Activity, never identity: only a unit's event carries a ``<contact callsign>`` (the unit's
own); an alert's or a track's says what was seen (class, rule, severity) and nothing that
could name who.  Positions from sensors are ``how="m-f"`` (machine, fused), a unit's
``m-g`` (its GPS); a height or error not known is CoT's 9999999.0.

Decoding reads what TAK devices send (their own position, as a unit's report) with
defusedxml: no DTD, no entity, no external reference is ever expanded, an event larger than
:data:`MAX_EVENT` is refused unread, and every required attribute is checked.  Whatever is
wrong is a :class:`~ridgeline.errors.CotError` naming it, never another exception.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from ridgeline.errors import CotError
from ridgeline.model import Alert, AlertState, ObjectClass, Unit, UnitKind, UnitPosition

#: the largest event decoded (a position report is a few hundred bytes; a chat or a data
#: package is not for us)
MAX_EVENT = 64 * 1024
#: CoT's "not known" for a height or an error
UNKNOWN = 9999999.0
UNIT_TYPES = {UnitKind.FOOT.value: "a-f-G-U-C", UnitKind.VEHICLE.value: "a-f-G-U-C", UnitKind.BOAT.value: "a-f-S",
              UnitKind.DRONE.value: "a-f-A"}
#: a unit of a kind not in :data:`UNIT_TYPES`: friendly, on the ground
UNIT_TYPE_OTHER = "a-f-G"
ALERT_TYPE = "b-m-p-s-m"
PREFIX = "ridgeline-"
_PRINTABLE = re.compile(r"^[\x21-\x7e]{1,128}$")
_TYPE = re.compile(r"^[a-zA-Z0-9.\-_]{1,64}$")


@dataclass(frozen=True)
class CotEvent:
    """One CoT event: what it is, when it is current, where; ``callsign`` only for a unit."""

    uid: str
    type: str
    time: datetime
    start: datetime
    stale: datetime
    how: str
    lat: float
    lon: float
    hae: float = UNKNOWN
    ce: float = UNKNOWN
    le: float = UNKNOWN
    callsign: str | None = None
    remarks: str | None = None
    course: float | None = None
    speed: float | None = None


def cot_time(t: datetime) -> str:
    """A CoT time: ISO 8601 UTC with milliseconds and ``Z``."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.astimezone(UTC).microsecond // 1000:03d}Z"


def encode(event: CotEvent) -> bytes:
    """The event as a UTF-8 XML document (with its declaration), ready to send."""
    root = ET.Element("event", {
        "version": "2.0", "uid": event.uid, "type": event.type, "time": cot_time(event.time),
        "start": cot_time(event.start), "stale": cot_time(event.stale), "how": event.how})
    ET.SubElement(root, "point", {"lat": f"{event.lat:.7f}", "lon": f"{event.lon:.7f}", "hae": f"{event.hae:.1f}",
                                  "ce": f"{event.ce:.1f}", "le": f"{event.le:.1f}"})
    detail = ET.SubElement(root, "detail")
    if event.callsign is not None:
        ET.SubElement(detail, "contact", {"callsign": event.callsign})
    if event.course is not None or event.speed is not None:
        ET.SubElement(detail, "track", {"course": f"{event.course or 0.0:.1f}", "speed": f"{event.speed or 0.0:.2f}"})
    if event.remarks:
        ET.SubElement(detail, "remarks").text = event.remarks
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + ET.tostring(root, encoding="utf-8",
                                                                                  xml_declaration=False)


def unit_event(unit: Unit, now: datetime, stale_s: float) -> CotEvent | None:
    """A unit as a friendly CoT event with its callsign (None: it has no position)."""
    if unit.position is None or unit.position.lon is None or unit.position.lat is None:
        return None
    return CotEvent(
        uid=f"{PREFIX}unit-{unit.id}", type=UNIT_TYPES.get(unit.kind, UNIT_TYPE_OTHER), time=now, start=now,
        stale=now + timedelta(seconds=stale_s), how="m-g" if unit.position_time is not None else "h-e",
        lat=unit.position.lat, lon=unit.position.lon, callsign=unit.callsign or unit.name or unit.id,
        remarks=f"status: {unit.status}" + (f" ({unit.base.value})" if unit.status != unit.base.value else ""),
        course=unit.heading_deg, speed=unit.speed_ms)


def track_event(track_id: str, object_class: str | None, lon: float, lat: float, seen: datetime, now: datetime,
                stale_s: float) -> CotEvent:
    """A tracked object as an unknown CoT event: its class in the remarks, never a callsign."""
    vessel = object_class == ObjectClass.VESSEL.value
    return CotEvent(uid=f"{PREFIX}track-{track_id}", type="a-u-S" if vessel else "a-u-G", time=seen, start=seen,
                    stale=max(seen, now) + timedelta(seconds=stale_s), how="m-f", lat=lat, lon=lon,
                    remarks=f"track: {object_class or 'unknown'}")


def alert_event(alert: Alert, now: datetime, stale_s: float) -> CotEvent | None:
    """An alert as a spot marker where it was last seen (None: it has no map position); a cleared
    or resolved alert's event goes stale at once, which takes it off the maps."""
    if alert.position is None or alert.position.lon is None or alert.position.lat is None:
        return None
    over = alert.cleared is not None or alert.state in (AlertState.RESOLVED_TRUE, AlertState.RESOLVED_FALSE_ALARM)
    return CotEvent(uid=f"{PREFIX}alert-{alert.id}", type=ALERT_TYPE, time=now, start=now,
                    stale=now + timedelta(seconds=1 if over else stale_s), how="m-f", lat=alert.position.lat,
                    lon=alert.position.lon, remarks=f"Ridgeline alert: {alert.type.value} ({alert.severity.value}), "
                    f"{alert.state.value}, {alert.event_count} event(s)")


def _attr(element: Any, name: str, where: str) -> str:
    value = element.get(name)
    if value is None:
        raise CotError(f"{where}: attribute {name!r} missing")
    return str(value)


def _number(element: Any, name: str, where: str, low: float, high: float, required: bool = True) -> float | None:
    raw = element.get(name)
    if raw is None:
        if required:
            raise CotError(f"{where}: attribute {name!r} missing")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise CotError(f"{where}: {name}={raw[:40]!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise CotError(f"{where}: {name}={raw[:40]!r} is outside {low:g} to {high:g}")
    return value


def _optional(element: Any, name: str, low: float, high: float) -> float | None:
    try:
        return _number(element, name, "", low, high, required=False)
    except CotError:
        return None


def _time(element: Any, name: str) -> datetime:
    raw = _attr(element, name, "event")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CotError(f"event: {name}={raw[:40]!r} is not an ISO 8601 time") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise CotError(f"event: {name}={raw[:40]!r} has no zone (CoT times are UTC, ending in Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise CotError(f"event: {name}={raw[:40]!r} is out of range") from None


def decode(data: bytes) -> CotEvent:
    """Read one CoT event from untrusted bytes; :class:`CotError` says what is wrong."""
    if len(data) > MAX_EVENT:
        raise CotError(f"an event of {len(data)} bytes: more than {MAX_EVENT}")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise CotError(f"hostile XML refused: {type(exc).__name__}") from None
    except ET.ParseError as exc:
        raise CotError(f"not well-formed XML: {exc}") from None
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:  # LookupError: an unknown encoding
        raise CotError(f"not readable XML: {type(exc).__name__}: {str(exc)[:80]}") from None
    if root.tag != "event":
        raise CotError(f"the root element is <{str(root.tag)[:40]}>, not <event>")
    for name in ("version", "how"):
        _attr(root, name, "event")
    uid, kind = _attr(root, "uid", "event"), _attr(root, "type", "event")
    if not _PRINTABLE.match(uid):
        raise CotError(f"event: uid {uid[:40]!r} is not 1 to 128 printable characters without spaces")
    if not _TYPE.match(kind):
        raise CotError(f"event: type {kind[:40]!r} is not a CoT type")
    time, start, stale = _time(root, "time"), _time(root, "start"), _time(root, "stale")
    point = root.find("point")
    if point is None:
        raise CotError(f"event {uid}: no <point>")
    where = f"event {uid}: point"
    lat = _number(point, "lat", where, -90.0, 90.0)
    lon = _number(point, "lon", where, -180.0, 180.0)
    hae = _number(point, "hae", where, -1e7, 1e7)
    ce = _number(point, "ce", where, 0.0, 1e7)
    le = _number(point, "le", where, 0.0, 1e7)
    assert lat is not None and lon is not None and hae is not None and ce is not None and le is not None
    callsign = course = speed = None
    detail = root.find("detail")
    if detail is not None:
        contact = detail.find("contact")
        if contact is not None and contact.get("callsign"):
            callsign = str(contact.get("callsign"))[:64]
        track = detail.find("track")
        if track is not None:  # optional: a course or speed that cannot be used is dropped, the position kept
            course = _optional(track, "course", 0.0, 360.0)
            speed = _optional(track, "speed", 0.0, 1000.0)
    return CotEvent(uid=uid, type=kind, time=time, start=start, stale=stale, how=_attr(root, "how", "event"),
                    lat=lat, lon=lon, hae=hae, ce=ce, le=le, callsign=callsign, course=course, speed=speed)


def position_report(event: CotEvent, unit_id: str) -> UnitPosition:
    """A TAK device's own event as the position report of ``unit_id``."""
    course = None if event.course is None else event.course % 360.0
    speed = None if event.speed is None or event.speed > 200.0 else event.speed
    return UnitPosition(unit=unit_id, time=event.time, lon=event.lon, lat=event.lat, heading_deg=course,
                        speed_ms=speed)


class CotStream:
    """Splits a byte stream (a TAK server's TCP connection) into event documents.

    Events follow one another with or without an XML declaration; what comes between them is
    skipped.  More than :data:`MAX_EVENT` bytes without an event's end is a
    :class:`CotError`, and the buffer is emptied so the stream can go on.
    """

    END = b"</event>"

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The complete events ``data`` finished (their bytes, for :func:`decode`)."""
        self._buffer += data
        found = []
        while (end := self._buffer.find(self.END)) >= 0:
            chunk, self._buffer = self._buffer[: end + len(self.END)], self._buffer[end + len(self.END):]
            start = chunk.find(b"<?xml")
            if start < 0:
                start = chunk.find(b"<event")
            found.append(chunk[max(start, 0):].strip())
        if len(self._buffer) > MAX_EVENT:
            held = len(self._buffer)
            self._buffer = b""
            raise CotError(f"{held} bytes without the end of an event: dropped")
        return found
