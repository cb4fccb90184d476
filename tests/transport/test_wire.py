"""Decoding what arrives on the wire: every refusal has its reason; nothing else escapes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.errors import WireError
from ridgeline.model import Envelope, Event, EventType, MessageType, new_id, utc_now
from ridgeline.transport.wire import (
    Reason,
    WireLimits,
    clock_ahead,
    decode,
    encode,
    encode_ack,
    parse_ack,
    peek_site_seq,
)

TOPIC = "ridgeline/v1/s1/events"


def envelope(**kw: object) -> Envelope:
    now = utc_now()
    base: dict[str, object] = {
        "id": new_id(), "site": "s1", "seq": 7, "type": MessageType.EVENTS, "time": now, "sent": now,
        "payload": Event(type=EventType.ZONE_INTRUSION, time=now).model_dump(mode="json"),
    }
    base.update(kw)
    return Envelope.model_validate(base)


def test_round_trip() -> None:
    env = envelope()
    assert decode(TOPIC, encode(env)) == env


@pytest.mark.parametrize(
    ("topic", "raw", "reason"),
    [
        (TOPIC, b"{not json", Reason.MALFORMED_JSON),
        (TOPIC, b"\xff\xfe", Reason.MALFORMED_JSON),
        (TOPIC, b'{"id": 1}', Reason.SCHEMA),
        ("ridgeline/v1/s1", b"{}", Reason.BAD_TOPIC),
        ("ridgeline/v1/s1/bogus", b"{}", Reason.BAD_TOPIC),
        ("other/v1/s1/events", b"{}", Reason.BAD_TOPIC),
        (TOPIC, b"x" * 300_000, Reason.TOO_LARGE),
    ],
)
def test_refusals_name_their_reason(topic: str, raw: bytes, reason: Reason) -> None:
    with pytest.raises(WireError) as info:
        decode(topic, raw)
    assert info.value.reason == reason


def test_a_site_cannot_speak_for_another() -> None:
    with pytest.raises(WireError) as info:
        decode("ridgeline/v1/s2/events", encode(envelope()))
    assert info.value.reason == Reason.SITE_MISMATCH
    with pytest.raises(WireError) as info:
        decode("ridgeline/v1/s1/logs", encode(envelope()))
    assert info.value.reason == Reason.TYPE_MISMATCH


def test_payload_must_match_its_type() -> None:
    env = envelope(type=MessageType.DETECTIONS, payload={"nonsense": True})
    with pytest.raises(WireError) as info:
        decode("ridgeline/v1/s1/detections", encode(env))
    assert info.value.reason == Reason.SCHEMA
    assert "payload.sensor" in info.value.detail


def test_a_clock_far_in_the_future_is_accepted_and_flagged() -> None:
    now = utc_now()
    limits = WireLimits(max_future=timedelta(minutes=5))
    ahead = decode(TOPIC, encode(envelope(time=now + timedelta(hours=2))), limits)
    assert clock_ahead(ahead, now, limits) == pytest.approx(7200, abs=1)
    assert clock_ahead(decode(TOPIC, encode(envelope(time=now + timedelta(minutes=4))), limits), now, limits) is None


def test_confirmations_round_trip_as_ranges() -> None:
    raw = encode_ack([5, 1, 2, 3, 9, 10])
    assert json.loads(raw) == {"ranges": [[1, 3], [5, 5], [9, 10]]}
    assert parse_ack(raw) == [(1, 3), (5, 5), (9, 10)]
    assert parse_ack(b'{"ranges": [[3, 1]]}') == []
    assert parse_ack(b'{"ranges": [[true, 2]]}') == []
    assert parse_ack(b"garbage") == []


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes_only_raise_wire_errors(raw: bytes) -> None:
    with pytest.raises(WireError):
        decode(TOPIC, raw)
    peek_site_seq(raw)
    parse_ack(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.just(new_id()), st.text(max_size=30)),
            "site": st.one_of(st.just("s1"), st.text(max_size=10)),
            "seq": st.one_of(st.integers(), st.text(max_size=3)),
            "type": st.sampled_from([t.value for t in MessageType] + ["x"]),
            "time": st.one_of(st.just("2026-01-01T00:00:00Z"), st.text(max_size=30)),
            "sent": st.just("2026-01-01T00:00:00Z"),
            "payload": json_values,
            "extra": json_values,
        },
    )
)
def test_fuzz_envelope_shapes_decode_or_raise_wire_errors(data: dict[str, object]) -> None:
    raw = json.dumps(data).encode()
    try:
        env = decode(TOPIC, raw)
    except WireError:
        return
    assert env.site == "s1" and env.type == MessageType.EVENTS


def test_a_batch_keeps_its_good_envelopes_and_refuses_the_bad_ones_alone() -> None:
    from ridgeline.transport.wire import decode_batch, encode_batch

    good1, good2 = envelope(seq=1), envelope(seq=3)
    other_site = envelope(seq=2, site="s2")
    raw = encode_batch([encode(good1), b'{"id": "nonsense"}', encode(other_site), encode(good2)])
    envs, refused = decode_batch(TOPIC, raw)
    assert [e.seq for e in envs] == [1, 3]
    assert [r.error.reason for r in refused] == [Reason.SCHEMA, Reason.SITE_MISMATCH]
    assert refused[0].raw == b'{"id":"nonsense"}'
    envs, refused = decode_batch(TOPIC, b"[]")
    assert envs == [] and refused[0].error.reason == Reason.SCHEMA
    envs, refused = decode_batch(TOPIC, b"[1, 2")
    assert envs == [] and refused[0].error.reason == Reason.MALFORMED_JSON
    with pytest.raises(WireError):
        decode(TOPIC, raw)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(json_values, st.just("ENV")), max_size=6))
def test_fuzz_batches_never_raise(items: list[object]) -> None:
    from ridgeline.transport.wire import decode_batch

    raw = json.dumps([envelope(seq=i + 1).model_dump(mode="json") if x == "ENV" else x
                      for i, x in enumerate(items)]).encode()
    envs, refused = decode_batch(TOPIC, raw)
    assert len(envs) + len(refused) == max(len(items), 1)
