"""Replay adapter: a JSON-lines file of messages, sent at a steady rate (optionally retimed to now).

Each line is ``{"type": "<detections|tracks|events|logs>", "payload": {...}}``, where the
payload is the type's model (``docs/schema/``).  A line that is not valid is reported
with its line number, counted, and skipped; the lines around it still go out.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ridgeline.errors import DataFileNotFoundError
from ridgeline.model import PAYLOADS, MessageType, utc_now
from ridgeline.model.sensor import SensorMessage

log = logging.getLogger(__name__)


class ReplayAdapter:
    """Messages read from a JSONL file, ``rate`` per second (0: as fast as possible)."""

    name = "replay"

    def __init__(self, site: str, path: str | Path, rate: float = 0.0, retime: bool = False, **_: Any) -> None:
        self.site = site
        self.path = Path(path)
        if not self.path.is_file():
            raise DataFileNotFoundError(f"replay file {self.path} does not exist")
        self.rate = rate
        self.retime = retime
        self._shift: timedelta | None = None
        self.rejected = 0
        self.position = 0  # line number of the last message yielded
        self.cursor_name = f"replay:{self.path.resolve()}"
        self._skip_to = 0
        self._closed = False

    def resume(self, position: int) -> None:
        """Start after line ``position`` (what an earlier run already stored)."""
        self._skip_to = position

    def messages(self) -> Iterator[SensorMessage]:
        start = time.monotonic()
        sent = 0
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if self._closed:
                    return
                if number <= self._skip_to or not raw.strip():
                    continue
                message = self._parse(raw, number)
                if message is None:
                    continue
                if self.rate > 0:
                    due = start + sent / self.rate
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                sent += 1
                self.position = number
                yield self._retimed(message) if self.retime else message

    def _parse(self, raw: bytes, number: int) -> SensorMessage | None:
        try:
            data = json.loads(raw)
            type_ = MessageType(data["type"])
            if type_ in (MessageType.STATUS, MessageType.THINNED):
                raise ValueError(f"type {type_.value!r} is not replayed")
            return type_, PAYLOADS[type_].model_validate(data["payload"])
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            self.rejected += 1
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            log.warning("%s line %d skipped: %s", self.path, number, detail)
            return None

    def _retimed(self, message: SensorMessage) -> SensorMessage:
        """The message as if it happened now: every time shifted by (now - first message's time)."""
        type_, body = message
        when = getattr(body, "time", None)
        if not isinstance(when, datetime):
            return message
        if self._shift is None:
            self._shift = utc_now() - when
        return type_, body.model_copy(update={"time": when + self._shift})

    def close(self) -> None:
        self._closed = True
