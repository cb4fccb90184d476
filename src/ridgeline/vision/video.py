"""Video input through PyAV: files and streams, sampled at the detect rate, decoded off the main thread.

A ``FrameSource`` yields ``Frame``s (index in the stream, time in seconds, the luma plane
and, when asked for, the colour image) at about ``detect_fps``.  Decoding runs in a thread
that fills a small queue, so detection and decoding overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ridgeline.errors import DataFileNotFoundError, RidgelineError


class VideoError(RidgelineError, OSError):
    """A video source cannot be opened or decoded."""


@dataclass(frozen=True)
class Frame:
    """One sampled frame."""

    index: int
    time_s: float
    luma: np.ndarray  # uint8, H x W
    bgr: np.ndarray | None = None  # uint8, H x W x 3, when colour was asked for


def is_stream(source: str) -> bool:
    return source.split("://", 1)[0].lower() in ("rtsp", "rtsps", "http", "https", "rtmp", "udp", "tcp")


class FrameSource:
    """Frames of one video file or stream."""

    def __init__(self, source: str | Path, detect_fps: float = 15.0, colour: bool = False,
                 queue_size: int = 8) -> None:
        self.source = str(source)
        if not is_stream(self.source) and not Path(self.source).is_file():
            raise DataFileNotFoundError(f"video {self.source}: no such file")
        try:
            self._container = av.open(self.source, timeout=10.0 if is_stream(self.source) else None)
            self._stream = self._container.streams.video[0]
        except (av.error.FFmpegError, IndexError, OSError) as exc:
            raise VideoError(f"video {self.source}: {exc}") from exc
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate
        self.fps = float(rate) if rate else 25.0
        self.width = self._stream.codec_context.width
        self.height = self._stream.codec_context.height
        self.frames = self._stream.frames or None
        self.every = max(1, round(self.fps / detect_fps)) if detect_fps > 0 else 1
        self.colour = colour
        self._queue: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._decode, name="decode", daemon=True)

    def _decode(self) -> None:
        try:
            for i, frame in enumerate(self._container.decode(self._stream)):
                if self._stop.is_set():
                    break
                if i % self.every:
                    continue
                t = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else i / self.fps
                luma = _luma(frame)
                bgr = frame.to_ndarray(format="bgr24") if self.colour else None
                self._queue.put(Frame(i, t, luma, bgr))
            self._queue.put(None)
        except (av.error.FFmpegError, OSError) as exc:
            self._queue.put(VideoError(f"video {self.source}: {exc}"))

    def __iter__(self) -> Iterator[Frame]:
        self._thread.start()
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._thread.join(timeout=5)
        self._container.close()


_PLANAR_LUMA = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The frame's luma: its Y plane as it is (no copy, no conversion) where the format has
    one — the common case — else a conversion."""
    if frame.format.name in _PLANAR_LUMA:
        plane = frame.planes[0]
        return np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
    return frame.to_ndarray(format="gray")
