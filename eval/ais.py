"""Vessel behaviours on the evaluation-only AIS files: the Baltic's encounters, the Strait of Gibraltar's
ports, anchorages, encounters and landings, each with a map.

Baltic (``ais/baltic_2018-04-01.csv``, 11 h, 387 vessels): the encounters with Global Fishing
Watch's thresholds, and — so the reader can check that berthing is not reported — the
candidates that were close and slow for two hours but set aside, with the reason (by a port or
anchorage, or within 1 km of the shore).  The shore is the global 1 km land mask.

Gibraltar (``ais/gibraltar_2016-06-01.csv``, 16 h, 524 vessels, with the shore from
``terrain/N36W006.hgt`` where it covers and the global mask elsewhere): the ports known without
anyone typing them (the built-in World Port Index) and the learned anchorages and berths, every
encounter and landing; each landing with where it is (the nearest world port), what became of
every stop (set aside, by reason), the stops set aside by the land mask or the duration bound
alone (the closest calls), and precision and recall of landings against ``TRUTH`` below.  One
made-up boat is added to the reports (``PLANTED``): the truth's one real landing.  With
``--listed-ports`` the official ports in ``eval/gibraltar_ports.geojson`` are added on top.

Run from the repository root:
``.venv/bin/python -m eval.ais [--data ../shared/data] [--out out/eval-ais] [--listed-ports]``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ridgeline.config.maritime import MaritimeConfig, Port, Thresholds, read_ports
from ridgeline.maritime.behaviour import LABELS, Behaviour, BehaviourEngine
from ridgeline.maritime.geodesy import KNOT_MS
from ridgeline.maritime.landings import LABELS as REASON_LABELS
from ridgeline.maritime.landings import Judged, summary
from ridgeline.maritime.maps import draw_vessel_map
from ridgeline.maritime.positions import Positions, VesselInfo
from ridgeline.maritime.shore import Shore, read_elevation, shore_for
from ridgeline.maritime.sources import AisSource

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"

PLANTED = 224999001
"""A made-up boat added to the Gibraltar reports (no vessel of the file has this MMSI): from 9 km
out it runs north at 10 kn to Bolonia beach (a cove 20 km west of Tarifa: a beach and a village, no
harbour, no world port within 25 km), stops 45 min 185 m off the sand (by the DEM), and runs back
out.  The file holds no real landing (see TRUTH), so this one is what recall is measured on."""
PLANTED_STOP = (36.0845, -5.775)
PLANTED_START = 2 * 3600.0
"""Seconds after the file's first report when the boat sets out (02:00 UTC)."""

TRUTH: dict[tuple[int, str], tuple[bool, str]] = {
    # (MMSI, start of the stop UTC): (a landing?, what the place is, by looking)
    (PLANTED, "02:29"): (True, "the planted boat, 45 min off Bolonia beach: a landing"),
    # the six 'landings' the engine reported before world ports, the land mask's uncertainty and the
    # duration bound (issue 18): each a harbour or a marina, not in the hand-made port list
    (224195860, "00:03"): (False, "Marina Smir (Restinga), Morocco, 35.755 N 5.340 W: a marina; stopped 12.3 h"),
    (225025660, "00:34"): (False, "Marina Smir again (a sailing yacht): a marina; stopped 11.8 h"),
    (242943000, "00:07"): (False, "in the lee of Cap Malabata, Tangier bay, 35.817 N 5.750 W: at anchor off "
                           "Tangier 12.9 h (the global mask's 1 km cells put it on land)"),
    (235113146, "00:19"): (False, "Puerto Sotogrande, 36.290 N 5.271 W: a marina (pleasure craft)"),
    (235114662, "00:30"): (False, "Puerto Sotogrande again: a marina; stopped 8.7 h"),
    (224082360, "01:16"): (False, "Puerto de Estepona, 36.416 N 5.155 W: the fishing harbour (a fishing boat)"),
    # stops the land mask alone sets aside now (the closest calls), looked at too
    (225343000, "08:30"): (False, "La Carraca naval arsenal, San Fernando (Cadiz), 36.498 N 6.183 W "
                           "(a military vessel)"),
}
"""Every landing the engine reported now or before, and every stop it sets aside by the mask or the
duration alone, judged by looking: the coordinates against the DEM (N36W006), the world port list
and the places' charts as anyone can read them.  A landing reported that is not here counts as false
until someone looks at it and writes it down."""


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
    landings = [b for b in found if b.kind == "landing"]
    print(f"Baltic: {len(positions):,} reports, {len(engine.tracks.slots)} vessels, {engine.stop_count} stops, "
          f"{sum(a.learned for a in engine.anchorages.all())} anchorages and berths learned; {len(encounters)} "
          f"encounters; {len(landings)} landings ({summary(engine.set_aside)})")
    for n, b in enumerate(landings, 1):
        _print(b, n, source.statics, engine)
    for n, b in enumerate(encounters, 1):
        _print(b, n, source.statics, engine)
    _set_aside(positions, source.statics, shore, [], encounters, engine)
    draw_vessel_map(out / "baltic.png", positions, encounters, engine.anchorages.all(), shore,
                    title="Baltic 2018-04-01: encounters (GFW thresholds)")
    print(f"  map: {out / 'baltic.png'}")


