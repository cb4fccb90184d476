"""A Mosquitto broker for the transport tests (Debian's mosquitto; `make test-deps` installs it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..broker import Embedded, Mosquitto

SITES = ["shelburne", "gorham"]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    b = Mosquitto(tmp_path / "broker", ["centre", *SITES])
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(params=["mosquitto", "embedded"])
def any_broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mosquitto | Embedded]:
    """Each broker Ridgeline runs on: Mosquitto with the shipped configuration, and the embedded one."""
    kind = Mosquitto if request.param == "mosquitto" else Embedded
    b = kind(tmp_path / "broker", ["centre", *SITES])
    b.start()
    try:
        yield b
    finally:
        b.stop()
