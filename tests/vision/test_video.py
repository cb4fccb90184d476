"""FrameSource's reconnect loop: every connection it opens is closed, whenever close() comes."""

from __future__ import annotations

import threading
from typing import Any

import av
import pytest

from ridgeline.vision.video import FrameSource, StatusChange

from ..conftest import wait_for


class _Connection:
    """A stand-in for a PyAV container whose stream drops at once."""

    def __init__(self, log: list[_Connection]) -> None:
        self.closed = False
        log.append(self)

    def decode(self, stream: object) -> Any:
        raise av.error.EOFError(0, "dropped")

    def close(self) -> None:
        self.closed = True


def test_no_connection_is_left_open_when_closed_during_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """close() while the source waits to reconnect: it must not connect again, and every
    connection it made is closed."""
    opened: list[_Connection] = []

    def fake_open(self: FrameSource) -> tuple[Any, Any]:
        self.fps, self.width, self.height, self.frames, self.every = 25.0, 64, 48, None, 1
        return _Connection(opened), object()

    monkeypatch.setattr(FrameSource, "_open", fake_open)
    source = FrameSource("rtsp://127.0.0.1:1/none")
    offline = threading.Event()

    def consume() -> None:
        for item in source:
            if isinstance(item, StatusChange) and not item.online:
                offline.set()

    threading.Thread(target=consume, daemon=True).start()
    assert offline.wait(10)  # the stream dropped; the source now waits 0.5 s to reconnect
    source.close()
    assert wait_for(lambda: not source._thread.is_alive(), timeout=10)
    assert len(opened) == 1 and opened[0].closed
