"""A Mosquitto broker for the transport tests (Debian's mosquitto; `make test-deps` installs it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..broker import Mosquitto

SITES = ["shelburne", "gorham"]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    b = Mosquitto(tmp_path / "broker", ["centre", *SITES])
    b.start()
    try:
        yield b
    finally:
        b.stop()
