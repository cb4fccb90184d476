"""Cursor-on-Target: what Ridgeline writes meets the CoT event schema's required fields, a
tracked object never carries a callsign, what a TAK device sends is read back exactly, and any
bad, huge or hostile input is a CotError, never another exception."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeline.errors import CotError
from ridgeline.model import (
    Alert,
    AlertState,
    EventType,
    Position,
    Severity,
    Unit,
    UnitKind,
    UnitStatus,
)
from ridgeline.transport.cot import (
    MAX_EVENT,
    CotEvent,
    CotStream,
    alert_event,
    decode,
    encode,
    position_report,
    track_event,
    unit_event,
)

NOW = datetime(2026, 12, 2, 15, 0, 0, 123456, tzinfo=UTC)
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def check_schema(document: bytes) -> ET.Element:
    """The CoT event schema's required fields, each checked: the parsed event."""
    root = ET.fromstring(document)
    assert root.tag == "event"
    for name in ("version", "uid", "type", "time", "start", "stale", "how"):
        assert root.get(name), f"event without {name}: {document!r}"
    times = {}
    for name in ("time", "start", "stale"):
        text = root.get(name) or ""
        assert ISO_UTC.match(text), f"{name}={text!r} is not ISO 8601 UTC"
        times[name] = datetime.fromisoformat(text)
    assert times["stale"] > times["start"], document
    point = root.find("point")
    assert point is not None
    values = {name: float(point.get(name) or "nan") for name in ("lat", "lon", "hae", "ce", "le")}
    assert -90 <= values["lat"] <= 90 and -180 <= values["lon"] <= 180
    assert all(v == v for v in values.values()), values  # no NaN: each was there and a number
    return root


def alert(**changes: Any) -> Alert:
    return Alert(id="01JALERT0000000000000000AA", key="crossing|s|cam|line_crossing|t1", type=EventType.LINE_CROSSING,
                 severity=Severity.HIGH, opened=NOW, updated=NOW, first_event="e1", last_event="e1",
                 position=Position(lon=-71.3, lat=44.27), **changes)


def test_an_alert_a_track_and_a_unit_meet_the_schema_and_only_the_unit_has_a_callsign() -> None:
    unit = Unit(id="boat-1", name="Boat 1", kind=UnitKind.BOAT, status="refuelling", base=UnitStatus.OUT_OF_SERVICE,
                position=Position(lon=-71.1, lat=44.1), position_time=NOW, callsign="HARBOUR", heading_deg=90,
                speed_ms=4)
    events = [alert_event(alert(), NOW, 900), track_event("t7", "vessel", -71.2, 44.2, NOW, NOW, 120),
              track_event("t8", "person", -71.21, 44.21, NOW, NOW, 120), unit_event(unit, NOW, 300)]
    roots = [check_schema(encode(e)) for e in events if e is not None]
    assert [(r.get("uid"), r.get("type"), r.get("how")) for r in roots] == [
        ("ridgeline-alert-01JALERT0000000000000000AA", "b-m-p-s-m", "m-f"), ("ridgeline-track-t7", "a-u-S", "m-f"),
        ("ridgeline-track-t8", "a-u-G", "m-f"), ("ridgeline-unit-boat-1", "a-f-S", "m-g")]
    assert [r.find("detail/contact") is not None for r in roots] == [False, False, False, True]
    assert roots[3].find("detail/contact").get("callsign") == "HARBOUR"  # type: ignore[union-attr]
    assert roots[3].findtext("detail/remarks") == "status: refuelling (out_of_service)"
    assert roots[1].get("stale") == "2026-12-02T15:02:00.123Z"  # two minutes for a track
    assert [unit_event(unit.model_copy(update={"kind": k}), NOW, 300).type  # type: ignore[union-attr]
            for k in [*UnitKind, "hovercraft"]] == ["a-f-G-U-C", "a-f-G-U-C", "a-f-S", "a-f-A", "a-f-G"]


def test_a_cleared_alert_goes_stale_at_once_and_one_without_a_position_is_not_sent() -> None:
    over = alert_event(alert(state=AlertState.RESOLVED_FALSE_ALARM), NOW, 900)
    assert over is not None and over.stale - over.start == timedelta(seconds=1)
    assert alert_event(alert().model_copy(update={"position": None}), NOW, 900) is None


ATAK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="ANDROID-5f2a" '
        b'type="a-f-G-U-C" time="2026-12-02T15:00:01.500Z" start="2026-12-02T15:00:01.500Z" '
        b'stale="2026-12-02T15:06:01.500Z" how="h-e"><point lat="44.2812345" lon="-71.3012345" hae="612.3" '
        b'ce="9.9" le="9999999.0"/><detail><contact callsign="HARBOUR" endpoint="*:-1:stcp"/>'
        b'<track course="361.0" speed="2.5"/><__group name="Cyan" role="Team Member"/></detail></event>')


