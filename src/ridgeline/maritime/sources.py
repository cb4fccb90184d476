"""Reading an AIS source named on the command line: an NMEA file, a CSV file, a TCP or UDP feed.

``SOURCE`` is a path (NMEA, plain or gzip; ``.csv`` / ``.csv.gz`` for decoded positions), or
``tcp://HOST:PORT`` (a client that reconnects) or ``udp://HOST:PORT`` (a listener).  Files
are read whole into columns; feeds are read in chunks of about a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from ridgeline.errors import AisInputError
from ridgeline.maritime.csvinput import CsvReader
from ridgeline.maritime.feeds import TcpFeed, UdpFeed, file_lines
from ridgeline.maritime.nmea import NmeaDecoder
from ridgeline.maritime.positions import Positions, VesselInfo
from ridgeline.maritime.vesselids import VesselIds


@dataclass
class AisSource:
    """One source and what reading it found: statics, rejects by reason, lines read, its kind of vessel ids."""

    text: str
    columns: dict[str, str] | None = None
    statics: dict[int, VesselInfo] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    feed: TcpFeed | UdpFeed | None = None
    decoder: NmeaDecoder = field(default_factory=NmeaDecoder)
    ids: VesselIds = field(default_factory=VesselIds.mmsi)
    """The vessel ids: MMSIs for NMEA and feeds; for a CSV file, what its id column turned out to hold."""

    @property
    def kind(self) -> str:
        """nmea, csv, tcp or udp."""
        scheme = urlparse(self.text).scheme
        if scheme in ("tcp", "udp"):
            return scheme
        name = self.text.lower()
        return "csv" if name.endswith((".csv", ".csv.gz", ".tsv")) else "nmea"

    def read_file(self, on_progress: Callable[[int], None] | None = None) -> Positions:
        """Every position of a file source."""
        path = Path(self.text)
        if self.kind == "csv":
            reader = CsvReader(path, self.columns)
            parts = []
            for chunk in reader.chunks():
                parts.append(chunk)
                if on_progress:
                    on_progress(reader.rows)
            self.statics, self.rejected, self.lines = reader.statics, dict(reader.rejected), reader.rows
            self.ids = reader.ids
            return Positions.concat(parts)
        if self.kind != "nmea":
            raise AisInputError(f"{self.text}: not a file source")
        if self.columns:
            raise AisInputError(f"{self.text}: --columns applies to CSV files only")
        parts = []
        for line in file_lines(path):
            self.decoder.feed(line)
            self.lines += 1
            if self.lines % 100_000 == 0:
                parts.append(self.decoder.take())
                if on_progress:
                    on_progress(self.lines)
        parts.append(self.decoder.take())
        self.statics, self.rejected = self.decoder.statics, dict(self.decoder.rejected)
        return Positions.concat(parts)

    def live_chunks(self, chunk_s: float = 1.0) -> Iterator[Positions]:
        """Positions from a feed, about every ``chunk_s`` seconds, until ``stop``."""
        url = urlparse(self.text)
        if not url.hostname or not url.port:
            raise AisInputError(f"{self.text}: expected {url.scheme}://HOST:PORT")
        self.feed = TcpFeed(url.hostname, url.port) if self.kind == "tcp" else UdpFeed(url.hostname, url.port)
        last = time.monotonic()
        for line, received in self.feed.lines():
            self.decoder.feed(line, received)
            self.lines += 1
            if time.monotonic() - last >= chunk_s:
                last = time.monotonic()
                self.statics, self.rejected = self.decoder.statics, dict(self.decoder.rejected)
                yield self.decoder.take()
        yield self.decoder.take()

    def stop(self) -> None:
        """End a live feed."""
        if self.feed is not None:
            self.feed.stop()
