"""Units messages on the wire: each envelope of a batch judged alone, a report that is no
position (wrong types, out of range, unknown fields, truncated) refused with the schema reason
and its own bytes, the good ones around it kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeline.model import Envelope, MessageType, UnitPosition, new_id, utc_now
from ridgeline.transport.wire import Reason, decode_batch

TOPIC = "ridgeline/v1/gateway/units"


def envelope(seq: int, payload: dict[str, Any]) -> dict[str, Any]:
    now = utc_now().isoformat()
    return {"id": new_id(), "site": "gateway", "seq": seq, "type": "units", "time": now, "sent": now,
            "payload": payload}


GOOD = UnitPosition(unit="boat-1", time=utc_now(), lon=-71.0, lat=44.0).model_dump(mode="json")


@pytest.mark.parametrize("bad", [
    {**GOOD, "lat": 95},
    {**GOOD, "lon": "west"},
    {**GOOD, "heading_deg": 360},
    {**GOOD, "speed_ms": -1},
    {**GOOD, "time": "2026-11-25T13:00:00"},  # no zone
    {**GOOD, "callsign": "HARBOUR"},  # a field no report has
    {k: v for k, v in GOOD.items() if k != "unit"},
    {**GOOD, "unit": ""},
])
def test_a_bad_report_is_refused_alone(bad: dict[str, Any]) -> None:
    batch = [envelope(1, GOOD), envelope(2, bad), envelope(3, GOOD)]
    good, refused = decode_batch(TOPIC, json.dumps(batch).encode())
    assert [e.seq for e in good] == [1, 3] and all(e.type == MessageType.UNITS for e in good)
    assert [r.error.reason for r in refused] == [Reason.SCHEMA]
    assert json.loads(refused[0].raw)["seq"] == 2


@given(st.binary(max_size=600))
@settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
def test_any_bytes_on_the_units_topic_are_envelopes_or_refusals(raw: bytes) -> None:
    good, refused = decode_batch(TOPIC, raw)
    assert all(isinstance(e, Envelope) and UnitPosition.model_validate(e.payload) for e in good)
    assert len(good) + len(refused) >= 1


def test_a_truncated_report_is_malformed_json() -> None:
    whole = json.dumps(envelope(1, GOOD)).encode()
    good, refused = decode_batch(TOPIC, whole[: len(whole) // 2])
    assert good == [] and [r.error.reason for r in refused] == [Reason.MALFORMED_JSON]
