"""Decoded AIS positions from CSV files, whatever their columns are called.

Every provider names and scales its columns its own way (``lat`` or ``LAT`` or ``latitude``;
speed in knots, or ``SPEED_KNOTSx10``; time as epoch milliseconds or ``01/04/2018 05:19:48``).
The common names are recognised by themselves; anything else is said once with
``--columns``, e.g. ``time=TS,lat=Y,lon=X,sog=SPD*0.1,time_format=%d/%m/%Y %H:%M:%S``.
A bad row is counted with its reason and skipped; the good rows around it are kept.
The ``mmsi`` column may hold anonymised ids instead (``1..N``, hashes): see ``vesselids``.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ridgeline.errors import AisInputError, DataFileNotFoundError
from ridgeline.maritime.positions import PositionColumns, Positions, VesselInfo
from ridgeline.maritime.vesselids import VesselIds

FIELDS = ("time", "mmsi", "lat", "lon", "sog", "cog", "name", "ship_type", "length")
REQUIRED = ("time", "mmsi", "lat", "lon")

ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("timestamp", "time", "basedatetime", "timestamp_utc", "datetime", "date_time", "ts", "utc", "t"),
    "mmsi": ("mmsi", "userid", "vessel_id", "ship_id_mmsi", "vesselid", "ship_id", "shipid"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "long", "lng", "longitude", "x"),
    "sog": ("sog", "speed", "speed_knots", "speed_knotsx10", "speed_kn", "speed_over_ground"),
    "cog": ("cog", "course", "course_over_ground"),
    "name": ("name", "shipname", "vessel_name", "vesselname", "ship_name"),
    "ship_type": ("shiptype", "ship_type", "vessel_type", "vesseltype", "type"),
    "length": ("length", "ship_length", "loa"),
}

TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S")
MAX_ROWS_PER_CHUNK = 100_000


DELIMITERS = ",;\t|"
"""Column separators a CSV header may use; the one it uses most is the file's."""


@dataclass(frozen=True)
class ColumnMap:
    """Which CSV column holds each field, with a scale factor, and how time is written."""

    columns: dict[str, str]
    scales: dict[str, float] = field(default_factory=dict)
    time_format: str | None = None
    """A strptime format, 'epoch_s', 'epoch_ms', or None to guess from the first good row."""

    @staticmethod
    def parse(text: str) -> dict[str, str]:
        """``field=COLUMN[*scale],…,time_format=…`` into a raw mapping (time_format last: it may hold commas)."""
        out: dict[str, str] = {}
        rest = text
        if "time_format=" in text:
            rest, fmt = text.split("time_format=", 1)
            out["time_format"] = fmt
            rest = rest.rstrip(",")
        for item in filter(None, (p.strip() for p in rest.split(","))):
            if "=" not in item:
                raise AisInputError(f"--columns: {item!r} is not field=COLUMN")
            key, value = (s.strip() for s in item.split("=", 1))
            if key not in FIELDS:
                raise AisInputError(f"--columns: unknown field {key!r} (known: {', '.join(FIELDS)}, time_format)")
            out[key] = value
        return out