RECURRING_PLACES = {
    "anchorage-4004--504": "Tarifa, the ferry port (fast ferries to Tangier; Tarifa is not in the World Port Index)",
    "anchorage-4003--505": "Tarifa harbour, its inner basin",
    "anchorage-4022--486": "the San Roque refinery jetties (tankers, a tug), Bay of Algeciras",
    "anchorage-4015--487": "the Bay of Algeciras anchorage, just outside the world port's 3 km",
}
"""The places learned only because stops recur there (fewer than 4 vessels), by looking: none is a
shore where no ship has business."""


def planted_track(t0: float) -> list[tuple[float, float, float, float]]:
    """The planted boat's reports, one a minute from ``t0`` (epoch seconds): (time, lat, lon, knots)."""
    lat_stop, lon = PLANTED_STOP
    run_s = 9000.0 / (10.0 * KNOT_MS)
    track = []
    for k in range(int((2 * run_s + 45 * 60) / 60) + 1):
        t = 60.0 * k
        if t < run_s:
            lat, sog = lat_stop - (run_s - t) * 10.0 * KNOT_MS / 111_195.0, 10.0
        elif t < run_s + 45 * 60:
            lat, sog = lat_stop, 0.0
        else:
            lat, sog = lat_stop - (t - run_s - 45 * 60) * 10.0 * KNOT_MS / 111_195.0, 10.0
        track.append((t0 + t, lat, lon, sog))
    return track


def _planted(positions: Positions) -> Positions:
    """The reports with the planted boat's added (one a minute), in time order."""
    times, lats, lons, speeds = zip(*planted_track(float(positions.time.min()) + PLANTED_START), strict=True)
    boat = Positions.from_lists(list(times), [PLANTED] * len(times), list(lats), list(lons), list(speeds),
                                [0.0] * len(times))
    return Positions.concat([positions, boat]).sorted_by_time()


def _where(engine: BehaviourEngine, lat: float, lon: float) -> str:
    """The nearest world port and learned place, for a reader who wants to know where a stop was."""
    places = engine.anchorages.all()
    d, _, k = engine.anchorages.nearest(lat, lon, "world")
    world = f"{d / 1000:.1f} km from {places[k].name} (world port {places[k].id})" if k >= 0 else "no world port"
    d, _, k = engine.anchorages.nearest(lat, lon, "learned")
    learned = f", {d / 1000:.1f} km from a learned place" if k >= 0 else ""
    return world + learned


