"""The domain models and the envelope: UTC times, ULIDs, and a checked-in wire schema."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from ridgeline.model import (
    Envelope,
    Event,
    EventType,
    MessageType,
    Severity,
    is_ulid,
    new_id,
    utc_now,
)
from ridgeline.model.schema import schemas

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schema"


def test_checked_in_schema_matches_the_models() -> None:
    # a change to the wire format must come with its schema: python -m ridgeline.model.schema docs/schema
    for name, text in schemas().items():
        path = SCHEMA_DIR / name
        assert path.exists(), f"{path} missing: run python -m ridgeline.model.schema docs/schema"
        assert path.read_text() == text, f"{path} is stale: run python -m ridgeline.model.schema docs/schema"


def test_ids_are_ulids_and_sort_by_time() -> None:
    a, b = new_id(), new_id()
    assert is_ulid(a) and len(a) == 26
    assert not is_ulid("not-a-ulid")
    assert a[:10] <= b[:10]


def test_times_must_carry_a_zone_and_become_utc() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Event(type=EventType.LOITERING, time=datetime(2026, 1, 1, 12, 0))
    ev = Event(type=EventType.LOITERING, time=datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))))
    assert ev.time.utcoffset() == timedelta(0) and ev.time.hour == 12


def _env(**kw: object) -> Envelope:
    now = utc_now()
    base: dict[str, object] = {
        "id": new_id(), "site": "s1", "seq": 1, "type": MessageType.EVENTS, "time": now, "sent": now,
        "payload": Event(type=EventType.LINE_CROSSING, time=now).model_dump(mode="json"),
    }
    base.update(kw)
    return Envelope.model_validate(base)


def test_status_and_only_status_has_seq_zero() -> None:
    with pytest.raises(ValidationError, match="seq is 0"):
        _env(seq=0)
    with pytest.raises(ValidationError, match="seq is 0"):
        _env(type=MessageType.STATUS, payload={"online": True})
    assert _env(type=MessageType.STATUS, seq=0, payload={"online": True}).seq == 0


def test_envelope_refuses_unknown_fields_bad_ids_and_sites() -> None:
    with pytest.raises(ValidationError):
        _env(extra_field=1)
    with pytest.raises(ValidationError, match="ULID"):
        _env(id="X" * 26)
    with pytest.raises(ValidationError):
        _env(site="a/b")


def test_event_severity_orders_the_backlog() -> None:
    now = utc_now()
    high = Event(type=EventType.LINE_CROSSING, time=now, severity=Severity.HIGH)
    assert _env(payload=high.model_dump(mode="json")).severity() == Severity.HIGH
    assert Severity.CRITICAL.rank > Severity.HIGH.rank > Severity.INFO.rank
