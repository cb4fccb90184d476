"""``ridgeline ais``: vessel behaviours from AIS (and radar), drawn as tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ridgeline.cli.console import err, out, print_json, progress_bar

if TYPE_CHECKING:
    from ridgeline.app.vessels import AisReport
    from ridgeline.maritime.behaviour import Behaviour
    from ridgeline.maritime.vesselids import VesselIds


def ais(
    source: Annotated[str, typer.Argument(help="NMEA file (plain or .gz), CSV file, tcp://HOST:PORT or udp://HOST:PORT.")],
    sector_path: Annotated[
        Path | None, typer.Option("--sector", help="Sector file: thresholds, zones, ports, DEM for the shore.")
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="CSV columns: field=COLUMN[*scale],…,time_format=FMT (fields: time, mmsi, "
                                      "lat, lon, sog, cog, name, ship_type, length).")
    ] = None,
    dem: Annotated[list[Path] | None, typer.Option("--dem", help="DEM tile(s) for the shore (repeat).")] = None,
    ports: Annotated[Path | None, typer.Option(help="GeoJSON points: official ports and anchorages.")] = None,
    radar: Annotated[Path | None, typer.Option(help="Radar tracks, JSON lines (track, time, lat, lon).")] = None,
    global_land: Annotated[
        bool, typer.Option(help="Fill the shore from the built-in 1 km global land mask where no DEM covers.")
    ] = True,
    events_path: Annotated[Path | None, typer.Option("--events", help="Events, JSON lines (sync model).")] = None,
    geojson: Annotated[Path | None, typer.Option(help="Behaviours as GeoJSON points.")] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Map PNG of tracks, ports and behaviours.")] = None,
    chunk: Annotated[int, typer.Option(min=1000, help="Reports judged together (a file is fed in chunks).")] = 50_000,
    seconds: Annotated[float | None, typer.Option(help="Stop a live feed after this long.")] = None,
    show: Annotated[int, typer.Option(help="Rows per kind in the printed table.")] = 15,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON on stdout (counts and every behaviour) instead of tables.")
    ] = False,
) -> None:
    """Vessel behaviours from AIS (and radar): encounters, loitering, gaps, landings, dark targets."""
    from ridgeline.app.vessels import AisRequest, judge_ais
    from ridgeline.config.sector import load_sector

    req = AisRequest(
        source, load_sector(sector_path) if sector_path else None, columns, tuple(dem or ()), ports, radar,
        global_land, events_path, geojson, map_path, chunk, seconds,
    )
    with progress_bar() as progress:
        report = judge_ais(req, progress, on_behaviour=_say)
    if as_json:
        print_json(_as_dict(report))
        return
    _print_report(report, show)


def _say(b: Behaviour) -> None:
    """A live feed's behaviour, as it qualifies or ends."""
    state = "(going on)" if b.ongoing else ""
    err.print(f"{b.kind} {state} {b.vessels} at {b.lat:.4f}, {b.lon:.4f}")


def _print_report(r: AisReport, show: int) -> None:
    from ridgeline.maritime.landings import summary as landing_summary

    rejected = sum(r.rejected.values())
    out.print(
        f"{r.source}: {r.lines:,} lines, {r.kept:,} positions kept of {r.positions:,} "
        f"({', '.join(f'{k} {v}' for k, v in r.dropped.items()) or 'none dropped'}), "
        f"{r.vessels:,} vessels, {rejected:,} rejected"
        f"{' (' + ', '.join(f'{k} {v}' for k, v in r.rejected.items()) + ')' if rejected else ''}, "
        f"{r.stops} stops, {r.anchorages_learned} anchorages learned, {r.seconds:.1f} s"
    )
    if (note := r.ids.note()) is not None:
        out.print(note)
    summary = Table(title="Summary")
    summary.add_column("behaviour")
    summary.add_column("count", justify="right")
    for kind, n in r.counts.items():
        summary.add_row(kind, str(n))
    out.print(summary)
    out.print(f"{r.stops} stops: {r.counts.get('landing', 0)} landings, {landing_summary(r.set_aside)}")
    if r.behaviours:
        out.print(_behaviour_table(r.behaviours, r.statics, r.ids, show))
    for label, p in r.files.items():
        out.print(f"{label}: {p}", soft_wrap=True)


def _behaviour_table(behaviours: list[Behaviour], statics: dict[int, Any], ids: VesselIds, limit: int) -> Table:
    from ridgeline.maritime.behaviour import LABELS

    table = Table(title=f"Behaviours (first {min(limit, len(behaviours))} of {len(behaviours)})")
    for col in ("#", "kind", "vessels", "start (UTC)", "hours", "lat, lon", "detail"):
        table.add_column(col)
    counters: dict[str, int] = {}
    for b in behaviours:
        counters[b.kind] = counters.get(b.kind, 0) + 1
        if counters[b.kind] > limit:
            continue
        table.add_row(
            f"{LABELS[b.kind]}{counters[b.kind]}", b.kind, " + ".join(_names(b, statics, ids)),
            datetime.fromtimestamp(b.start, UTC).strftime("%m-%d %H:%M"), f"{b.duration_s / 3600:.2f}",
            f"{b.lat:.4f}, {b.lon:.4f}", _detail(b),
        )
    return table


def _names(b: Behaviour, statics: dict[int, Any], ids: VesselIds) -> list[str]:
    """Each vessel as the input named it (MMSI, anonymised id or hash), with its ship name where known."""
    if b.kind == "dark_target":
        return [str(v) for v in b.vessels]
    return [f"{ids.label(v)} {statics[v].name}" if v in statics and statics[v].name else ids.label(v)
            for v in b.vessels]


def _detail(b: Behaviour) -> str:
    return ", ".join(f"{k} {v}" for k, v in b.detail.items() if v is not None and k != "reports")


def _as_dict(r: AisReport) -> dict[str, Any]:
    return {
        "source": r.source, "lines": r.lines, "positions": r.positions, "kept": r.kept, "dropped": r.dropped,
        "vessels": r.vessels, "rejected": r.rejected, "stops": r.stops, "anchorages_learned": r.anchorages_learned,
        "ids": r.ids.kind, "ids_note": r.ids.note(), "counts": r.counts, "set_aside": r.set_aside,
        "behaviours": [
            {"kind": b.kind, "key": b.key, "vessels": _names(b, r.statics, r.ids),
             "mmsi": list(b.vessels) if r.ids.are_mmsis or b.kind == "dark_target" else None,
             "ids": [r.ids.label(v) for v in b.vessels] if b.kind != "dark_target" else None,
             "start": datetime.fromtimestamp(b.start, UTC).isoformat(), "hours": round(b.duration_s / 3600, 3),
             "lat": b.lat, "lon": b.lon, "ongoing": b.ongoing,
             "detail": {k: v for k, v in b.detail.items() if v is not None and k != "reports"}}
            for b in r.behaviours
        ],
        "files": {k: str(v) for k, v in r.files.items()},
    }


def register(app: typer.Typer) -> None:
    """Add the vessel commands to ``app``."""
    app.command()(ais)
