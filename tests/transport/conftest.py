"""A Mosquitto broker for the transport tests (skipped, with the reason, where none is installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..broker import Mosquitto, mosquitto_path

SITES = ["shelburne", "gorham"]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    if mosquitto_path() is None:
        pytest.skip("mosquitto is not installed (Debian package mosquitto)")
    b = Mosquitto(tmp_path / "broker", ["centre", *SITES])
    b.start()
    try:
        yield b
    finally:
        b.stop()
