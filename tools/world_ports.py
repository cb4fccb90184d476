"""Rebuild ``src/ridgeline/maritime/data/world_ports.csv.gz`` from the NGA World Port Index.

The World Port Index (NGA Pub. 150) is a work of the US Government, in the public domain.
NGA publishes it as ``UpdatedPub150.csv`` (one row per port, about a hundred columns); the
engine needs six of them, so this keeps those and writes them gzipped, sorted by WPI number:

    wpi, name, country, lat, lon, harbour_size, harbour_type

Usage (from the repository root)::

    python tools/world_ports.py UpdatedPub150.csv [--out src/ridgeline/maritime/data/world_ports.csv.gz]

The copy shipped was made from the edition current in March 2025 (3,803 ports), as found in the public
GitHub repository JamesRexMiller4/shapely_tut (file ``WPI.csv``, commit 1b4b568 of 2025-03-25), NGA's
``UpdatedPub150.csv`` unchanged.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "ridgeline" / "maritime" / "data" / "world_ports.csv.gz"
COLUMNS = {
    "wpi": "World Port Index Number",
    "name": "Main Port Name",
    "country": "Country Code",
    "lat": "Latitude",
    "lon": "Longitude",
    "harbour_size": "Harbor Size",
    "harbour_type": "Harbor Type",
}


def convert(source: Path, out: Path) -> int:
    """Write the compact list from NGA's CSV; the number of ports written."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS.values() if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{source}: not NGA's UpdatedPub150.csv (no column {', '.join(missing)})")
        rows = []
        for row in reader:
            wpi = int(float(row[COLUMNS["wpi"]]))
            rows.append((
                wpi, row[COLUMNS["name"]].strip(), row[COLUMNS["country"]].strip(),
                f"{float(row[COLUMNS['lat']]):.6f}", f"{float(row[COLUMNS['lon']]):.6f}",
                row[COLUMNS["harbour_size"]].strip(), row[COLUMNS["harbour_type"]].strip(),
            ))
    rows.sort()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(COLUMNS))
    writer.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))  # no name, no time in the header: same input, same bytes
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="NGA's UpdatedPub150.csv")
    parser.add_argument("--out", type=Path, default=OUT, help="the compact file to write")
    args = parser.parse_args(argv)
    n = convert(args.source, args.out)
    print(f"{n} ports written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
