"""The edge outbox: durable, gap-free seqs, priority drain, bounded with thinning."""

from __future__ import annotations

from pathlib import Path

from ridgeline.model import Detection, Event, EventType, MessageType, ObjectClass, Position, Severity, utc_now
from ridgeline.transport.outbox import Outbox


def detection() -> Detection:
    return Detection(sensor="cam", time=utc_now(), object_class=ObjectClass.PERSON, position=Position(x=1, y=2),
                     confidence=0.9)


def event(severity: Severity) -> Event:
    return Event(type=EventType.LINE_CROSSING, time=utc_now(), severity=severity)


def test_seqs_are_gap_free_across_restarts(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", "s1")
    assert box.put_many([(MessageType.DETECTIONS, detection(), None, None)] * 3) == [1, 2, 3]
    box.ack([1, 2, 3])
    box.close()
    again = Outbox(tmp_path / "o.db", "s1")
    assert again.put(MessageType.EVENTS, event(Severity.LOW)) == 4
    assert again.last_seq() == 4 and again.backlog() == 1


def test_new_high_severity_events_overtake_an_old_backlog(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", "s1")
    for _ in range(5):
        box.put(MessageType.DETECTIONS, detection())
    box.put(MessageType.LOGS, {"level": "INFO", "logger": "x", "message": "hello"})
    box.put(MessageType.EVENTS, event(Severity.LOW))
    box.put(MessageType.EVENTS, event(Severity.CRITICAL))
    order = [(p.seq, p.type) for p in box.pending(100)]
    assert order[0] == (8, MessageType.EVENTS) and order[1] == (7, MessageType.EVENTS)
    assert [s for s, t in order if t == MessageType.DETECTIONS] == [1, 2, 3, 4, 5]  # oldest first
    assert order[-1] == (6, MessageType.LOGS)
    assert [p.seq for p in box.pending(3, skip={8})] == [7, 1, 2]


def test_a_full_outbox_thins_old_detections_and_never_events(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", "s1", max_bytes=4000)
    for _ in range(10):
        box.put(MessageType.EVENTS, event(Severity.MEDIUM))
    for _ in range(40):
        box.put(MessageType.DETECTIONS, detection())
    kinds = [p.type for p in box.pending(1000)]
    assert kinds.count(MessageType.EVENTS) == 10  # every event kept whole
    assert box.thinned() > 0 and kinds.count(MessageType.THINNED) == box.thinned()
    assert len(kinds) == 50  # every seq still travels
    thinned = [p for p in box.pending(1000) if p.type == MessageType.THINNED]
    assert thinned[0].seq == 11 and thinned[0].payload == '{"type": "detections"}'


def test_wire_bytes_are_a_valid_envelope(tmp_path: Path) -> None:
    from ridgeline.transport.wire import decode

    box = Outbox(tmp_path / "o.db", "site-9")
    box.put(MessageType.EVENTS, event(Severity.HIGH))
    (p,) = box.pending(1)
    env = decode("ridgeline/v1/site-9/events", p.wire("site-9", utc_now()))
    assert env.seq == 1 and env.payload["severity"] == "high"
