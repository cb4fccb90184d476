"""``ridgeline route``: the fastest route between two points on a DEM, on foot, by vehicle, boat or drone.

Parses the options, calls :func:`ridgeline.app.routing.plan_route` and prints what it
found; a bad option (a LON,LAT that does not parse, an unknown mode) is a
:class:`~ridgeline.errors.RouteError` naming the option, printed as one line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from ridgeline.cli.console import out, progress_bar
from ridgeline.errors import RouteError


def parse_lonlat(text: str, option: str) -> tuple[float, float]:
    """``LON,LAT`` in degrees, given to ``option``; :class:`RouteError` naming it otherwise."""
    try:
        lon_s, lat_s = text.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise RouteError(f"{option}: expected LON,LAT in degrees (e.g. -71.3033,44.2706), got {text!r}") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise RouteError(f"{option}: lon/lat out of range (lon -180..180, lat -90..90): {text!r}")
    return lon, lat


def route(
    dem: Annotated[Path, typer.Argument(help="DEM file (.hgt or GeoTIFF).")],
    start: Annotated[str, typer.Option("--from", help="Start LON,LAT (WGS84).")],
    end: Annotated[str, typer.Option("--to", help="End LON,LAT (WGS84).")],
    out_path: Annotated[Path, typer.Option("--out", help="Output GeoJSON: a Feature with the route's LineString.")],
    mode: Annotated[str, typer.Option("--mode", help="foot, vehicle, boat or drone.")] = "foot",
    paths: Annotated[Path | None, typer.Option(
        "--paths", help="GeoJSON of LineStrings (tracks, roads) in lon/lat: faster on foot, roads for vehicles."),
    ] = None,
    water: Annotated[Path | None, typer.Option(
        "--water", help="GeoJSON of Polygons in lon/lat a boat may cross (besides cells at or below sea level)."),
    ] = None,
) -> None:
    """The fastest route from --from to --to, written as a GeoJSON LineString with its minutes and length."""
    from ridgeline.app.routing import RouteRequest, plan_route
    from ridgeline.terrain.travel import parse_mode

    req = RouteRequest(dem, parse_lonlat(start, "--from"), parse_lonlat(end, "--to"), out_path,
                       parse_mode(mode, "--mode"), paths, water)
    with progress_bar() as progress:
        r = plan_route(req, progress)
    out.print(f"{r.out}: {r.mode.value} route {r.minutes:.1f} min, {r.length_m / 1000:.2f} km "
              f"({r.points} points), {r.seconds:.2f} s", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the route command to ``app``."""
    app.command()(route)
