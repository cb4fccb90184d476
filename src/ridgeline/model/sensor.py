"""The one small interface every sensor adapter implements (video, AIS, radar, replay, sim).

Adapters are found through the entry-point group ``ridgeline.sensors``: the edge agent
never imports a sensor by name.  An adapter is built from the site id and its options,
and yields ``(message type, model)`` pairs for as long as it has something to say.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from ridgeline.model.envelope import MessageType

SensorMessage = tuple[MessageType, BaseModel]


@runtime_checkable
class SensorAdapter(Protocol):
    """A source of detections, tracks and events for one site."""

    name: str

    def messages(self) -> Iterator[SensorMessage]:
        """Yield messages, paced by the sensor; return when the source ends."""
        ...

    def close(self) -> None:
        """Release the source (stop threads, close files or streams)."""
        ...


@runtime_checkable
class ResumableAdapter(SensorAdapter, Protocol):
    """An adapter over a finite source that can resume where the last stored message came from.

    ``position`` is the source position of the message last yielded; the edge agent stores
    it with that message, and after a restart calls ``resume`` with it before reading.
    """

    cursor_name: str
    position: int

    def resume(self, position: int) -> None:
        """Skip everything up to and including ``position``."""
        ...


class SensorFactory(Protocol):
    """What an entry point in ``ridgeline.sensors`` refers to."""

    def __call__(self, site: str, **options: Any) -> SensorAdapter: ...
