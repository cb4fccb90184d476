"""A snapshot: the (privacy-masked) still image of the moment an event happened.

It travels as its own message (``snapshots``) beside the event, which names it in its
``snapshot`` field, so an event stays small and is never held back by its image.  The
image is bounded (``MAX_WIDTH`` wide, ``MAX_DATA_CHARS`` of base64) so one message stays
well under what the centre accepts (``transport.wire.WireLimits``: 256 KiB).
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ridgeline.model.domain import Id
from ridgeline.model.time import UtcTime, new_id

#: The widest image a snapshot carries (a camera's frame is scaled down to it).
MAX_WIDTH = 640
#: The tallest (a portrait frame scaled to ``MAX_WIDTH`` wide could be taller).
MAX_HEIGHT = 1280
#: Base64 characters of the image at most: about 90 KB of JPEG, half the wire limit.
MAX_DATA_CHARS = 120_000
#: JPEG bytes at most (what ``MAX_DATA_CHARS`` of base64 decodes to).
MAX_JPEG_BYTES = MAX_DATA_CHARS // 4 * 3


class Snapshot(BaseModel):
    """One still image of an event, masked before it was made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id = Field(default_factory=new_id, description="Snapshot id (the event's ``snapshot`` field names it).")
    event: Id = Field(description="Id of the event it shows.")
    sensor: Id = Field(description="Camera that took it (unique within its site).")
    time: UtcTime = Field(description="When the frame was taken (sensor clock), UTC.")
    media_type: Literal["image/jpeg"] = Field(default="image/jpeg", description="Media type of the image.")
    width: int = Field(ge=1, le=MAX_WIDTH, description="Image width, pixels.")
    height: int = Field(ge=1, le=MAX_HEIGHT, description="Image height, pixels.")
    data: str = Field(
        min_length=4, max_length=MAX_DATA_CHARS,
        description="The image bytes, base64 (RFC 4648, with padding); privacy masks are black (0) in it.",
    )

    @field_validator("data")
    @classmethod
    def _jpeg_base64(cls, value: str) -> str:
        try:
            head = base64.b64decode(value[:8], validate=True)
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("data is not base64") from None
        if not head.startswith(b"\xff\xd8\xff"):
            raise ValueError("data is not a JPEG image")
        return value

    def image(self) -> bytes:
        """The image bytes."""
        return base64.b64decode(self.data)

    @classmethod
    def of_jpeg(cls, jpeg: bytes, **fields: object) -> Snapshot:
        """A snapshot holding ``jpeg`` (its other fields as keywords)."""
        return cls.model_validate({**fields, "data": base64.b64encode(jpeg).decode("ascii")})


__all__ = ["MAX_DATA_CHARS", "MAX_HEIGHT", "MAX_JPEG_BYTES", "MAX_WIDTH", "Snapshot"]