def test_a_tak_devices_own_event_is_read_as_a_units_position() -> None:
    event = decode(ATAK)
    assert (event.uid, event.callsign, event.lat, event.lon, event.hae, event.time) == (
        "ANDROID-5f2a", "HARBOUR", 44.2812345, -71.3012345, 612.3, datetime(2026, 12, 2, 15, 0, 1, 500000, UTC))
    assert (event.course, event.speed) == (None, 2.5)  # a course past 360 is dropped, the position kept
    report = position_report(decode(ATAK.replace(b"361.0", b"359.5")), "boat-1")
    assert (report.unit, report.heading_deg, report.speed_ms) == ("boat-1", 359.5, 2.5)


def test_a_round_trip_keeps_every_field() -> None:
    sent = CotEvent(uid="u-1", type="a-f-A", time=NOW.replace(microsecond=123000), start=NOW.replace(
        microsecond=123000), stale=NOW.replace(microsecond=123000) + timedelta(minutes=5), how="m-g", lat=44.5,
        lon=-71.25, hae=10.0, ce=5.0, le=3.0, callsign="a <b> & 'c'", course=12.5, speed=3.25)
    back = decode(encode(sent))
    assert back == CotEvent(**{**sent.__dict__, "remarks": None})


@pytest.mark.parametrize(("document", "says"), [
    (b"", "not well-formed"),
    (ATAK[:200], "not well-formed"),
    (b"<point lat='1' lon='2'/>", "root element is <point>"),
    (ATAK.replace(b' uid="ANDROID-5f2a"', b""), "'uid' missing"),
    (ATAK.replace(b' how="h-e"', b""), "'how' missing"),
    (ATAK.replace(b'lat="44.2812345"', b'lat="north"'), "lat='north' is not a number"),
    (ATAK.replace(b'lat="44.2812345"', b'lat="91"'), "outside -90 to 90"),
    (ATAK.replace(b'lon="-71.3012345"', b'lon="nan"'), "outside -180 to 180"),
    (ATAK.replace(b' le="9999999.0"', b""), "'le' missing"),
    (ATAK.replace(b'time="2026-12-02T15:00:01.500Z"', b'time="yesterday"'), "not an ISO 8601 time"),
    (ATAK.replace(b'time="2026-12-02T15:00:01.500Z"', b'time="2026-12-02T15:00:01"'), "has no zone"),
    (ATAK.replace(b"<point", b"<pointless"), "no <point>"),
    (ATAK.replace(b'encoding="UTF-8"', b'encoding="U-TF-8"'), "unknown encoding"),
    (ATAK.replace(b'uid="ANDROID-5f2a"', b'uid="two words"'), "printable characters"),
    (b'<!DOCTYPE e [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><event>&b;</event>', "hostile XML"),
    (b'<!DOCTYPE e SYSTEM "file:///etc/passwd"><event/>', "hostile XML"),
    (b"<event>" + b"x" * MAX_EVENT + b"</event>", "more than 65536"),
    ("<événement/>".encode("latin-1"), "not well-formed"),
])
def test_bad_events_are_refused_with_what_is_wrong(document: bytes, says: str) -> None:
    with pytest.raises(CotError, match=re.escape(says) if "(" not in says else says):
        decode(document)


@given(st.binary(max_size=2048))
@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
def test_any_bytes_are_an_event_or_a_cot_error(data: bytes) -> None:
    try:
        event = decode(data)
    except CotError:
        return
    assert event.uid and -90 <= event.lat <= 90  # only a whole, valid event gets here


@given(position=st.integers(min_value=0, max_value=len(ATAK)), junk=st.binary(max_size=64),
       attribute=st.sampled_from([b"lat", b"lon", b"hae", b"ce", b"le", b"time", b"stale", b"uid", b"type"]),
       value=st.one_of(st.text(max_size=30).map(lambda t: t.encode("utf-8", "replace")),
                       st.floats(allow_nan=True).map(lambda f: repr(f).encode())))
@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
def test_damaged_tak_events_are_read_or_refused_never_crash(position: int, junk: bytes, attribute: bytes,
                                                            value: bytes) -> None:
    damaged = [ATAK[:position] + junk + ATAK[position:], ATAK[:position],
               re.sub(rb' ' + attribute + rb'="[^"]*"',
                      lambda _m: b' ' + attribute + b'="' + value.replace(b'"', b"") + b'"', ATAK, count=1)]
    for document in damaged:
        try:
            event = decode(document)
        except CotError:
            continue
        assert -90 <= event.lat <= 90 and -180 <= event.lon <= 180 and event.time.tzinfo is not None


def test_a_stream_is_split_into_events_whatever_the_chunks() -> None:
    two = ATAK + b"\n" + ATAK.replace(b"ANDROID-5f2a", b"ANDROID-77")
    for size in (1, 7, 100, len(two)):
        stream = CotStream()
        found = [doc for i in range(0, len(two), size) for doc in stream.feed(two[i:i + size])]
        assert [decode(d).uid for d in found] == ["ANDROID-5f2a", "ANDROID-77"]
    stream = CotStream()
    with pytest.raises(CotError, match="without the end of an event"):
        stream.feed(b"<event " + b"a" * (MAX_EVENT + 1))
    assert [decode(d).uid for d in stream.feed(ATAK)] == ["ANDROID-5f2a"]  # the stream goes on
