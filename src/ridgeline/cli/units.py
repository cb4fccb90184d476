"""``ridgeline unit list|show|status|position|dispatch|define``: the response units in the centre's database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from ridgeline.cli.console import out, print_json

unit_app = typer.Typer(help="Response units: list them, set their status and position, dispatch them.",
                       no_args_is_help=True)
DEFAULT_DB = "sqlite:///ridgeline-centre.db"
DbOpt = Annotated[str, typer.Option("--db", help="Database URL (the database must exist).")]
ActorOpt = Annotated[str, typer.Option("--by", help="Who does it (kept in the unit's log and the audit trail).")]
NoteOpt = Annotated[str, typer.Option(help="A note kept in the unit's log.")]
IdArg = Annotated[str, typer.Argument(help="The unit's id (from `ridgeline unit list`).")]


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"  # at home
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


@unit_app.command("list")
def unit_list(
    db: DbOpt = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
) -> None:
    """Every unit: status (and base status), position, how long since it reported, what it works on."""
    from ridgeline.app.database import opened
    from ridgeline.app.units import list_units, position_age_s
    from ridgeline.model import utc_now

    with opened(db) as store:
        units = list_units(store)
    now = utc_now()
    if as_json:
        print_json([{**u.model_dump(mode="json"), "position_age_s": position_age_s(u, now)} for u in units])
        return
    # five columns that fit 80 characters: the rest (name, kind, base status, source) is in --json
    table = Table(title="Units", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in ("id", "status", "position (lat lon)", "reported", "working on"):
        table.add_column(col, no_wrap=True)
    for u in units:
        pos = u.position
        where = f"{pos.lat:.5f} {pos.lon:.5f}" if pos and pos.lat is not None and pos.lon is not None else ""
        table.add_row(u.id, u.status, where, _age(position_age_s(u, now)), u.alert or u.incident or "")
    out.print(table)
    if not units:
        out.print("no units: the centre writes the sector's units when it starts, or run `ridgeline unit define`")


@unit_app.command("status")
def unit_status(unit_id: IdArg,
                status: Annotated[str, typer.Argument(help="A status name: a base one (available, en_route...) or "
                                                     "one of the sector's.")],
                db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "") -> None:
    """Give a unit a status by name (available or out of service ends its assignment)."""
    from ridgeline.app.database import opened
    from ridgeline.app.units import set_status

    with opened(db) as store:
        unit = set_status(store, unit_id, status, by, note)
    out.print(f"unit {unit.id}: {unit.status} ({unit.base.value})", highlight=False)


# a western longitude or southern latitude starts with '-': taken as a number, not an option
@unit_app.command("position", context_settings={"ignore_unknown_options": True})
def unit_position(
    unit_id: IdArg,
    lon: Annotated[float, typer.Argument(min=-180, max=180, help="Longitude, WGS84 degrees.")],
    lat: Annotated[float, typer.Argument(min=-90, max=90, help="Latitude, WGS84 degrees.")],
    db: DbOpt = DEFAULT_DB,
    time: Annotated[datetime | None, typer.Option(help="When it was there, UTC (default: now).",
                                                  formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"])] = None,
) -> None:
    """Report where a unit is (a radio call, a position read off a map)."""
    from datetime import UTC

    from ridgeline.app.database import opened
    from ridgeline.app.units import report_position
    from ridgeline.model import UnitPosition, utc_now

    when = time.replace(tzinfo=UTC) if time is not None else utc_now()
    with opened(db) as store:
        unit, moved = report_position(store, UnitPosition(unit=unit_id, time=when, lon=lon, lat=lat), "cli")
    said = "moved to" if moved else "kept (it holds a newer position):"
    out.print(f"unit {unit.id}: {said} {lat:.5f}, {lon:.5f}", highlight=False)


@unit_app.command("dispatch")
def unit_dispatch(
    unit_id: IdArg,
    alert: Annotated[str | None, typer.Option(help="The alert it goes to.")] = None,
    incident: Annotated[str | None, typer.Option(help="The incident it works.")] = None,
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "",
) -> None:
    """Send a unit to an alert or an incident."""
    from ridgeline.app.database import opened
    from ridgeline.app.units import dispatch

    with opened(db) as store:
        unit = dispatch(store, unit_id, by, alert, incident, note)
    out.print(f"unit {unit.id}: dispatched to {unit.alert or unit.incident}", highlight=False)


@unit_app.command("define")
def unit_define(
    sector: Annotated[Path, typer.Argument(help="The sector file whose units and status names to write.")],
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Write a sector's units and status names into the database (the centre does it when it starts)."""
    from ridgeline.app.database import opened
    from ridgeline.app.units import define_units
    from ridgeline.config.sector import load_sector

    found = load_sector(sector)
    with opened(db) as store:
        added = define_units(store, found.units, found.unit_statuses, by)
    out.print(f"{len(found.units)} unit(s), {len(added)} new", highlight=False)
