"""The edge outbox: durable, gap-free seqs, priority drain, bounded with thinning."""

from __future__ import annotations

from pathlib import Path

from ridgeline.model import Detection, Event, EventType, MessageType, ObjectClass, Position, Severity, utc_now
from ridgeline.transport.outbox import ROW_BYTES, Outbox


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



def test_snapshots_give_way_after_detections_and_before_any_event(tmp_path: Path) -> None:
    """A camera firing through a long outage: its images are thinned once nothing smaller is left."""
    import base64

    import cv2
    import numpy as np

    from ridgeline.model.snapshot import Snapshot

    ok, jpeg = cv2.imencode(".jpg", np.random.default_rng(1).integers(0, 255, (120, 160, 3), np.uint8))
    assert ok
    box = Outbox(tmp_path / "o.db", "s1", max_bytes=60_000)
    for _ in range(5):
        box.put(MessageType.DETECTIONS, detection())
    for _ in range(8):
        e = event(Severity.HIGH)
        box.put(MessageType.EVENTS, e)
        box.put(MessageType.SNAPSHOTS, Snapshot(event=e.id, sensor="cam", time=e.time, width=160, height=120,
                                                data=base64.b64encode(jpeg.tobytes()).decode()))
    pending = box.pending(1000)
    kinds = [p.type for p in pending]
    assert kinds.count(MessageType.EVENTS) == 8 and len(kinds) == 21  # every event whole, every seq travels
    thinned = [p.payload for p in pending if p.type == MessageType.THINNED]
    assert thinned.count('{"type": "detections"}') == 5  # the small ones went first
    assert 0 < thinned.count('{"type": "snapshots"}') < 8  # then the oldest images, only as many as needed

def test_wire_bytes_are_a_valid_envelope(tmp_path: Path) -> None:
    from ridgeline.transport.wire import decode

    box = Outbox(tmp_path / "o.db", "site-9")
    box.put(MessageType.EVENTS, event(Severity.HIGH))
    (p,) = box.pending(1)
    env = decode("ridgeline/v1/site-9/events", p.wire("site-9", utc_now()))
    assert env.seq == 1 and env.payload["severity"] == "high"


def test_the_bound_holds_for_the_file_and_the_file_shrinks_after_a_drain(tmp_path: Path) -> None:
    """Finding 7 of issue 13: the bound counted payloads only (16 MB of file on a 2 MB bound), and
    the file never gave its room back."""
    bound = 2 * 1024 * 1024
    box = Outbox(tmp_path / "o.db", "s1", max_bytes=bound)
    peak = 0
    for _ in range(150):
        box.put_many([(MessageType.DETECTIONS, detection(), None, None)] * 100)
        peak = max(peak, box.file_bytes())
    print(f"\n15,000 detections on a {bound / 2**20:.0f} MiB bound: file at most {peak / 2**20:.2f} MiB "
          f"({box.thinned()} thinned)")
    assert peak <= 1.3 * bound and box.backlog() == 15_000
    box.ack(range(1, 15_001))
    print(f"after the drain: {box.file_bytes() / 1024:.0f} KiB")
    assert box.file_bytes() < 256 * 1024


def test_an_outbox_written_by_an_earlier_version_is_recounted(tmp_path: Path) -> None:
    import sqlite3

    box = Outbox(tmp_path / "o.db", "s1")
    box.put_many([(MessageType.DETECTIONS, detection(), None, None)] * 10)
    box.close()
    db = sqlite3.connect(tmp_path / "o.db", isolation_level=None)
    db.execute("DELETE FROM meta WHERE key='accounting'")
    db.execute("UPDATE meta SET value=1 WHERE key='bytes'")
    db.close()
    again = Outbox(tmp_path / "o.db", "s1")
    payloads = sum(len(p.payload) for p in again.pending(100))
    assert again.stored_bytes() == payloads + 10 * ROW_BYTES
