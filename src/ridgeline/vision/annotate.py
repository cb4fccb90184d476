"""An annotated copy of the video: tracks, lines, zones, events; privacy masks blacked out.

The masks are blacked last, on whole 16 x 16 macroblocks (``PrivacyMask.apply_for_jpeg``),
so neither an overlay nor the encoder's blocks put anything inside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import cv2
import numpy as np

from ridgeline.vision.detections import Detections
from ridgeline.vision.pipeline import TrackEvent
from ridgeline.vision.privacy import PrivacyMask
from ridgeline.vision.rules import LineRule, ZoneRule
from ridgeline.vision.video import Frame


class Annotator:
    """Writes an H.264 MP4 at the detect rate."""

    def __init__(self, path: Path, width: int, height: int, fps: float, lines: list[LineRule],
                 zones: list[ZoneRule], masks: Sequence[Sequence[tuple[float, float]]] | PrivacyMask = ()) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = av.open(str(path), "w")
        self._stream = self._out.add_stream("libx264", rate=max(int(round(fps)), 1))
        self._stream.width = width - width % 2
        self._stream.height = height - height % 2
        self._stream.pix_fmt = "yuv420p"
        self.lines = lines
        self.zones = zones
        self.privacy = masks if isinstance(masks, PrivacyMask) else PrivacyMask(masks)
        self._flash: dict[int, int] = {}

    def __call__(self, frame: Frame, tracks: Detections, events: list[TrackEvent]) -> None:
        img = frame.bgr.copy() if frame.bgr is not None else cv2.cvtColor(frame.luma, cv2.COLOR_GRAY2BGR)
        img = self.privacy.apply(img)  # nothing of a masked region reaches an overlay either
        for z in self.zones:
            cv2.polylines(img, [np.round(np.asarray(z.polygon)).astype(np.int32)], True, (0, 200, 255), 2)
        for ln in self.lines:
            p1 = (int(round(ln.p1[0])), int(round(ln.p1[1])))
            p2 = (int(round(ln.p2[0])), int(round(ln.p2[1])))
            cv2.line(img, p1, p2, (255, 160, 0), 2)
        for e in events:
            self._flash[e.track.number] = 8
        for tid, box in zip(tracks.track_ids.tolist(), tracks.xyxy, strict=True):
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            hot = self._flash.get(tid, 0) > 0
            colour = (0, 0, 255) if hot else (0, 255, 0)
            cv2.rectangle(img, (x1, y1), (x2, y2), colour, 2)
            cv2.putText(img, str(tid), (x1, max(y1 - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1)
        self._flash = {k: v - 1 for k, v in self._flash.items() if v > 1}
        img = self.privacy.apply_for_jpeg(img)
        img = img[: self._stream.height, : self._stream.width]
        for packet in self._stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")):
            self._out.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._out.mux(packet)
        self._out.close()
