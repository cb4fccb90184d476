"""A live RTSP camera that can be dropped and brought back, for tests and soak runs.

Debian's ffmpeg publishes a clip (looped, H.264, two keyframes a second) to Debian's
``rtsp-server-perl`` relay on free ports; a client plays ``url`` from the relay.  ``down``
kills both (the stream is gone, connections refused) and ``up`` starts them again on the
same ports, as a camera on a flaky mast does.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ridgeline.errors import VideoError
from ridgeline.transport.embedded import free_port, port_in_use, wait_for
from ridgeline.vision.video import FrameSource


class RtspCamera:
    """The relay and the publisher of one clip."""

    def __init__(self, clip: Path) -> None:
        self.clip = clip
        self.client_port, self.source_port = free_port(), free_port()
        self.relay: subprocess.Popen[bytes] | None = None
        self.publisher: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where clients play the stream."""
        return f"rtsp://127.0.0.1:{self.client_port}/cam"

    def up(self) -> None:
        """Start the relay (its RTP ports away from any other relay's) and the publisher."""
        rtp = 30000 + 2 * (self.client_port % 10000)
        self.relay = subprocess.Popen(
            ["rtsp-server-perl", "-c", str(self.client_port), "-s", str(self.source_port),
             "--rtp_start_port", str(rtp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: port_in_use(self.source_port) and port_in_use(self.client_port), 10):
            self.down()
            raise RuntimeError("the RTSP relay did not start")
        self.publisher = subprocess.Popen(
            ["ffmpeg", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(self.clip), "-c:v", "libx264",
             "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-f", "rtsp",
             f"rtsp://127.0.0.1:{self.source_port}/cam"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def down(self) -> None:
        """Kill the publisher and the relay."""
        for proc in (self.publisher, self.relay):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        self.publisher = self.relay = None

    def open(self, detect_fps: float = 10.0, stall_s: float = 2.0, wait_s: float = 20.0) -> FrameSource:
        """A source playing the stream, once the publisher has started it."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return FrameSource(self.url, detect_fps=detect_fps, stall_s=stall_s)
            except VideoError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)  # the publisher is still starting