def _normal(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_")


def detect_columns(header: list[str], explicit: dict[str, str] | None = None, source: str = "CSV") -> ColumnMap:
    """The column map for a header: explicit choices first, the usual names for the rest."""
    explicit = dict(explicit or {})
    time_format = explicit.pop("time_format", None)
    by_name = {_normal(h): h for h in header}
    columns: dict[str, str] = {}
    scales: dict[str, float] = {}
    for key, spec in explicit.items():
        column, _, scale = spec.partition("*")
        if _normal(column) not in by_name:
            raise AisInputError(f"{source}: --columns {key}={column}: no such column (columns: {', '.join(header)})")
        columns[key] = by_name[_normal(column)]
        if scale:
            try:
                scales[key] = float(scale)
            except ValueError as exc:
                raise AisInputError(f"{source}: --columns {key}: scale {scale!r} is not a number") from exc
    for key in FIELDS:
        if key in columns:
            continue
        for alias in ALIASES[key]:
            if alias in by_name and by_name[alias] not in columns.values():
                columns[key] = by_name[alias]
                if "x10" in alias:
                    scales[key] = 0.1
                break
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise AisInputError(
            f"{source}: no column for {', '.join(missing)} (columns: {', '.join(header)}); "
            "name them with --columns, e.g. --columns time=TS,lat=Y,lon=X"
        )
    return ColumnMap(columns, scales, time_format)


def _parse_time(text: str, fmt: str | None) -> tuple[float, str]:
    """Seconds since 1970 and the format that read it."""
    text = text.strip().strip('"')
    if fmt in (None, "epoch_s", "epoch_ms"):
        try:
            value = float(text)
        except ValueError:
            if fmt is not None:
                raise
        else:
            if not math.isfinite(value):
                raise ValueError("time is not finite")
            if fmt == "epoch_ms" or (fmt is None and value > 1e11):
                return value / 1000.0, "epoch_ms"
            return value, "epoch_s"
    if fmt is not None and fmt != "iso":
        return datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp(), fmt
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp(), "iso"
    except ValueError:
        pass
    for candidate in TIME_FORMATS:
        try:
            return datetime.strptime(text, candidate).replace(tzinfo=UTC).timestamp(), candidate
        except ValueError:
            continue
    raise ValueError(f"time {text!r} in no known format")


@dataclass
class CsvReader:
    """Reads one CSV file of decoded positions in chunks; ``rejected`` counts bad rows by reason.

    The id column may hold MMSIs or anonymised ids (integers, hashes): each becomes a key of
    ``ids``, and the positions' ``vessel`` column holds the keys.
    """

    path: Path
    columns: dict[str, str] | None = None
    rejected: Counter[str] = field(default_factory=Counter)
    statics: dict[int, VesselInfo] = field(default_factory=dict)
    rows: int = 0
    ids: VesselIds = field(default_factory=VesselIds)
    """The vessel ids read: their keys, and whether they are MMSIs (decided on the whole file)."""

    def chunks(self, size: int = MAX_ROWS_PER_CHUNK) -> Iterator[Positions]:
        """Positions, ``size`` rows at a time, in file order."""
        if not self.path.exists():
            raise DataFileNotFoundError(f"{self.path}: AIS file not found")
        import gzip

        opener = gzip.open if self.path.suffix == ".gz" else open
        with opener(self.path, "rt", encoding="utf-8", errors="replace", newline="") as stream:
            assert isinstance(stream, io.TextIOBase)
            first = stream.readline()
            stream.seek(0)
            # the delimiter is read off the header alone: rows are data, and a stray quote or
            # semicolon in them made a sniffer of the whole sample split the header wrongly
            delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
            reader = csv.reader(stream, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                raise AisInputError(f"{self.path}: empty file (no header row)")
            cmap = detect_columns(header, self.columns, str(self.path))
            index = {k: header.index(v) for k, v in cmap.columns.items()}
            fmt = cmap.time_format
            scale = cmap.scales
            out = PositionColumns()
            for row in reader:
                self.rows += 1
                try:
                    t, fmt = _parse_time(row[index["time"]], fmt)
                    cell = row[index["mmsi"]]
                    lat = float(row[index["lat"]]) * scale.get("lat", 1.0)
                    lon = float(row[index["lon"]]) * scale.get("lon", 1.0)
                except (ValueError, IndexError, OverflowError):
                    self.rejected["bad_field"] += 1
                    continue
                if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                    self.rejected["out_of_range"] += 1
                    continue
                mmsi = self.ids.key(cell)
                if mmsi is None:
                    self.rejected[self.ids.refused] += 1
                    continue
                sog = self._number(row, index.get("sog"), scale.get("sog", 1.0))
                cog = self._number(row, index.get("cog"), scale.get("cog", 1.0))
                out.append(t, mmsi, lat, lon, sog if sog < 102.2 else math.nan, cog if cog < 360.0 else math.nan)
                if mmsi not in self.statics:
                    self._static(row, index, mmsi)
                if len(out) >= size:
                    yield out.drain()
            if len(out):
                yield out.drain()

    @staticmethod
    def _number(row: list[str], column: int | None, scale: float) -> float:
        if column is None or column >= len(row):
            return math.nan
        try:
            value = float(row[column]) * scale
        except ValueError:
            return math.nan
        return value if math.isfinite(value) and value >= 0 else math.nan

    def _static(self, row: list[str], index: dict[str, int], mmsi: int) -> None:
        def text(key: str) -> str | None:
            k = index.get(key)
            if k is None or k >= len(row):
                return None
            value = row[k].strip().strip('"')
            return value if value and value.upper() not in ("NULL", "NAN", "NONE") else None

        length = self._number(row, index.get("length"), 1.0)
        self.statics[mmsi] = VesselInfo(
            mmsi=mmsi, name=text("name"), ship_type=(text("ship_type") or "").lower() or None,
            length_m=None if math.isnan(length) else length,
        )
