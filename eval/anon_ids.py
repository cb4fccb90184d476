"""Anonymised vessel ids on the evaluation-only AIS files: does hiding the MMSIs change what is found?

Published track data sets replace each MMSI by a number or a hash.  This takes the Baltic
(``ais/baltic_2018-04-01.csv``) and Strait of Gibraltar (``ais/gibraltar_2016-06-01.csv``) files,
writes each again in a temporary file with every MMSI replaced by ``1..N`` (in order of first
report; every other column as it was), judges both the way ``ridgeline ais`` does (the same
loop, shore and ports as ``eval/ais.py``), and prints for each: rows, vessels and behaviours
with MMSIs and with anonymised ids, and the precision and recall of the behaviours found with
anonymised ids against those found with MMSIs.  Two behaviours match when they are of the same
kind, concern the same vessels (ids mapped back to MMSIs) and start within ``--slack`` minutes.

What can differ: with MMSIs hidden, only the ship type the file gives tells a ship from an aid
to navigation or a station (``vesselids.STATION_TYPES``); what has a bad MMSI (``17620``) or a
non-ship MMSI with a vessel's type is judged as a vessel.  The behaviours that concern such ids
are listed.  The Gibraltar file holds no real landing (``eval/ais.py``), so ``eval/ais.py``'s
planted boat (a 45-minute stop off Bolonia beach) is added to it, MMSIs and ids alike.

Run from the repository root: ``.venv/bin/python -m eval.anon_ids [--data ../shared/data]``.
The data files are read where they are and never copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from eval.ais import PLANTED, PLANTED_START, planted_track
from ridgeline.config.maritime import MaritimeConfig, read_ports
from ridgeline.maritime.behaviour import KINDS, Behaviour
from ridgeline.maritime.judging import BehaviourStream
from ridgeline.maritime.shore import Shore, read_elevation, shore_for
from ridgeline.maritime.sources import AisSource
from ridgeline.maritime.tracks import END_SHIP_MMSI, FIRST_SHIP_MMSI

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
ID_COLUMNS = ("mmsi",)
"""The id column of both files (``mmsi`` / ``MMSI``)."""


@dataclass
class Judged:
    """What one file gave: rows read and kept, vessels, the behaviours, and whether the ids were taken as MMSIs."""

    rows: int
    kept: int
    dropped: dict[str, int]
    vessels: int
    behaviours: list[Behaviour]
    mmsi: bool


def judge(path: Path, config: MaritimeConfig, shore: Callable[[tuple[float, float, float, float] | None], Shore]
          ) -> Judged:
    """``path`` judged as ``ridgeline ais`` judges a file (the same loop, chunk size 50,000)."""
    stream = BehaviourStream(AisSource(str(path)), config, shore, chunk=50_000)
    last = {b.key: b for step in stream.steps() for b in step.behaviours}
    engine = stream.engine
    assert engine is not None
    return Judged(stream.source.lines, engine.reports, {k: v for k, v in engine.tracks.dropped.items() if v},
                  len(engine.tracks.slots), sorted(last.values(), key=lambda b: (b.kind, b.start)),
                  stream.source.ids.are_mmsis)


def anonymise(path: Path, out: Path) -> dict[int, int]:
    """``path`` written to ``out`` with every MMSI replaced by 1..N in order of first report; id -> MMSI."""
    with path.open(newline="") as src:
        header = src.readline()
        delimiter = max(",;\t|", key=header.count)
        src.seek(0)
        rows = csv.reader(src, delimiter=delimiter)
        names = next(rows)
        column = next(k for k, n in enumerate(names) if n.strip('"').lower() in ID_COLUMNS)
        ids: dict[str, int] = {}
        with out.open("w", newline="") as dst:
            writer = csv.writer(dst, delimiter=delimiter)
            writer.writerow(names)
            for row in rows:
                if column < len(row):
                    row[column] = str(ids.setdefault(row[column], len(ids) + 1))
                writer.writerow(row)
    return {n: int(float(m)) for m, n in ids.items() if m.replace(".", "", 1).isdigit()}


def with_planted(path: Path, out: Path) -> None:
    """``path`` (the Gibraltar file: ``;``, ``TIMESTAMP_UTC`` as ``YYYY-MM-DD HH:MM:SS``) written to
    ``out`` with ``eval/ais.py``'s planted boat added and every row in time order: the file's one
    landing, so that a landing is among what the two runs are compared on."""
    with path.open(newline="") as src:
        rows = list(csv.reader(src, delimiter=";"))
    names, body = rows[0], rows[1:]
    at = {n: k for k, n in enumerate(names)}
    stamp = at["TIMESTAMP_UTC"]
    first = min(datetime.strptime(r[stamp], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) for r in body if len(r) > stamp)
    for t, lat, lon, knots in planted_track(first.timestamp() + PLANTED_START):
        row = ["NULL"] * len(names)
        for name, value in (("MMSI", PLANTED), ("STATUS", 0), ("SPEED_KNOTSx10", round(knots * 10)),
                            ("LON", f"{lon:.6f}"), ("LAT", f"{lat:.6f}"), ("COURSE", 0), ("HEADING", 511),
                            ("TIMESTAMP_UTC", datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S"))):
            row[at[name]] = str(value)
        body.append(row)
    body.sort(key=lambda r: r[stamp] if len(r) > stamp else "")
    with out.open("w", newline="") as dst:
        csv.writer(dst, delimiter=";").writerows([names, *body])


def match(truth: list[Behaviour], found: list[Behaviour], mmsi_of: dict[int, int], slack_s: float) -> int:
    """How many of ``found`` (anonymised) pair one to one with ``truth`` (MMSIs): same kind, same
    vessels, starts within ``slack_s``; each takes the unpaired truth closest in start."""
    free: dict[tuple[str, tuple[int, ...]], list[Behaviour]] = {}
    for b in truth:
        free.setdefault((b.kind, tuple(sorted(b.vessels))), []).append(b)
    paired = 0
    for b in found:
        candidates = free.get((b.kind, tuple(sorted(mmsi_of.get(v, -v) for v in b.vessels))), [])
        near = [c for c in candidates if abs(c.start - b.start) <= slack_s]
        if near:
            candidates.remove(min(near, key=lambda c: abs(c.start - b.start)))
            paired += 1
    return paired


def not_ships(judged_ids: dict[int, int]) -> int:
    """How many of the anonymised vessels were not ships under their MMSIs (beacons, base stations…)."""
    return sum(1 for m in judged_ids.values() if not FIRST_SHIP_MMSI <= m < END_SHIP_MMSI)


def compare(name: str, path: Path, config: MaritimeConfig, shore: Shore, slack_s: float, plant: bool = False) -> None:
    """Judge ``path`` (with ``plant``, the planted boat added) with its MMSIs and with 1..N, and
    print what each found and how they agree."""
    with tempfile.TemporaryDirectory() as tmp:
        if plant:
            with_planted(path, Path(tmp) / f"planted-{path.name}")
            path = Path(tmp) / f"planted-{path.name}"
        hidden = Path(tmp) / f"ids-{path.name}"
        mmsi_of = anonymise(path, hidden)
        with_mmsi = judge(path, config, lambda _: shore)
        with_ids = judge(hidden, config, lambda _: shore)
    paired = match(with_mmsi.behaviours, with_ids.behaviours, mmsi_of, slack_s)
    print(f"{name} ({path.name}, {with_mmsi.rows:,} rows):")
    for label, j in (("with MMSIs", with_mmsi), ("with ids 1..N", with_ids)):
        kinds = Counter(b.kind for b in j.behaviours)
        by_kind = ", ".join(f"{k} {kinds[k]}" for k in KINDS if kinds[k])
        print(f"  {label:<14} ids taken as {'MMSIs' if j.mmsi else 'anonymised'}: {j.kept:,} positions kept "
              f"({', '.join(f'{k} {v:,}' for k, v in j.dropped.items()) or 'none dropped'}), {j.vessels} vessels, "
              f"{len(j.behaviours)} behaviours ({by_kind or 'none'})")
    extra = [b for b in with_ids.behaviours if any(not FIRST_SHIP_MMSI <= mmsi_of.get(v, 0) < END_SHIP_MMSI
                                                   for v in b.vessels)]
    precision = paired / len(with_ids.behaviours) if with_ids.behaviours else 1.0
    recall = paired / len(with_mmsi.behaviours) if with_mmsi.behaviours else 1.0
    print(f"  behaviours with ids against with MMSIs (same kind, vessels, start within {slack_s / 60:.0f} min): "
          f"{paired} matched, precision {precision:.3f}, recall {recall:.3f}")
    print(f"  {not_ships(mmsi_of)} of the {len(mmsi_of)} ids are not ships under their MMSIs (aids to navigation, "
          f"base stations, SAR aircraft, bad MMSIs); {len(extra)} behaviours with ids concern one of them")
    for b in extra:
        who = " + ".join(str(mmsi_of.get(v, v)) for v in b.vessels)
        print(f"    {b.kind}: MMSI {who} at {b.lat:.4f}, {b.lon:.4f}, {b.duration_s / 3600:.1f} h")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--slack", type=float, default=10.0, help="minutes two matched behaviours' starts may differ")
    args = parser.parse_args()
    slack_s = args.slack * 60.0
    baltic = args.data / "ais" / "baltic_2018-04-01.csv"
    positions = AisSource(str(baltic)).read_file()
    compare("Baltic", baltic, MaritimeConfig(), shore_for(positions.bounds()), slack_s)
    gibraltar = args.data / "ais" / "gibraltar_2016-06-01.csv"
    positions = AisSource(str(gibraltar)).read_file()
    ports = read_ports(REPO / "eval" / "gibraltar_ports.geojson")
    shore = shore_for(positions.bounds(), read_elevation([str(args.data / "terrain" / "N36W006.hgt")]))
    compare("Strait of Gibraltar, one planted boat", gibraltar, MaritimeConfig(ports=ports), shore, slack_s, plant=True)


if __name__ == "__main__":
    main()
