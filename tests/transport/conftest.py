"""A Mosquitto broker for the transport tests (Debian's mosquitto; `make test-deps` installs it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.model import Event, EventType, MessageType, utc_now
from ridgeline.transport.outbox import Outbox

from ..broker import Embedded, Mosquitto

SITES = ["shelburne", "gorham"]


def _running(kind: type[Mosquitto] | type[Embedded], tmp_path: Path) -> Iterator[Mosquitto | Embedded]:
    b = kind(tmp_path / "broker", ["centre", *SITES])
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    yield from _running(Mosquitto, tmp_path)  # type: ignore[misc]


@pytest.fixture(params=["mosquitto", "embedded"])
def any_broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mosquitto | Embedded]:
    """Each broker Ridgeline runs on: Mosquitto with the shipped configuration, and the embedded one."""
    yield from _running(Mosquitto if request.param == "mosquitto" else Embedded, tmp_path)


def put_events(outbox: Outbox, n: int, ahead: timedelta = timedelta(0), start: int = 0) -> None:
    """``n`` line-crossing events into a site's outbox, 20 ms apart, with the sensor's time on the
    envelope as the edge agent puts it (``ahead`` of now: a clock that jumped)."""
    now = utc_now() + ahead
    batch = [Event(type=EventType.LINE_CROSSING, time=now + timedelta(seconds=i / 50), sensor="cam",
                   detail={"i": start + i}) for i in range(n)]
    outbox.put_many([(MessageType.EVENTS, e, e.time, None) for e in batch])
