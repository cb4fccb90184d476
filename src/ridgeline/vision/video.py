"""Video input through PyAV: files and streams, sampled at the detect rate, decoded off the main thread.

A ``FrameSource`` yields ``Frame``s (index in the stream, time in seconds, the luma plane
and, when asked for, the colour image) at about ``detect_fps``.  Decoding runs in a thread
that fills a small queue, so detection and decoding overlap.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ridgeline.errors import DataFileNotFoundError, VideoError


@dataclass(frozen=True)
class Frame:
    """One sampled frame."""

    index: int
    time_s: float
    luma: np.ndarray  # uint8, H x W
    bgr: np.ndarray | None = None  # uint8, H x W x 3, when colour was asked for


def is_stream(source: str) -> bool:
    return source.split("://", 1)[0].lower() in ("rtsp", "rtsps", "http", "https", "rtmp", "udp", "tcp")


@dataclass(frozen=True)
class StatusChange:
    """A stream went offline (stalled, dropped) or came back."""

    online: bool
    time_s: float
    reason: str = ""


class FrameSource:
    """Frames of one video file or stream.

    A file is read once.  A stream (rtsp://, http://...) is read until ``close()``: when it
    stalls (no packet for ``stall_s``) or drops, the source reports ``StatusChange(online=
    False)`` and reconnects with backoff (0.5 s doubling to 8 s); the first frame after
    that reports ``StatusChange(online=True)``.  Stream times are seconds since the source
    started, so they keep increasing across reconnects.
    """

    def __init__(self, source: str | Path, detect_fps: float = 15.0, colour: bool = False,
                 queue_size: int = 8, stall_s: float = 5.0) -> None:
        self.source = str(source)
        self.live = is_stream(self.source)
        self.stall_s = stall_s
        self.detect_fps = detect_fps
        if not self.live and not Path(self.source).is_file():
            raise DataFileNotFoundError(f"video {self.source}: no such file")
        self._container, self._stream = self._open()
        self.colour = colour
        self._queue: queue.Queue[Frame | StatusChange | BaseException | None] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._online = True
        self._thread = threading.Thread(target=self._decode, name="decode", daemon=True)

    def _open(self) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
        try:
            options = {"rtsp_transport": "udp"} if self.source.lower().startswith("rtsp") else {}
            container = av.open(self.source, options=options,
                                timeout=(self.stall_s * 2, self.stall_s) if self.live else None)
            stream = container.streams.video[0]
        except (av.error.FFmpegError, IndexError, OSError) as exc:
            raise VideoError(f"video {self.source}: {exc}") from exc
        stream.thread_type = "AUTO"
        rate = stream.average_rate
        self.fps = float(rate) if rate else 25.0
        self.width = stream.codec_context.width
        self.height = stream.codec_context.height
        self.frames = stream.frames or None
        self.every = max(1, round(self.fps / self.detect_fps)) if self.detect_fps > 0 else 1
        return container, stream

    def _put(self, item: Frame | StatusChange | BaseException | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _decode(self) -> None:
        if not self.live:
            try:
                self._read(self._container, self._stream, 0)
                self._put(None)
            except (av.error.FFmpegError, OSError) as exc:
                self._put(VideoError(f"video {self.source}: {exc}"))
            return
        container: av.container.InputContainer | None = self._container
        stream = self._stream
        index = 0
        backoff = 0.5
        try:
            while not self._stop.is_set():
                if container is not None:
                    try:
                        index = self._read(container, stream, index, on_first=None if self._online else self._back)
                        reason = "the stream ended"
                    except (av.error.FFmpegError, OSError) as exc:
                        reason = str(exc)[:200]
                    container.close()
                    container = None
                    if self._stop.is_set():
                        break
                    if self._online:
                        self._online = False
                        self._put(StatusChange(False, time.monotonic() - self._t0, reason))
                        backoff = 0.5
                if self._stop.wait(backoff):
                    break  # closed while waiting: no new connection
                backoff = min(backoff * 2, 8.0)
                try:
                    container, stream = self._open()
                except VideoError:
                    container = None
        finally:
            # a connection made while close() was under way is this thread's to close
            if container is not None:
                with contextlib.suppress(av.error.FFmpegError, OSError):
                    container.close()

    def _back(self) -> None:
        self._online = True
        self._put(StatusChange(True, time.monotonic() - self._t0))

    def _read(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream, index: int,
              on_first: Callable[[], None] | None = None) -> int:
        """Decode until the end; returns the next frame index."""
        first = True
        for frame in container.decode(stream):
            if self._stop.is_set():
                break
            if first and on_first is not None:
                on_first()
            first = False
            i = index
            index += 1
            if i % self.every:
                continue
            if self.live:
                t = time.monotonic() - self._t0
            else:
                t = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else i / self.fps
            bgr = frame.to_ndarray(format="bgr24") if self.colour else None
            self._put(Frame(i, t, _luma(frame), bgr))
        return index

    def __iter__(self) -> Iterator[Frame | StatusChange]:
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
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._container is not None:
            with contextlib.suppress(av.error.FFmpegError, OSError):
                self._container.close()


_PLANAR_LUMA = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The frame's luma: its Y plane as it is (no copy, no conversion) where the format has
    one — the common case — else a conversion."""
    if frame.format.name in _PLANAR_LUMA:
        plane = frame.planes[0]
        return np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
    return frame.to_ndarray(format="gray")
