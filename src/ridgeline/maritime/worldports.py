"""The world's ports, built in: the NGA World Port Index (Pub. 150), public domain.

A landing that matters is a stop at a shore where no ship has business; a stop in a harbour is
a port call even when the sector's operator never typed that harbour in.  The index lists about
3,800 ports, each as one point with a harbour size; ``data/world_ports.csv.gz`` keeps the
columns the engine needs (``tools/world_ports.py`` rebuilds it from NGA's CSV).  The file is
read once per process; each port becomes a ``Port`` whose radius follows its harbour size.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ridgeline.config.maritime import Port, WorldPortRadii
from ridgeline.errors import DataFileNotFoundError, PortListError

WORLD_PORTS = Path(__file__).with_name("data") / "world_ports.csv.gz"
COLUMNS = ("wpi", "name", "country", "lat", "lon", "harbour_size", "harbour_type")


@dataclass(frozen=True)
class WorldPort:
    """One World Port Index entry: its index number, name, country, place and harbour class."""

    wpi: int
    name: str
    country: str
    lat: float
    lon: float
    harbour_size: str
    harbour_type: str

    def as_port(self, radii: WorldPortRadii) -> Port:
        """The port as the engine takes it, reaching as far as its harbour size says."""
        return Port(id=f"wpi-{self.wpi}", name=self.name, lat=self.lat, lon=self.lon,
                    radius_m=radii.for_size(self.harbour_size))


def read_world_ports(path: Path = WORLD_PORTS) -> tuple[WorldPort, ...]:
    """Every port in a port list file (gzipped CSV, header ``wpi,name,country,lat,lon,harbour_size,harbour_type``).

    Read once per path (the built-in list is the same for every engine); a file that cannot be
    read is a ``PortListError`` naming the file, the line and the field.
    """
    return _read(Path(path))


@lru_cache(maxsize=4)
def _read(path: Path) -> tuple[WorldPort, ...]:
    if not path.exists():
        raise DataFileNotFoundError(f"{path}: port list not found")
    try:
        with gzip.open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise PortListError(f"{path}: not a gzipped UTF-8 CSV ({exc})") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise PortListError(f"{path}: line 1: the header must be {','.join(COLUMNS)}, not {header}")
    ports = []
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(COLUMNS):
            raise PortListError(f"{path}: line {line}: {len(row)} fields, expected {len(COLUMNS)}")
        ports.append(WorldPort(
            wpi=int(_number(path, line, "wpi", row[0])), name=row[1].strip(), country=row[2].strip(),
            lat=_number(path, line, "lat", row[3], -90.0, 90.0), lon=_number(path, line, "lon", row[4], -180.0, 180.0),
            harbour_size=row[5].strip(), harbour_type=row[6].strip(),
        ))
    return tuple(ports)


def _number(path: Path, line: int, name: str, text: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    try:
        value = float(text)
    except ValueError:
        raise PortListError(f"{path}: line {line}: field {name} is {text!r}, not a number") from None
    if not lo <= value <= hi or math.isnan(value):
        raise PortListError(f"{path}: line {line}: field {name} is {value}, outside [{lo}, {hi}]")
    return value


def world_ports(radii: WorldPortRadii | None = None, path: Path = WORLD_PORTS) -> list[Port]:
    """The world ports as engine ports, each with its radius by harbour size (made once per radii)."""
    return list(_ports(radii or WorldPortRadii(), Path(path)))


@lru_cache(maxsize=8)
def _ports(radii: WorldPortRadii, path: Path) -> tuple[Port, ...]:
    return tuple(p.as_port(radii) for p in read_world_ports(path))
