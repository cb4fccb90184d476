"""The replay adapter: bad lines are named, counted and skipped; a restart resumes after the cursor."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeline.errors import DataFileNotFoundError
from ridgeline.model import Event, EventType, MessageType, utc_now
from ridgeline.transport.replay import ReplayAdapter


def line(i: int) -> str:
    ev = Event(type=EventType.LOITERING, time=utc_now(), detail={"i": i})
    return json.dumps({"type": "events", "payload": ev.model_dump(mode="json")})


def test_bad_lines_are_skipped_with_their_number(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join([line(0), "{broken", json.dumps({"type": "status", "payload": {}}),
                               json.dumps({"type": "events", "payload": {"x": 1}}), "", line(1)]) + "\n")
    adapter = ReplayAdapter("s1", path)
    with caplog.at_level(logging.WARNING):
        got = list(adapter.messages())
    assert [m[1].detail["i"] for m in got] == [0, 1]  # type: ignore[attr-defined]
    assert adapter.rejected == 3 and adapter.position == 6
    assert "r.jsonl line 2 skipped" in caplog.text and "line 4 skipped" in caplog.text


def test_resume_skips_what_was_stored(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(line(i) for i in range(5)) + "\n")
    adapter = ReplayAdapter("s1", path)
    adapter.resume(3)
    assert [m[1].detail["i"] for m in adapter.messages()] == [3, 4]  # type: ignore[attr-defined]
    assert all(m[0] == MessageType.EVENTS for m in ReplayAdapter("s1", path).messages())


def test_missing_file_is_named() -> None:
    with pytest.raises(DataFileNotFoundError, match=r"nope\.jsonl"):
        ReplayAdapter("s1", "nope.jsonl")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_fuzz_garbage_lines_never_stop_the_replay(tmp_path: Path, garbage: list[bytes]) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join([line(0).encode(), *[g.replace(b"\n", b" ") for g in garbage], line(1).encode()]))
    got = list(ReplayAdapter("s1", path).messages())
    assert len(got) >= 2


def test_retime_plays_the_file_as_if_it_happened_now(tmp_path: Path) -> None:
    from datetime import timedelta

    old = utc_now() - timedelta(days=3)
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(
        json.dumps({"type": "events", "payload": Event(type=EventType.LOITERING, time=old + timedelta(seconds=i))
                    .model_dump(mode="json")}) for i in range(3)
    ) + "\n")
    times = [m[1].time for m in ReplayAdapter("s1", path, retime=True).messages()]  # type: ignore[attr-defined]
    assert abs((times[0] - utc_now()).total_seconds()) < 5
    assert [(t - times[0]).total_seconds() for t in times] == [0.0, 1.0, 2.0]