def gibraltar(data: Path, out: Path, listed: bool = False) -> None:
    source = AisSource(str(data / "ais" / "gibraltar_2016-06-01.csv"))
    positions = _planted(source.read_file())
    ports = read_ports(REPO / "eval" / "gibraltar_ports.geojson") if listed else []
    shore = shore_for(positions.bounds(), read_elevation([str(data / "terrain" / "N36W006.hgt")]))
    engine = BehaviourEngine(MaritimeConfig(ports=ports), shore)
    judged: list[Judged] = []
    engine.landings.on_judged = judged.append
    engine.update_statics(source.statics)
    found = sorted(engine.judge(positions, chunk=max(len(positions), 1)), key=lambda b: (b.kind, b.start))
    west, south, east, north = positions.bounds()
    in_view = [a for a in engine.anchorages.all() if west <= a.lon <= east and south <= a.lat <= north]
    print(f"\nGibraltar ({'with' if listed else 'without'} eval/gibraltar_ports.geojson; one planted boat): "
          f"{len(positions):,} reports, {len(engine.tracks.slots)} vessels, {engine.stop_count} stops")
    print(f"  listed ports: {', '.join(p.name or p.id for p in ports) or 'none'}")
    print(f"  world ports in view: {', '.join(a.name or a.id for a in in_view if a.source == 'world')}")
    learned = [a for a in in_view if a.learned]
    print(f"  {len(learned)} anchorages and berths learned: {sum(a.vessels >= 4 for a in learned)} where >= "
          f"{engine.config.anchorage_min_vessels} vessels stopped, {sum(a.vessels < 4 for a in learned)} more "
          f"where stops recur (>= {engine.config.berth_min_occasions} separate stops)")
    for kind in ("encounter", "loitering", "ais_gap"):
        of_kind = [b for b in found if b.kind == kind]
        print(f"  {kind}: {len(of_kind)}")
        for n, b in enumerate(of_kind, 1):
            _print(b, n, source.statics, engine)
        if kind == "encounter":
            _set_aside(positions, source.statics, shore, ports, of_kind, engine)
    landings = [b for b in found if b.kind == "landing"]
    print(f"  landings: {len(landings)}; of {engine.stop_count} stops, {summary(engine.set_aside)}")
    for n, b in enumerate(landings, 1):
        truth = TRUTH.get((b.vessels[0], _when(b.start)))
        said = f"truth: {truth[1]}" if truth else "truth: NOT LOOKED AT (counted false)"
        print(f"  L{n} {_who(b.vessels[0], source.statics)}; {_when(b.start)}-{_when(b.end)} UTC, "
              f"{b.duration_s / 3600:.2f} h at {b.lat:.4f}, {b.lon:.4f}; {b.detail['shore_distance_m']} m from "
              f"shore; {_where(engine, b.lat, b.lon)}; {said}")
    close = [j for j in judged if j.reason in ("on_land_uncertain", "inland", "too_long")]
    print(f"  the closest calls, set aside by the land mask or the duration alone: {len(close)}")
    for j in close:
        water = float(shore.water_distance_m(np.array([j.place.lat]), np.array([j.place.lon]))[0])
        truth = TRUTH.get((j.vessel, _when(j.start)))
        print(f"    {_who(j.vessel, source.statics)}; {_when(j.start)}, {j.place.duration_s / 3600:.1f} h at "
              f"{j.place.lat:.4f}, {j.place.lon:.4f}: {REASON_LABELS[str(j.reason)]} ({water:.0f} m from water "
              f"by the mask, cells {shore.cell_m:.0f} m); {_where(engine, j.place.lat, j.place.lon)}; "
              f"truth: {truth[1] if truth else 'not looked at'}")
    recurring: dict[str, list[Judged]] = {}
    for j in judged:
        place = engine.anchorages.within(j.place.lat, j.place.lon, engine.config.thresholds.port_radius_m, "learned")
        if j.reason == "learned_berth" and place is not None and place.vessels < engine.config.anchorage_min_vessels:
            recurring.setdefault(place.id, []).append(j)
    print(f"  set aside at places learned only from recurring stops: {sum(map(len, recurring.values()))} stops "
          f"at {len(recurring)} places")
    for pid, stops in recurring.items():
        who = ", ".join(f"{_who(j.vessel, statics=source.statics)} {_when(j.start)} {j.place.duration_s / 3600:.1f} h"
                        for j in stops)
        print(f"    {pid} ({stops[0].place.lat:.4f}, {stops[0].place.lon:.4f}): {who}; "
              f"{RECURRING_PLACES.get(pid, 'NOT LOOKED AT')}")
    _score(landings, judged)
    draw_vessel_map(out / "gibraltar.png", positions, found, engine.anchorages.all(), shore,
                    title="Strait of Gibraltar 2016-06-01: behaviours (world ports built in"
                    + (", listed ports added)" if listed else ")"))
    print(f"  map: {out / 'gibraltar.png'}")


def _score(landings: list[Behaviour], judged: list[Judged]) -> None:
    """Precision and recall of the landings reported, against TRUTH."""
    reported = {(b.vessels[0], _when(b.start)) for b in landings}
    true = {key for key, (is_landing, _) in TRUTH.items() if is_landing}
    hits = len(reported & true)
    seen = {(j.vessel, _when(j.start)) for j in judged}
    unseen = sorted(k for k in TRUTH if k not in seen)
    precision = f"{hits / len(reported):.2f}" if reported else "n/a (none reported)"
    recall = f"{hits / len(true):.2f}" if true else "n/a"
    print(f"  landings against the truth: {len(reported)} reported, {hits} true, {len(true)} in the truth; "
          f"precision {precision}, recall {recall}" + (f"; truth stops not found as stops: {unseen}" if unseen else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "eval-ais", help="where the maps go")
    parser.add_argument("--listed-ports", action="store_true",
                        help="add eval/gibraltar_ports.geojson to the built-in world ports at Gibraltar")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    baltic(args.data, args.out)
    gibraltar(args.data, args.out, args.listed_ports)


if __name__ == "__main__":
    main()
