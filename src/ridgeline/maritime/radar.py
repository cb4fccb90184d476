"""Radar tracks: what a coastal radar says it follows, as JSON lines, one plot per line.

Each line is an object with ``track`` (id), ``time`` (ISO 8601 or seconds since 1970), ``lat``,
``lon`` and optional ``speed_kn`` and ``course_deg``.  A bad line is counted with its reason
and skipped; the good lines around it are kept.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ridgeline.maritime.positions import F64, I64


@dataclass(frozen=True)
class RadarPlots:
    """Radar plots as columns: track id, time (s since 1970), lat, lon."""

    track: I64
    time: F64
    lat: F64
    lon: F64

    def __len__(self) -> int:
        return len(self.time)


def _time(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("time is a boolean")
    if isinstance(value, int | float):
        t = float(value)
    elif isinstance(value, str):
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            raise ValueError("time has no time zone")
        t = stamp.timestamp()
    else:
        raise ValueError("time is neither a number nor a string")
    if not math.isfinite(t):
        raise ValueError("time is not finite")
    return t


@dataclass
class RadarReader:
    """Parses radar JSON lines; ``rejected`` counts the bad ones by reason."""

    rejected: Counter[str] = field(default_factory=Counter)

    def read(self, lines: Iterable[bytes | str]) -> RadarPlots:
        """The good plots among ``lines``."""
        track: list[int] = []
        time: list[float] = []
        lat: list[float] = []
        lon: list[float] = []
        for line in lines:
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                self.rejected["malformed_json"] += 1
                continue
            if not isinstance(doc, dict):
                self.rejected["not_an_object"] += 1
                continue
            try:
                tid = doc["track"]
                if isinstance(tid, bool) or not isinstance(tid, int | str):
                    raise ValueError("track")
                t = _time(doc["time"])
                la = doc["lat"]
                lo = doc["lon"]
                for value in (la, lo):
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise ValueError("lat/lon")
                if not (-90 <= la <= 90 and -180 <= lo <= 180):
                    raise ValueError("lat/lon")
            except (KeyError, ValueError, TypeError, OverflowError):
                self.rejected["bad_field"] += 1
                continue
            if isinstance(tid, int) and not -(2**63) <= tid < 2**63:
                self.rejected["bad_field"] += 1
                continue
            track.append(int(tid) if isinstance(tid, int) else _string_id(tid))
            time.append(t)
            lat.append(float(la))
            lon.append(float(lo))
        return RadarPlots(np.array(track, np.int64), np.array(time, np.float64), np.array(lat, np.float64),
                          np.array(lon, np.float64))


def _string_id(text: str) -> int:
    """A stable number for a string track id."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=7).digest(), "big")
