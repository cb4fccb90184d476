"""Vessel behaviours on the evaluation-only AIS files: the Baltic's encounters, the Strait of Gibraltar's
ports, anchorages, encounters and landings, each with a map.

Baltic (``ais/baltic_2018-04-01.csv``, 11 h, 387 vessels): the encounters with Global Fishing
Watch's thresholds, and — so the reader can check that berthing is not reported — the
candidates that were close and slow for two hours but set aside, with the reason (by a port or
anchorage, or within 1 km of the shore).  The shore is the global 1 km land mask.

Gibraltar (``ais/gibraltar_2016-06-01.csv``, 16 h, 524 vessels, with the shore from
``terrain/N36W006.hgt`` where it covers and the global mask elsewhere, and the official ports
in ``eval/gibraltar_ports.geojson``): the ports and learned anchorages in use, every encounter
and landing.

Run from the repository root: ``.venv/bin/python -m eval.ais [--data ../shared/data] [--out out/eval-ais]``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ridgeline.config.maritime import MaritimeConfig, Port, Thresholds, read_ports
from ridgeline.maritime.behaviour import LABELS, Behaviour, BehaviourEngine
from ridgeline.maritime.maps import draw_vessel_map
from ridgeline.maritime.positions import Positions, VesselInfo
from ridgeline.maritime.shore import Shore, read_elevation, shore_for
from ridgeline.maritime.sources import AisSource

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M")


def _who(mmsi: int, statics: dict[int, VesselInfo]) -> str:
    info = statics.get(mmsi)
    if info is None:
        return str(mmsi)
    return f"{mmsi} {info.name or '?'} ({info.ship_type or 'type ?'})"


def _run(positions: Positions, statics: dict[int, VesselInfo], config: MaritimeConfig,
         shore: Shore) -> tuple[list[Behaviour], BehaviourEngine]:
    engine = BehaviourEngine(config, shore)
    engine.update_statics(statics)
    found = engine.judge(positions, chunk=max(len(positions), 1))
    return sorted(found, key=lambda b: (b.kind, b.start)), engine


def _print(b: Behaviour, n: int, statics: dict[int, VesselInfo], engine: BehaviourEngine) -> None:
    who = " + ".join(_who(v, statics) for v in b.vessels)
    near, _, k = engine.anchorages.nearest(b.lat, b.lon)
    place = engine.anchorages.all()[k] if k >= 0 else None
    where = f"{near / 1000:.1f} km from {place.name or place.id}" if place is not None else "no port known"
    detail = ", ".join(f"{key} {value}" for key, value in b.detail.items() if value is not None)
    print(f"  {LABELS[b.kind]}{n} {b.kind}: {who}; {_when(b.start)}-{_when(b.end)} UTC, {b.duration_s / 3600:.1f} h; "
          f"at {b.lat:.4f}, {b.lon:.4f} ({where}); {detail}")


def _set_aside(positions: Positions, statics: dict[int, VesselInfo], shore: Shore, ports: list[Port],
               encounters: list[Behaviour], engine: BehaviourEngine) -> None:
    """What was close and slow long enough, but set aside: the same run with the place rules off."""
    loose = MaritimeConfig(ports=ports, thresholds=Thresholds(anchorage_exclusion_m=0, encounter_min_shore_m=0))
    candidates, _ = _run(positions, statics, loose, shore)
    kept = {b.key for b in encounters}
    aside = [c for c in candidates if c.kind == "encounter" and c.key not in kept]
    rows = []
    for b in aside:
        near, _, _ = engine.anchorages.nearest(b.lat, b.lon)
        to_shore = float(shore.distance_m(np.array([b.lat]), np.array([b.lon]))[0])
        rows.append((min(near, to_shore * 10), near, to_shore, b))
    by_port = sum(1 for _, near, _, _ in rows if near < 10_000)
    print(f"  {len(aside)} pairs set aside (close and slow for 2 h, but where vessels berth): {by_port} within 10 km "
          f"of a port or anchorage, {len(aside) - by_port} others under 1 km from shore; the most sea-like:")
    for _, near, to_shore, b in sorted(rows, key=lambda r: -r[0])[:6]:
        who = " + ".join(_who(v, statics) for v in b.vessels)
        print(f"    {who}; {_when(b.start)}, {b.duration_s / 3600:.1f} h at {b.lat:.4f}, {b.lon:.4f}: "
              f"{to_shore:.0f} m from shore, {near / 1000:.1f} km from the nearest port or anchorage")


def baltic(data: Path, out: Path) -> None:
    source = AisSource(str(data / "ais" / "baltic_2018-04-01.csv"))
    positions = source.read_file()
    shore = shore_for(positions.bounds())
    found, engine = _run(positions, source.statics, MaritimeConfig(), shore)
    encounters = [b for b in found if b.kind == "encounter"]
    print(f"Baltic: {len(positions):,} reports, {len(engine.tracks.slots)} vessels, {engine.stop_count} stops, "
          f"{sum(a.learned for a in engine.anchorages.all())} anchorages learned; {len(encounters)} encounters")
    for n, b in enumerate(encounters, 1):
        _print(b, n, source.statics, engine)
    _set_aside(positions, source.statics, shore, [], encounters, engine)
    draw_vessel_map(out / "baltic.png", positions, encounters, engine.anchorages.all(), shore,
                    title="Baltic 2018-04-01: encounters (GFW thresholds)")
    print(f"  map: {out / 'baltic.png'}")


def gibraltar(data: Path, out: Path) -> None:
    source = AisSource(str(data / "ais" / "gibraltar_2016-06-01.csv"))
    positions = source.read_file()
    ports = read_ports(REPO / "eval" / "gibraltar_ports.geojson")
    shore = shore_for(positions.bounds(), read_elevation([str(data / "terrain" / "N36W006.hgt")]))
    found, engine = _run(positions, source.statics, MaritimeConfig(ports=ports), shore)
    print(f"\nGibraltar: {len(positions):,} reports, {len(engine.tracks.slots)} vessels, {engine.stop_count} stops")
    learned = [a for a in engine.anchorages.all() if a.learned]
    print(f"  listed ports: {', '.join(p.name or p.id for p in ports)}")
    least = engine.config.anchorage_min_vessels
    print(f"  {len(learned)} anchorages learned (cells where >= {least} vessels stopped), by nearest listed port:")
    by_port: dict[str, list[int]] = {}
    for a in learned:
        nearest = min(ports, key=lambda p: (p.lat - a.lat) ** 2 + ((p.lon - a.lon) * 0.8) ** 2)
        by_port.setdefault(nearest.name or nearest.id, []).append(a.vessels)
    for name, vessels in sorted(by_port.items(), key=lambda kv: -len(kv[1])):
        print(f"    near {name}: {len(vessels)} cells, up to {max(vessels)} vessels each")
    for kind in ("encounter", "landing", "loitering", "ais_gap"):
        of_kind = [b for b in found if b.kind == kind]
        print(f"  {kind}: {len(of_kind)}")
        for n, b in enumerate(of_kind, 1):
            _print(b, n, source.statics, engine)
        if kind == "encounter":
            _set_aside(positions, source.statics, shore, ports, of_kind, engine)
    draw_vessel_map(out / "gibraltar.png", positions, found, engine.anchorages.all(), shore,
                    title="Strait of Gibraltar 2016-06-01: behaviours")
    print(f"  map: {out / 'gibraltar.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "eval-ais", help="where the maps go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    baltic(args.data, args.out)
    gibraltar(args.data, args.out)


if __name__ == "__main__":
    main()
