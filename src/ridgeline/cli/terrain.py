"""``ridgeline viewshed|coverage|site|radio|tiles``: planning a sector over its terrain, and its map tiles.

Each command parses its options, calls the application layer (``ridgeline.app``) and draws
the result; heavy modules are imported inside the commands so ``--help`` stays instant.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from ridgeline.cli.console import out, print_json, progress_bar

if TYPE_CHECKING:
    from ridgeline.app.planning import SitePlan
    from ridgeline.app.tiles import TileSet
    from ridgeline.terrain.coverage import CoverageResult

SectorArg = Annotated[Path, typer.Argument(help="Sector file (YAML).")]
OutDirOpt = Annotated[Path, typer.Option("--out", help="Output folder.")]
NightOpt = Annotated[bool, typer.Option("--night", help="Use night ranges.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON on stdout instead of tables.")]


def parse_lonlat(text: str) -> tuple[float, float]:
    """``LON,LAT`` in degrees."""
    try:
        lon_s, lat_s = text.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise typer.BadParameter(f"expected LON,LAT (e.g. -71.3033,44.2706), got {text!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise typer.BadParameter(f"lon/lat out of range: {text!r}")
    return lon, lat


def viewshed(
    dem: Annotated[Path, typer.Argument(help="DEM file (.hgt or GeoTIFF).")],
    at: Annotated[str, typer.Option("--at", help="Observer position LON,LAT (WGS84).")],
    out_path: Annotated[Path, typer.Option("--out", help="Output GeoTIFF: 1 visible, 0 not, 255 nodata.")],
    height: Annotated[float, typer.Option(help="Observer height above ground, metres.")] = 2.0,
    target_height: Annotated[float, typer.Option(help="Target height above ground, metres.")] = 0.0,
    radius: Annotated[float | None, typer.Option(help="Maximum distance, metres (none: whole DEM).")] = None,
    curvature_coeff: Annotated[
        float, typer.Option(help="Earth curvature coefficient (GDAL's default 0.85714; 0 = flat earth).")
    ] = 0.85714,
    resolution: Annotated[
        float | None, typer.Option(help="Reproject to UTM at this cell size, metres.")
    ] = None,
) -> None:
    """One exact viewshed (r.viewshed's terrain model), written as a GeoTIFF."""
    from ridgeline.app.viewshed import ViewshedRequest
    from ridgeline.app.viewshed import viewshed as compute

    lon, lat = parse_lonlat(at)
    req = ViewshedRequest(dem, lon, lat, out_path, height, target_height, radius, curvature_coeff, resolution)
    with progress_bar() as progress:
        r = compute(req, progress)
    out.print(f"{r.out}: {r.visible} of {r.valid} cells visible ({100 * r.fraction:.1f} %), {r.seconds:.2f} s",
              soft_wrap=True)


def _blind_table(result: CoverageResult, limit: int = 12) -> Table:
    table = Table(title=f"Blind spots along the line ({'night' if result.night else 'day'})")
    for col in ("#", "km", "length m", "starts at lon,lat", "nearest site", "site km"):
        table.add_column(col, justify="left" if col in ("starts at lon,lat", "nearest site") else "right")
    for i, b in enumerate(result.blind_spots[:limit]):
        table.add_row(
            str(i + 1),
            f"{b.start_km:.1f}",
            f"{b.length_m:.0f}",
            f"{b.start_lonlat[0]:.4f},{b.start_lonlat[1]:.4f}",
            b.nearest_site or "-",
            f"{b.nearest_site_km:.1f}" if b.nearest_site_km is not None else "-",
        )
    if len(result.blind_spots) > limit:
        table.caption = f"{len(result.blind_spots) - limit} shorter blind spots in blind_spots.geojson"
    return table


def coverage(sector_file: SectorArg, out_dir: OutDirOpt, night: NightOpt = False, as_json: JsonOpt = False) -> None:
    """What every sensor sees, coverage of the line, and the blind spots along it."""
    from ridgeline.app.planning import plan_coverage
    from ridgeline.config import load_sector

    sector = load_sector(sector_file)
    with progress_bar() as progress:
        plan = plan_coverage(sector, out_dir, night, progress)
    summary = plan.summary
    if as_json:
        print_json(summary)
        return
    out.print(_blind_table(plan.result))
    out.print(
        f"line {summary['line_length_m'] / 1000:.1f} km: seen by >=1 sensor "
        f"{100 * summary['covered_fraction']:.1f} %, by >=2 "
        f"{100 * summary['double_covered_fraction']:.1f} %, corridor "
        f"{100 * summary['corridor_covered_fraction']:.1f} %, longest blind spot "
        f"{summary['longest_blind_spot_m']:.0f} m"
    )
    out.print(f"map: {plan.map_path}  (also coverage.tif, *.geojson, summary.json)", soft_wrap=True)


def site(
    sector_file: SectorArg,
    out_dir: OutDirOpt,
    add: Annotated[int, typer.Option("--add", min=1, max=50, help="How many new masts.")] = 3,
    exact: Annotated[
        bool, typer.Option("--exact", help="Also solve the integer program (HiGHS) and compare.")
    ] = False,
    night: NightOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Propose new mast sites that cover the most blind line length."""
    from ridgeline.app.planning import plan_sites
    from ridgeline.config import load_sector

    sector = load_sector(sector_file)
    with progress_bar() as progress:
        plan = plan_sites(sector, out_dir, add, exact, night, progress)
    if as_json:
        print_json(plan.summary)
        return
    _print_sites(plan)


def _print_sites(plan: SitePlan) -> None:
    table = Table(title=f"{len(plan.masts)} new masts ({plan.method}) from {plan.candidates} candidates")
    for col in ("#", "lon", "lat", "adds m", "coverage after"):
        table.add_column(col, justify="right")
    for i, m in enumerate(plan.masts):
        table.add_row(str(i + 1), f"{m.lon:.4f}", f"{m.lat:.4f}", f"{m.gain_m:.0f}", f"{100 * m.covered_after:.1f} %")
    out.print(table)
    if plan.greedy_m is not None and plan.exact_m is not None:
        g, x = plan.greedy_m, plan.exact_m
        out.print(f"greedy {g:.0f} m vs integer program {x:.0f} m: {100 * g / max(x, 1e-9):.1f} % of optimum")
    out.print(
        f"coverage {100 * plan.covered_before:.1f} % -> {100 * plan.covered_after:.1f} %, "
        f"longest blind spot {plan.longest_before_m:.0f} m -> {plan.longest_after_m:.0f} m"
    )
    out.print(f"map: {plan.map_path}", soft_wrap=True)


def radio(sector_file: SectorArg, as_json: JsonOpt = False) -> None:
    """Radio links from each site to each cell tower: line of sight, ITM path loss, margin."""
    from ridgeline.app.planning import radio_links
    from ridgeline.config import load_sector

    sector = load_sector(sector_file)
    with progress_bar() as progress:
        plan = radio_links(sector, progress)
    if as_json:
        print_json({"links": [dataclasses.asdict(link) for link in plan.links], "no_usable_link": plan.cut_off})
        return
    # the ids never cut: a plain table fits 80 columns with the longest example names
    table = Table(title="Site to cell tower links (Longley-Rice, median)", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    for col in ("site", "tower", "km", "LOS", "loss dB", "margin dB", "usable", "ITM"):
        table.add_column(col, justify="left" if col in ("site", "tower", "usable") else "right", no_wrap=True)
    for link in plan.links:
        table.add_row(
            link.site_id, link.tower_id, f"{link.distance_m / 1000:.1f}",
            "yes" if link.line_of_sight else "no", f"{link.path_loss_db:.1f}",
            f"{link.margin_db:.1f}",
            "[green]yes[/]" if link.usable else "[red]no[/]",
            str(link.itm_warning) if link.itm_warning else "",
        )
    out.print(table)
    if plan.itm_doubts:
        out.print(
            "ITM 3 = Longley-Rice calls its own answer probably invalid (horizons too steep "
            "for the model, common in mountains): treat those losses as pessimistic"
        )
    if plan.cut_off:
        out.print(f"[bold red]no usable link:[/] {', '.join(plan.cut_off)}")
    else:
        out.print("every site has a usable link")


def tiles(
    sector_file: SectorArg,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="PMTiles file to write. Default: ridgeline-centre.terrain.pmtiles here, the file `ridgeline "
        "serve` reads beside its default database.")] = None,
    max_zoom: Annotated[int | None, typer.Option(
        "--max-zoom", min=0, max=15, help="Highest zoom level. Default: the first whose pixels are no larger than "
        "the DEM's cells (SRTM3: 11, SRTM1: 12 or 13).")] = None,
    min_zoom: Annotated[int, typer.Option("--min-zoom", min=0, max=15, help="Lowest zoom level.")] = 6,
) -> None:
    """Terrain tiles of the sector's DEM for the console's map (3D terrain and hillshade): 256 px PNG,
    Terrarium-encoded heights, packed in one PMTiles file."""
    from ridgeline.app.tiles import build_terrain_tiles, tiles_beside
    from ridgeline.config import load_sector

    sector = load_sector(sector_file)
    path = out_path or tiles_beside("sqlite:///ridgeline-centre.db")
    with progress_bar() as progress:
        built = build_terrain_tiles(sector, path, max_zoom=max_zoom, min_zoom=min_zoom, progress=progress)
    out.print(describe_tiles(built), soft_wrap=True)


def describe_tiles(built: TileSet) -> str:
    """One line saying what a terrain tile build wrote."""
    zooms = ", ".join(f"z{z} {n}" for z, n in sorted(built.per_zoom.items()))
    return (f"{built.path}: {built.tiles} terrain tiles, zooms {built.min_zoom}-{built.max_zoom} ({zooms}), "
            f"{built.tile_size} px PNG, {built.encoding} encoding, {built.size_bytes / 2**20:.1f} MiB, "
            f"{built.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the terrain commands to ``app``."""
    for command in (viewshed, coverage, site, radio, tiles):
        app.command()(command)
