"""The snapshot message: a bounded JPEG that fits the wire with room to spare."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from ridgeline.model import Envelope, MessageType, Snapshot, new_id, utc_now
from ridgeline.model.snapshot import MAX_DATA_CHARS, MAX_JPEG_BYTES
from ridgeline.transport.wire import WireLimits, decode, encode


def fields() -> dict[str, object]:
    return {"event": new_id(), "sensor": "cam", "time": utc_now(), "width": 640, "height": 360}


def test_the_largest_snapshot_fits_one_message_well_under_the_limit() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(MAX_JPEG_BYTES - 4)
    snap = Snapshot.of_jpeg(jpeg, **fields())
    assert snap.image() == jpeg and len(snap.data) == MAX_DATA_CHARS
    now = utc_now()
    env = Envelope(id=new_id(), site="s1", seq=1, type=MessageType.SNAPSHOTS, time=now, sent=now,
                   payload=snap.model_dump(mode="json"))
    raw = encode(env)
    assert len(raw) < WireLimits().max_payload_bytes * 0.5
    assert decode("ridgeline/v1/s1/snapshots", raw).body() == snap
    with pytest.raises(ValidationError, match="data"):
        Snapshot.of_jpeg(jpeg + bytes(3), **fields())


def test_what_is_not_a_base64_jpeg_is_refused() -> None:
    _, png = cv2.imencode(".png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValidationError, match="not a JPEG"):
        Snapshot.of_jpeg(png.tobytes(), **fields())
    with pytest.raises(ValidationError, match="not base64"):
        Snapshot(data="/9j/4AAQ" + "*" * 8, **fields())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="width"):
        Snapshot.of_jpeg(b"\xff\xd8\xff\xe0", **{**fields(), "width": 1920})
    assert base64.b64decode(Snapshot.of_jpeg(b"\xff\xd8\xff\xe0", **fields()).data) == b"\xff\xd8\xff\xe0"
