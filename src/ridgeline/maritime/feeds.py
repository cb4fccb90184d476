"""Where NMEA lines come from: files (plain or gzip), a TCP feed that reconnects, a UDP listener.

A receiver's TCP feed drops: the client reconnects with exponential backoff (0.5 s doubling to
30 s, reset after a connection that delivered data) and counts each drop, so a flaky link is
visible instead of silent.  Lines longer than the decoder accepts are cut off at a bound, so a
hostile peer cannot make the reader hold an endless line.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ridgeline.errors import DataFileNotFoundError

MAX_BUFFER = 64 * 1024
"""A peer sending this much without a newline is sending garbage: the buffer is dropped."""


def file_lines(path: Path) -> Iterator[bytes]:
    """The lines of an NMEA file, plain or gzip (by content, not name)."""
    if not path.exists():
        raise DataFileNotFoundError(f"{path}: AIS file not found")
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as stream:
        yield from stream


def _split(buffer: bytearray, data: bytes) -> list[bytes]:
    buffer += data
    if b"\n" not in buffer:
        if len(buffer) > MAX_BUFFER:
            buffer.clear()
            return [b"\x00" * 2000]  # counted by the decoder as one overlong line
        return []
    *lines, rest = bytes(buffer).split(b"\n")
    buffer[:] = rest
    return lines


@dataclass
class _Feed:
    """A source of lines that runs until ``stop``."""

    _stop: threading.Event = field(default_factory=threading.Event, kw_only=True)

    def stop(self) -> None:
        """Make ``lines`` return at its next chance."""
        self._stop.set()

    def _recv(self, sock: socket.socket) -> bytes | None:
        """The next data from ``sock`` (which has a short timeout); None once stopped."""
        while not self._stop.is_set():
            try:
                return sock.recv(65536)
            except TimeoutError:
                continue
        return None


@dataclass
class TcpFeed(_Feed):
    """NMEA lines from a TCP server (a receiver or an aggregator), reconnecting forever until stopped."""

    host: str
    port: int
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    connect_timeout_s: float = 5.0
    connects: int = 0
    drops: int = 0

    def lines(self) -> Iterator[tuple[bytes, float]]:
        """(line, time received) for as long as the feed is not stopped."""
        backoff = self.initial_backoff_s
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
            except OSError:
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            self.connects += 1
            got_data = False
            buffer = bytearray()
            sock.settimeout(0.5)
            try:
                while True:
                    data = self._recv(sock)
                    if not data:  # stopped, or the server hung up
                        break
                    got_data = True
                    now = time.time()
                    for line in _split(buffer, data):
                        yield line, now
            except OSError:
                pass
            finally:
                sock.close()
            if self._stop.is_set():
                return
            self.drops += 1
            if got_data:
                backoff = self.initial_backoff_s
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)


@dataclass
class UdpFeed(_Feed):
    """NMEA lines from UDP datagrams sent to ``host:port`` (one or more lines each)."""

    host: str
    port: int
    bound_port: int = 0

    def lines(self) -> Iterator[tuple[bytes, float]]:
        """(line, time received) until stopped."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.host, self.port))
        self.bound_port = sock.getsockname()[1]
        sock.settimeout(0.5)
        try:
            while (data := self._recv(sock)) is not None:
                now = time.time()
                for line in data.split(b"\n"):
                    if line.strip():
                        yield line, now
        finally:
            sock.close()
