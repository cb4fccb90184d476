"""The ``ridgeline`` command.

Each command is thin: it parses options, calls the engine, draws progress and tables with
rich, and turns a :class:`RidgelineError` into one line on stderr and exit status 2.
Heavy modules are imported inside the commands so ``--help`` stays instant.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ridgeline.cli.broker import broker_app
from ridgeline.cli.console import err, out
from ridgeline.cli.console import fail as _fail
from ridgeline.cli.store import store_app
from ridgeline.errors import ConfigError, RidgelineError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

    from ridgeline.config.sector import Sector
    from ridgeline.terrain.coverage import CoverageResult
    from ridgeline.terrain.dem import Terrain
    from ridgeline.vision.rules import LineRule

app = typer.Typer(
    help="Ridgeline: perimeter watch over hard terrain: coverage planning, sync from sites to the centre, "
    "alerts, tracking.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(store_app, name="store")
app.add_typer(broker_app, name="broker")


def _parse_lonlat(text: str) -> tuple[float, float]:
    try:
        lon_s, lat_s = text.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise typer.BadParameter(f"expected LON,LAT (e.g. -71.3033,44.2706), got {text!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise typer.BadParameter(f"lon/lat out of range: {text!r}")
    return lon, lat


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@app.command()
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
    lon, lat = _parse_lonlat(at)
    try:
        import atexit
        import gc
        from concurrent.futures import Future, ThreadPoolExecutor

        t0 = time.perf_counter()
        # numba's import and the kernel's first load (about 0.4 s) run in the background
        # while GDAL is imported and reads the DEM, which it does without holding the GIL;
        # the kernel's code is loaded for the type the heights are kept in, once known.
        # The garbage collector, which would walk numba's many new objects over and over, waits.
        heights: Future[np.dtype | None] = Future()
        pool = ThreadPoolExecutor(max_workers=1)
        collecting = gc.isenabled()
        gc.disable()
        try:
            kernel = pool.submit(_load_viewshed_kernel, heights)
            import numpy as np

            from ridgeline.terrain.dem import load_stored_terrain, load_terrain, write_raster

            with err.status("loading DEM"):
                if resolution is None:  # a 16-bit DEM needing no reprojection is kept as stored (half the memory)
                    terrain = load_stored_terrain(dem, on_heights=heights.set_result)
                else:
                    heights.set_result(np.dtype(np.float32))
                    terrain = load_terrain([dem], resolution=resolution)
                row, col = terrain.cell_of_lonlat(lon, lat, what="observer")
            kernel.result()
        finally:
            if not heights.done():
                heights.set_result(None)  # a bad DEM: no kernel to load
            pool.shutdown(wait=False)
            if collecting:
                gc.enable()
        # numba leaves a large graph of objects that Python's last garbage collection
        # would walk at exit (a quarter of a second): freeze them out of it, at exit only
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)
        from ridgeline.terrain.viewshed import Observer, count_viewshed, viewshed_grid

        with err.status(f"viewshed over {terrain.shape[0]}x{terrain.shape[1]} cells"):
            vis = viewshed_grid(
                terrain,
                Observer(row=row, col=col, height=height, target_height=target_height, radius=radius),
                curvature_coeff,
            )
        with err.status(f"writing {out_path}"):
            write_raster(out_path, vis, terrain, nodata=255)
        visible, valid = count_viewshed(vis)
        out.print(
            f"{out_path}: {visible} of {valid} cells visible ({100 * visible / max(valid, 1):.1f} %), "
            f"{time.perf_counter() - t0:.2f} s"
        )
    except RidgelineError as exc:
        _fail(exc)


def _load_viewshed_kernel(heights: Future[np.dtype | None]) -> None:
    """numba's import, then the kernel's first load for ``heights``, in the calling (background) thread."""
    from ridgeline.terrain.viewshed import preload

    dtype = heights.result()
    if dtype is not None:
        preload(dtype)


def _load(sector_path: Path) -> tuple[Sector, Terrain]:
    from ridgeline.config import load_sector
    from ridgeline.terrain.coverage import load_sector_terrain

    sector = load_sector(sector_path)
    with err.status("loading terrain"):
        terrain = load_sector_terrain(sector)
    return sector, terrain


def _coverage(sector: Sector, terrain: Terrain, night: bool) -> CoverageResult:
    from ridgeline.terrain.coverage import compute_coverage

    n = sum(len(s.sensors) for s in sector.sites)
    with _progress() as bar:
        task = bar.add_task("sensor footprints", total=n)
        return compute_coverage(
            sector, terrain, night=night, progress=lambda _: bar.advance(task)
        )


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


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


@app.command()
def coverage(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    night: Annotated[bool, typer.Option("--night", help="Use night ranges.")] = False,
) -> None:
    """What every sensor sees, coverage of the line, and the blind spots along it."""
    try:
        from ridgeline.terrain.dem import write_raster
        from ridgeline.terrain.export import blind_spots_geojson, footprints_geojson
        from ridgeline.terrain.maps import draw_coverage_map

        sector, terrain = _load(sector_file)
        result = _coverage(sector, terrain, night)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_raster(out_dir / "coverage.tif", result.counts, terrain, cog=True)
        _write_json(out_dir / "blind_spots.geojson", blind_spots_geojson(result))
        _write_json(out_dir / "footprints.geojson", footprints_geojson(result))
        draw_coverage_map(out_dir / "coverage.png", sector, result)
        summary = result.summary()
        _write_json(out_dir / "summary.json", summary)
        out.print(_blind_table(result))
        out.print(
            f"line {summary['line_length_m'] / 1000:.1f} km: seen by >=1 sensor "
            f"{100 * summary['covered_fraction']:.1f} %, by >=2 "
            f"{100 * summary['double_covered_fraction']:.1f} %, corridor "
            f"{100 * summary['corridor_covered_fraction']:.1f} %, longest blind spot "
            f"{summary['longest_blind_spot_m']:.0f} m"
        )
        out.print(f"map: {out_dir / 'coverage.png'}  (also coverage.tif, *.geojson, summary.json)")
    except RidgelineError as exc:
        _fail(exc)


@app.command()
def site(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    add: Annotated[int, typer.Option("--add", min=1, max=50, help="How many new masts.")] = 3,
    exact: Annotated[
        bool, typer.Option("--exact", help="Also solve the integer program (HiGHS) and compare.")
    ] = False,
    night: Annotated[bool, typer.Option("--night", help="Use night ranges.")] = False,
) -> None:
    """Propose new mast sites that cover the most blind line length."""
    try:
        import numpy as np

        from ridgeline.terrain.coverage import find_blind_spots
        from ridgeline.terrain.export import sites_geojson
        from ridgeline.terrain.maps import draw_coverage_map
        from ridgeline.terrain.siting import evaluate_candidates, exact_siting, greedy_siting

        sector, terrain = _load(sector_file)
        before = _coverage(sector, terrain, night)
        with err.status("candidate viewsheds (one batched parallel call)"):
            cands = evaluate_candidates(sector, terrain, before.samples, night=night)
        blind = before.sample_counts == 0
        weights = before.samples.weight_m
        plan = greedy_siting(cands.sees, weights, blind, add)
        plans = [plan]
        if exact:
            with err.status("integer program (HiGHS)"):
                plans.append(exact_siting(cands.sees, weights, blind, add))
        best = max(plans, key=lambda p: p.total_gain_m)
        seen_after = before.sample_counts + cands.sees[best.chosen].sum(axis=0)
        after_spots = find_blind_spots(terrain, before.samples, seen_after, sector.sites)
        line_m = before.line_length_m
        summ_before = before.summary()
        covered_after = float(weights[seen_after > 0].sum() / line_m)
        longest_after = max((b.length_m for b in after_spots), default=0.0)
        table = Table(title=f"{len(best.chosen)} new masts ({best.method}) from {cands.sees.shape[0]} candidates")
        for col in ("#", "lon", "lat", "adds m", "coverage after"):
            table.add_column(col, justify="right")
        running = before.fraction_seen_by(1) * line_m
        for i, (c, gain) in enumerate(zip(best.chosen, best.gains_m, strict=True)):
            running += gain
            lon, lat = cands.lonlat[c]
            table.add_row(str(i + 1), f"{lon:.4f}", f"{lat:.4f}", f"{gain:.0f}", f"{100 * running / line_m:.1f} %")
        out.print(table)
        result: dict[str, Any] = {
            "candidates": int(cands.sees.shape[0]),
            "before": {
                "covered_fraction": summ_before["covered_fraction"],
                "longest_blind_spot_m": summ_before["longest_blind_spot_m"],
            },
            "after": {
                "covered_fraction": round(covered_after, 4),
                "longest_blind_spot_m": round(longest_after, 1),
            },
            "plans": {
                p.method: {
                    "total_gain_m": round(p.total_gain_m, 1),
                    "sites": [list(cands.lonlat[c]) for c in p.chosen],
                    "gain_per_mast_m": [round(g, 1) for g in p.gains_m],
                }
                for p in plans
            },
        }
        if exact:
            g, x = plans[0].total_gain_m, plans[1].total_gain_m
            result["greedy_over_exact"] = round(g / x, 4) if x > 0 else 1.0
            out.print(f"greedy {g:.0f} m vs integer program {x:.0f} m: {100 * g / max(x, 1e-9):.1f} % of optimum")
        out.print(
            f"coverage {100 * summ_before['covered_fraction']:.1f} % -> {100 * covered_after:.1f} %, "
            f"longest blind spot {summ_before['longest_blind_spot_m']:.0f} m -> {longest_after:.0f} m"
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        new_sites = [cands.lonlat[c] for c in best.chosen]
        _write_json(out_dir / "sites.geojson", sites_geojson(new_sites, best.gains_m))
        _write_json(out_dir / "summary.json", result)
        # the map shows the new masts' footprints too
        from ridgeline.terrain.coverage import add_footprint
        from ridgeline.terrain.footprint import sensor_footprint

        for rank, c in enumerate(best.chosen):
            new = cands.site(c, f"new-{rank + 1}")
            fp = sensor_footprint(terrain, new, new.sensors[0], night=night)
            add_footprint(before.counts, fp)
            before.footprints.append(fp)
        before.blind_spots = after_spots
        before.sample_counts = np.asarray(seen_after)
        draw_coverage_map(
            out_dir / "sites.png", sector, before, new_sites=new_sites,
            title=f"{sector.name}: {len(new_sites)} new masts, coverage "
            f"{100 * summ_before['covered_fraction']:.1f} % -> {100 * covered_after:.1f} %",
        )
        out.print(f"map: {out_dir / 'sites.png'}")
    except RidgelineError as exc:
        _fail(exc)


@app.command()
def radio(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
) -> None:
    """Radio links from each site to each cell tower: line of sight, ITM path loss, margin."""
    try:
        from ridgeline.terrain.radio import best_links, link_table

        sector, terrain = _load(sector_file)
        with err.status("terrain profiles and Longley-Rice path loss"):
            links = link_table(terrain, sector)
        table = Table(title="Site to cell tower links (Longley-Rice, median)")
        for col in ("site", "tower", "km", "LOS", "loss dB", "margin dB", "usable", "ITM"):
            table.add_column(col, justify="left" if col in ("site", "tower", "usable") else "right")
        for link in links:
            table.add_row(
                link.site_id, link.tower_id, f"{link.distance_m / 1000:.1f}",
                "yes" if link.line_of_sight else "no", f"{link.path_loss_db:.1f}",
                f"{link.margin_db:.1f}",
                "[green]yes[/]" if link.usable else "[red]no[/]",
                str(link.itm_warning) if link.itm_warning else "",
            )
        out.print(table)
        if any(link.itm_warning >= 3 for link in links):
            out.print(
                "ITM 3 = Longley-Rice calls its own answer probably invalid (horizons too steep "
                "for the model, common in mountains): treat those losses as pessimistic"
            )
        best = best_links(links)
        cut_off = [s for s, link in best.items() if link is None]
        if cut_off:
            out.print(f"[bold red]no usable link:[/] {', '.join(cut_off)}")
        else:
            out.print("every site has a usable link")
    except RidgelineError as exc:
        _fail(exc)


BrokerOpt = Annotated[
    str, typer.Option("--broker", help="Broker URL, mqtt://\\[user:pass@]host\\[:port] or mqtts://... for TLS.")
]
UserOpt = Annotated[
    str | None, typer.Option("--username", envvar="RIDGELINE_MQTT_USERNAME",
                             help="MQTT user name (default: the site id at a site, 'centre' at the centre).")
]
PasswordOpt = Annotated[
    str | None, typer.Option("--password", envvar="RIDGELINE_MQTT_PASSWORD", help="MQTT password.")
]
PasswordFileOpt = Annotated[
    Path | None, typer.Option("--password-file", help="File holding the MQTT password (a <user>.secret written by "
                              "`ridgeline broker users`).")
]
CaOpt = Annotated[Path | None, typer.Option("--ca-file", help="CA certificate for mqtts:// brokers.")]


def _broker(url: str, username: str | None, password: str | None, ca_file: Path | None,
            password_file: Path | None = None, default_user: str | None = None) -> Any:
    """Broker settings from the URL, then the options (a password file, a default user name)."""
    from ridgeline.errors import DataFileNotFoundError
    from ridgeline.transport.broker import BrokerConfig

    cfg = BrokerConfig.from_url(url, ca_file=str(ca_file) if ca_file else None)
    if password_file is not None:
        if not password_file.is_file():
            raise DataFileNotFoundError(f"password file {password_file} does not exist")
        password = password_file.read_text().strip()
    user = username or cfg.username or (default_user if password or cfg.password else None)
    if user is not None:
        cfg = cfg.with_credentials(user, password if password is not None else cfg.password)
    return cfg


@app.command()
def edge(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML); the site must be one of its sites.")],
    site: Annotated[str, typer.Option("--site", help="Id of this site in the sector file.")],
    broker: BrokerOpt = "mqtt://127.0.0.1:1883",
    username: UserOpt = None,
    password: PasswordOpt = None,
    password_file: PasswordFileOpt = None,
    ca_file: CaOpt = None,
    replay: Annotated[Path | None, typer.Option("--replay", help="Replay a JSONL file of messages.")] = None,
    simulate: Annotated[bool, typer.Option("--simulate", help="Simulated walkers crossing the line.")] = False,
    video_source: Annotated[
        str | None, typer.Option("--video", help="A camera: video file or stream URL, analysed here.")
    ] = None,
    video_line: Annotated[
        list[str] | None, typer.Option("--line", help="With --video: tripwire x1,y1,x2,y2 in pixels (repeat).")
    ] = None,
    ais_source: Annotated[
        str | None, typer.Option("--ais", help="An AIS receiver: NMEA/CSV file, tcp://HOST:PORT or udp://HOST:PORT.")
    ] = None,
    rate: Annotated[float, typer.Option(help="Messages per second from --replay (0: as fast as possible).")] = 0.0,
    retime: Annotated[
        bool, typer.Option("--retime", help="Shift --replay's times so the first message happens now.")
    ] = False,
    outbox: Annotated[Path | None, typer.Option(help="Outbox file (default: ridgeline-SITE.outbox.db).")] = None,
    exit_when_drained: Annotated[
        bool, typer.Option("--exit-when-drained", help="Exit once every source ended and the centre has everything.")
    ] = False,
    resend_after: Annotated[float, typer.Option(help="Seconds before an unconfirmed message is sent again.")] = 15.0,
) -> None:
    """Run a site's edge agent: its sensors as the sector file sets them up (or one source option instead)
    -> durable outbox -> MQTT."""
    import logging
    import signal

    try:
        from ridgeline.app.edge_site import Overrides, find_site
        from ridgeline.config import load_sector
        from ridgeline.edge import run_site

        sector = load_sector(sector_file)
        try:
            find_site(sector, site)
        except ConfigError as exc:
            raise ConfigError(f"{sector_file}: {exc}") from None
        overrides = Overrides(replay=replay, rate=rate, retime=retime, simulate=simulate, video=video_source,
                              video_lines=tuple(_line_rules(video_line)), ais=ais_source)
        if overrides.count() > 1:
            raise typer.BadParameter("give at most one of --replay FILE, --simulate, --video SOURCE or --ais SOURCE")
        if video_line and video_source is None:
            raise typer.BadParameter("--line applies to --video only (a configured camera has its lines in the "
                                     "sector file)")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

        def started(agent: Any, runs: Any) -> None:
            names = ", ".join(f"{r.sensor} ({r.adapter})" for r in runs)
            err.print(f"edge {site}: {names} -> {agent.outbox.path} -> {agent.publisher.broker}")
            signal.signal(signal.SIGTERM, lambda *_: agent.request_stop())

        result = run_site(
            sector, site, _broker(broker, username, password, ca_file, password_file, default_user=site),
            outbox or Path(f"ridgeline-{site}.outbox.db"), overrides, exit_when_drained=exit_when_drained,
            resend_after=resend_after, on_start=started,
        )
        err.print(
            f"edge {site}: produced {result.produced}, sent {result.sent}, confirmed "
            f"{result.confirmed}, ignored {result.ignored_acks} confirmed seq(s) not awaited, "
            f"backlog {'0' if result.drained else 'left in the outbox'}"
        )
        for failure in result.failed:
            err.print(f"edge {site}: sensor adapter {failure}")
    except RidgelineError as exc:
        _fail(exc)


@app.command()
def serve(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
    db: Annotated[str, typer.Option("--db", help="Database URL (SQLite file or postgresql+psycopg://...).")] = (
        "sqlite:///ridgeline-centre.db"
    ),
    broker: Annotated[
        str, typer.Option("--broker", help="Broker URL (mqtt://\\[user:pass@]host\\[:port], mqtts://...), or "
                          "'embedded' for an in-process broker on 127.0.0.1 (demos, single host).")
    ] = "embedded",
    embedded_port: Annotated[int, typer.Option(help="Port of the embedded broker.")] = 1883,
    users: Annotated[
        Path, typer.Option("--users", help="Broker users folder (`ridgeline broker users`): the embedded broker's "
                           "passwords, and the centre's own; created for the sector's sites if missing.")
    ] = Path("ridgeline-broker"),
    username: UserOpt = None,
    password: PasswordOpt = None,
    ca_file: CaOpt = None,
    workers: Annotated[int, typer.Option(help="Ingest workers on the shared subscription.")] = 1,
    http_port: Annotated[int, typer.Option(help="Port of /health and /metrics on 127.0.0.1.")] = 8765,
    worker_prefix: Annotated[str, typer.Option(help="Prefix of the workers' MQTT client ids.")] = "w",
) -> None:
    """Run the centre: ingest from every site into the database, with health and metrics."""
    import logging
    import signal
    import threading

    try:
        from ridgeline.centre import Centre
        from ridgeline.config import load_sector

        sector = load_sector(sector_file)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        from ridgeline.transport.access import CENTRE, BrokerUsers

        embedded = None
        folder = BrokerUsers(users)
        if broker == "embedded":
            from ridgeline.transport.embedded import EmbeddedBroker

            created = folder.ensure(s.id for s in sector.sites)
            if created:
                err.print(f"broker users created in {users}: each site logs in with its <site>.secret "
                          f"(ridgeline edge --password-file {users}/SITE.secret)")
            embedded = EmbeddedBroker(folder, port=embedded_port)
            embedded.start()
            broker = embedded.url
            workers = 1  # no shared subscriptions on the embedded broker
            err.print(f"embedded broker on {embedded.url} (MQTT 3.1.1, local only, users and ACL of {users}; "
                      "deploy with Mosquitto)")
        config = _broker(broker, username, password, ca_file)
        if config.username is None and folder.secret_file(CENTRE).is_file():
            config = config.with_credentials(CENTRE, folder.password(CENTRE))
        centre = Centre(db, config, workers=workers, http_port=http_port,
                        worker_prefix=worker_prefix, rules=list(sector.rules))
        centre.start()
        err.print(f"centre: {workers} ingest worker(s) on {centre.workers[0].broker} -> {db}; "
                  f"http://127.0.0.1:{http_port}/health and /metrics")
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
        centre.stop()
        if embedded is not None:
            embedded.stop()
    except RidgelineError as exc:
        _fail(exc)


@app.command()
def live(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
    seconds: Annotated[float, typer.Option(help="How long to run, seconds of wall time.")] = 30.0,
    rate: Annotated[float, typer.Option(help="Simulation ticks per second at each site.")] = 5.0,
    sites: Annotated[int | None, typer.Option(help="Only the first N sites (default: all).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the centre's database and the outboxes.")] = (
        Path("out/live")
    ),
) -> None:
    """The whole sector live on this machine: embedded broker, centre, a simulated edge per site."""
    import logging

    try:
        from ridgeline.config import load_sector
        from ridgeline.sim.live import run_live

        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        sector = load_sector(sector_file)
        with _progress() as bar:
            task = bar.add_task("live: messages stored at the centre", total=None)
            result = run_live(
                sector, out_dir, seconds, rate=rate, sites=sites,
                progress=lambda _t, stored: bar.update(task, completed=stored),
            )
    except RidgelineError as exc:
        _fail(exc)
    table = Table(title=f"Live for {seconds:.0f} s: what reached the centre")
    for col in ("site", "received", "last seq", "missing", "duplicates"):
        table.add_column(col, justify="left" if col == "site" else "right")
    for r in result.reports:
        table.add_row(r.site, str(r.received), str(r.max_seq), str(r.missing), str(r.duplicates))
    out.print(table)
    from ridgeline.store import alerts as repo
    from ridgeline.store.db import Store

    store = Store(result.db_url)
    with store.engine.connect() as conn:
        rows = repo.list_alerts(conn, limit=10)
    store.close()
    if rows:
        brief = Table(title="Latest alerts")
        for col in ("opened (UTC)", "type", "severity", "state", "events", "site"):
            brief.add_column(col)
        for a, escalated in rows:
            brief.add_row(a.opened.strftime("%H:%M:%S"), a.type.value, a.severity.value + (" ^" if escalated else ""),
                          a.state.value, str(a.event_count), a.site or "")
        out.print(brief)
    out.print(
        f"alerts opened {result.alerts_opened}, updated {result.alerts_updated}, escalated {result.escalations}; "
        f"all of them: ridgeline alert list --db {result.db_url}"
    )


@app.command()
def track(
    detections: Annotated[Path, typer.Argument(help="Detections, MOTChallenge format (frame,id,l,t,w,h,conf,...).")],
    out_path: Annotated[Path, typer.Option("--out", help="Tracks, MOTChallenge format.")],
    min_hits: Annotated[int, typer.Option(help="Matches before a track counts (reported from its first).")] = 3,
    lost_frames: Annotated[int, typer.Option(help="Frames a lost track is kept; its bridged gaps are filled.")] = 30,
    frame_rate: Annotated[float, typer.Option(help="Frames per second of the sequence.")] = 30.0,
) -> None:
    """Track MOTChallenge detections (OC-SORT, finished offline) and write MOTChallenge tracks."""
    try:
        from ridgeline.vision.mot import read_mot, write_mot
        from ridgeline.vision.tracking import TrackerSettings, track_sequence

        boxes = read_mot(detections)
        settings = TrackerSettings(min_hits=min_hits, lost_frames=lost_frames, frame_rate=frame_rate)
        frames = int(boxes.frame.max())
        with _progress() as bar:
            task = bar.add_task("tracking", total=frames)
            rows = track_sequence(boxes, settings, progress=lambda f: bar.update(task, completed=f))
        n = write_mot(out_path, rows)
        out.print(f"{out_path}: {len({r[1] for r in rows})} tracks, {n} boxes over {frames} frames")
    except RidgelineError as exc:
        _fail(exc)


def _points(text: str, what: str, at_least: int) -> tuple[tuple[float, float], ...]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise typer.BadParameter(f"{what} {text!r}: expected numbers x1,y1,x2,y2,...") from None
    if len(values) % 2 or len(values) < 2 * at_least:
        raise typer.BadParameter(f"{what} {text!r}: expected at least {at_least} x,y pairs")
    return tuple((values[i], values[i + 1]) for i in range(0, len(values), 2))


def _line_rules(texts: list[str] | None, **options: Any) -> list[LineRule]:
    """Tripwires from ``--line x1,y1,x2,y2`` options, named line1, line2, ..."""
    from ridgeline.vision.rules import LineRule

    rules = []
    for i, text in enumerate(texts or []):
        pts = _points(text, "--line", 2)
        if len(pts) != 2:
            raise typer.BadParameter(f"--line {text!r}: expected exactly x1,y1,x2,y2")
        rules.append(LineRule(f"line{i + 1}", pts[0], pts[1], **options))
    return rules


@app.command()
def video(
    source: Annotated[str, typer.Argument(help="Video file or stream URL (rtsp://, http://...).")],
    line: Annotated[list[str] | None, typer.Option("--line", help="Tripwire x1,y1,x2,y2 in pixels (repeat).")] = None,
    zone: Annotated[list[str] | None, typer.Option("--zone", help="Zone polygon x,y,x,y,... (repeat).")] = None,
    mask: Annotated[
        list[str] | None, typer.Option("--mask", help="Privacy mask polygon x,y,x,y,...: never analysed (repeat).")
    ] = None,
    loiter: Annotated[float | None, typer.Option(help="Seconds in a zone that count as loitering.")] = None,
    detect_fps: Annotated[float, typer.Option(help="Frames per second analysed.")] = 15.0,
    profile: Annotated[
        str, typer.Option(help="Motion and tracking settings: default (day/night cameras) or thermal (people on foot).")
    ] = "default",
    line_inertia: Annotated[
        int, typer.Option(min=1, help="Frames a track must stay on the new side before a crossing counts.")
    ] = 1,
    classes: Annotated[
        str | None,
        typer.Option(help="Lines and zones apply to these classes only, e.g. person,vehicle (with --model)."),
    ] = None,
    min_speed: Annotated[
        float, typer.Option(min=0.0, help="Tracks slower than this (pixels/s) cross no line and enter no zone.")
    ] = 0.0,
    model: Annotated[
        Path | None, typer.Option(help="ONNX detector you supply (default: motion); see README.")
    ] = None,
    camera: Annotated[str, typer.Option(help="Camera id put in the events.")] = "camera",
    min_height: Annotated[float, typer.Option(help="Ignore objects smaller than this, pixels.")] = 0.0,
    events_path: Annotated[Path | None, typer.Option("--events", help="Events, JSON lines.")] = None,
    tracks_path: Annotated[Path | None, typer.Option("--tracks", help="Tracks, MOTChallenge format.")] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", help="Annotated copy, MP4.")] = None,
    ptz: Annotated[
        str | None, typer.Option(help="Follow tracks with this camera's PTZ head: onvif://USER:PASSWORD@HOST:PORT.")
    ] = None,
    snapshots: Annotated[
        Path | None, typer.Option(help="Folder for a JPEG per event (privacy masks blacked out).")
    ] = None,
) -> None:
    """Motion, tracks and line/zone events in a video (day, night or thermal)."""
    try:
        from ridgeline.model import ObjectClass
        from ridgeline.vision.mot import write_mot
        from ridgeline.vision.motion import PROFILES, MotionDetector, MotionSettings
        from ridgeline.vision.pipeline import VideoPipeline
        from ridgeline.vision.rules import TrackRules, ZoneRule
        from ridgeline.vision.tracking import Tracker, TrackerSettings
        from ridgeline.vision.video import FrameSource

        only = tuple(c.strip() for c in classes.split(",") if c.strip()) if classes else ()
        known = [c.value for c in ObjectClass]
        unknown = [c for c in only if c not in known]
        if unknown:
            raise typer.BadParameter(f"--classes: unknown {', '.join(unknown)} ({', '.join(known)})")
        lines = _line_rules(line, inertia=line_inertia, classes=only)
        if profile not in PROFILES:
            raise typer.BadParameter(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")
        zones = [ZoneRule(f"zone{i + 1}", _points(t, "--zone", 3), loiter_s=loiter, classes=only)
                 for i, t in enumerate(zone or [])]
        masks = tuple(_points(t, "--mask", 3) for t in (mask or []))
        src = FrameSource(source, detect_fps=detect_fps, colour=annotate is not None or model is not None)
        rate = src.fps / src.every
        if model is not None:
            from ridgeline.vision.detector import OnnxDetector

            detector: Any = OnnxDetector(model, masks=masks)
        else:
            detector = MotionDetector(MotionSettings.profile(profile, masks=masks))
        pipeline = VideoPipeline(
            detector, Tracker(TrackerSettings.profile(profile, frame_rate=rate)),
            TrackRules(lines, zones, min_height=min_height, min_speed=min_speed), camera=camera, snapshots=snapshots,
            masks=masks,
        )
        writer = None
        if annotate is not None:
            from ridgeline.vision.annotate import Annotator

            writer = Annotator(annotate, src.width, src.height, rate, lines, zones, masks)
        hooks: list[Any] = [writer] if writer is not None else []
        head = None
        if ptz is not None:
            from urllib.parse import urlparse

            from ridgeline.vision.onvif import OnvifPtz
            from ridgeline.vision.ptz import PtzFollow

            url = urlparse(ptz)
            if url.scheme != "onvif" or not url.hostname:
                raise typer.BadParameter(f"--ptz {ptz!r}: expected onvif://USER:PASSWORD@HOST:PORT")
            head = OnvifPtz(url.hostname, url.port or 80, url.username, url.password)
            follow = PtzFollow(head, (src.width, src.height))
            hooks.append(lambda frame, tracks, events: follow(
                frame.time_s, tracks, [int(str(e.object_id).rsplit("-", 1)[-1]) for e in events if e.object_id]))

        def each_frame(frame: Any, tracks: Any, events: Any) -> None:
            for hook in hooks:
                hook(frame, tracks, events)

        total = (src.frames // src.every) if src.frames else None
        with _progress() as bar:
            task = bar.add_task("video", total=total)
            try:
                result = pipeline.run(
                    src, annotate=each_frame if hooks else None, keep_tracks=tracks_path is not None,
                    on_frame=lambda r: bar.update(
                        task, completed=r.frames,
                        description=f"video {r.fps:.0f} fps, {r.track_count} tracks, {len(r.events)} events",
                    ),
                )
            except KeyboardInterrupt:  # a live stream runs until stopped: keep what it found
                result = pipeline.result
        src.close()
        if writer is not None:
            writer.close()
        if head is not None:
            head.close()
        if events_path is not None:
            events_path.parent.mkdir(parents=True, exist_ok=True)
            events_path.write_text("".join(
                json.dumps({"type": "events", "payload": e.model_dump(mode="json")}) + "\n" for e in result.events
            ))
        if tracks_path is not None:
            write_mot(tracks_path, result.tracks)
    except RidgelineError as exc:
        _fail(exc)
    out.print(
        f"{source}: {result.frames} frames at {result.fps:.0f} fps, {result.track_count} tracks, "
        f"{len(result.events)} events, {result.background_resets} background resets"
    )
    for e in result.events[:20]:
        out.print(f"  {e.time:%H:%M:%S} {e.type.value} {e.zone} {e.object_id} "
                  f"{e.detail.get('direction', '')} at ({e.position.x if e.position else ''}, "
                  f"{e.position.y if e.position else ''})")


def _behaviour_table(behaviours: list[Any], statics: dict[int, Any], limit: int) -> Table:
    from datetime import UTC, datetime

    from ridgeline.maritime.behaviour import LABELS

    table = Table(title=f"Behaviours (first {min(limit, len(behaviours))} of {len(behaviours)})")
    for col in ("#", "kind", "vessels", "start (UTC)", "hours", "lat, lon", "detail"):
        table.add_column(col)
    counters: dict[str, int] = {}
    for b in behaviours:
        counters[b.kind] = counters.get(b.kind, 0) + 1
        if counters[b.kind] > limit:
            continue
        names = [
            f"{v} {statics[v].name}" if v in statics and statics[v].name else str(v) for v in b.vessels
        ]
        detail = ", ".join(f"{k} {v}" for k, v in b.detail.items() if v is not None and k != "reports")
        table.add_row(
            f"{LABELS[b.kind]}{counters[b.kind]}", b.kind, " + ".join(names),
            datetime.fromtimestamp(b.start, UTC).strftime("%m-%d %H:%M"), f"{b.duration_s / 3600:.2f}",
            f"{b.lat:.4f}, {b.lon:.4f}", detail,
        )
    return table


@app.command()
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
) -> None:
    """Vessel behaviours from AIS (and radar): encounters, loitering, gaps, landings, dark targets."""
    try:
        from ridgeline.config.maritime import MaritimeConfig, read_ports
        from ridgeline.config.sector import load_sector
        from ridgeline.maritime.adapter import sector_bounds
        from ridgeline.maritime.behaviour import BehaviourEngine
        from ridgeline.maritime.csvinput import ColumnMap
        from ridgeline.maritime.events import evidence_tracks, to_event, write_geojson
        from ridgeline.maritime.positions import Positions
        from ridgeline.maritime.radar import RadarReader
        from ridgeline.maritime.shore import build_shore
        from ridgeline.maritime.sources import AisSource

        sector = load_sector(sector_path) if sector_path else None
        config = sector.maritime if sector else MaritimeConfig()
        if ports is not None:
            config = config.model_copy(update={"ports": [*config.ports, *read_ports(ports)]})
        src = AisSource(source, ColumnMap.parse(columns) if columns else None)
        dem_paths = [str(p) for p in dem or []] or ([str(sector.path(d)) for d in sector.terrain.dem] if sector else [])
        plots = RadarReader().read(radar.read_bytes().splitlines()) if radar is not None else None
        behaviours: list[Any] = []
        started = time.monotonic()

        coastline = sector.path(config.coastline) if sector is not None and config.coastline else None

        def shore_over(bounds: tuple[float, float, float, float]) -> Any:
            return build_shore(bounds, dem_paths, coastline, global_land)

        if src.kind in ("nmea", "csv"):
            with _progress() as bar:
                task = bar.add_task(f"reading {src.kind}", total=None)
                positions = src.read_file(lambda n: bar.update(task, completed=n))
            if not len(positions):
                why = ", ".join(f"{k} {v}" for k, v in sorted(src.rejected.items())) or "none"
                raise ConfigError(f"{source}: no vessel positions in {src.lines} lines (rejected: {why})")
            shore = shore_over(positions.bounds())
            engine = BehaviourEngine(config, shore)
            engine.update_statics(src.statics)
            with _progress() as bar:
                task = bar.add_task("behaviours", total=len(positions))
                judged = engine.judge(positions, plots, chunk, lambda n: bar.update(task, completed=n))
            behaviours = sorted(judged, key=lambda b: (b.kind, b.start))
            history = positions
        else:
            if sector is None:
                raise ConfigError("a live feed needs --sector (its zones, ports and shore)")
            shore = shore_over(sector_bounds(sector))
            engine = BehaviourEngine(config, shore)
            seen: dict[str, Any] = {}
            parts = []
            try:
                for part in src.live_chunks():
                    parts.append(part)
                    engine.update_statics(src.statics)
                    for b in engine.feed(part):
                        seen[b.key] = b
                        state = "(going on)" if b.ongoing else ""
                        err.print(f"{b.kind} {state} {b.vessels} at {b.lat:.4f}, {b.lon:.4f}")
                    if seconds is not None and time.monotonic() - started >= seconds:
                        src.stop()
            except KeyboardInterrupt:
                src.stop()
            for b in engine.finish():
                seen[b.key] = b
            behaviours = sorted(seen.values(), key=lambda b: (b.kind, b.start))
            history = Positions.concat(parts)
            positions = history
        statics = src.statics
        if events_path is not None:
            events_path.parent.mkdir(parents=True, exist_ok=True)
            with events_path.open("w") as fh:
                for b in behaviours:
                    tracks = evidence_tracks(b, history)
                    for t in tracks:
                        fh.write(json.dumps({"type": "tracks", "payload": t.model_dump(mode="json")}) + "\n")
                    event = to_event(b, sensor="ais", statics=statics, track_ids=[t.id for t in tracks])
                    fh.write(json.dumps({"type": "events", "payload": event.model_dump(mode="json")}) + "\n")
        if geojson is not None:
            geojson.parent.mkdir(parents=True, exist_ok=True)
            write_geojson(behaviours, geojson, statics)
        if map_path is not None:
            from ridgeline.maritime.maps import draw_vessel_map

            map_path.parent.mkdir(parents=True, exist_ok=True)
            draw_vessel_map(map_path, positions, behaviours, engine.anchorages.all(), engine.shore,
                            title=f"{Path(source).name}: {len(behaviours)} behaviours")
    except RidgelineError as exc:
        _fail(exc)
    elapsed = time.monotonic() - started
    rejected = sum(src.rejected.values())
    out.print(
        f"{source}: {src.lines:,} lines, {engine.reports:,} positions kept of {len(positions):,} "
        f"({', '.join(f'{k} {v}' for k, v in engine.tracks.dropped.items() if v) or 'none dropped'}), "
        f"{len(engine.tracks.slots):,} vessels, {rejected:,} rejected"
        f"{' (' + ', '.join(f'{k} {v}' for k, v in sorted(src.rejected.items())) + ')' if rejected else ''}, "
        f"{engine.stop_count} stops, {sum(1 for a in engine.anchorages.all() if a.learned)} anchorages learned, "
        f"{elapsed:.1f} s"
    )
    summary = Table(title="Summary")
    summary.add_column("behaviour")
    summary.add_column("count", justify="right")
    for kind in engine.counts:
        summary.add_row(kind, str(sum(1 for b in behaviours if b.kind == kind)))
    out.print(summary)
    if behaviours:
        out.print(_behaviour_table(behaviours, statics, show))
    for label, p in (("events", events_path), ("geojson", geojson), ("map", map_path)):
        if p is not None:
            out.print(f"{label}: {p}")


alert_app = typer.Typer(help="Alerts: list them and move them along their lifecycle.", no_args_is_help=True)
app.add_typer(alert_app, name="alert")
DbOpt = Annotated[str, typer.Option("--db", help="Database URL.")]
ActorOpt = Annotated[str, typer.Option("--by", help="Who does it (kept in the alert's history).")]


@alert_app.command("list")
def alert_list(
    db: DbOpt = "sqlite:///ridgeline-centre.db",
    state: Annotated[str | None, typer.Option(help="Only alerts in this state (new, acknowledged...).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
) -> None:
    """Alerts, newest first."""
    from ridgeline.store import alerts as repo
    from ridgeline.store.db import Store

    try:
        store = Store(db)
        with store.engine.connect() as conn:
            rows = repo.list_alerts(conn, state, limit)
        store.close()
    except RidgelineError as exc:
        _fail(exc)
    out.print(_alerts_table(rows))


def _alerts_table(rows: list[Any]) -> Table:
    table = Table(title="Alerts (^: escalated)")
    for col in ("id", "opened (UTC)", "type", "severity", "state", "events", "site", "key"):
        table.add_column(col)
    for a, escalated in rows:
        table.add_row(a.id, a.opened.strftime("%Y-%m-%d %H:%M:%S"), a.type.value,
                      a.severity.value + (" ^" if escalated else ""), a.state.value, str(a.event_count),
                      a.site or "", a.key)
    return table


def _move(db: str, alert_id: str, to: str, actor: str, note: str) -> None:
    from ridgeline.model import AlertState
    from ridgeline.rules.engine import RuleEngine
    from ridgeline.rules.service import AlertService
    from ridgeline.store.db import Store

    try:
        store = Store(db)
        moved = AlertService(store, RuleEngine([])).set_state(alert_id, AlertState(to), actor=actor, note=note)
        store.close()
    except RidgelineError as exc:
        _fail(exc)
    out.print(f"alert {moved.id}: {moved.state.value}")


@alert_app.command("ack")
def alert_ack(alert_id: str, db: DbOpt = "sqlite:///ridgeline-centre.db", by: ActorOpt = "operator",
              note: str = "") -> None:
    """Acknowledge an alert (stops its escalation)."""
    _move(db, alert_id, "acknowledged", by, note)


@alert_app.command("dispatch")
def alert_dispatch(alert_id: str, db: DbOpt = "sqlite:///ridgeline-centre.db", by: ActorOpt = "operator",
                   note: str = "") -> None:
    """Mark an alert as dispatched (a unit is on its way)."""
    _move(db, alert_id, "dispatched", by, note)


@alert_app.command("resolve")
def alert_resolve(
    alert_id: str, db: DbOpt = "sqlite:///ridgeline-centre.db", by: ActorOpt = "operator", note: str = "",
    false_alarm: Annotated[bool, typer.Option("--false-alarm", help="It was nothing.")] = False,
) -> None:
    """Resolve an alert: a true alarm, or with --false-alarm a false one."""
    _move(db, alert_id, "resolved_false_alarm" if false_alarm else "resolved_true", by, note)


def main() -> None:
    """Entry point of the ``ridgeline`` script."""
    # numpy asks Linux for transparent huge pages on each large array.  Where THP is left
    # to madvise with synchronous compaction (the cloud VMs we measure on), reading a 190 MB
    # DEM then took 0.43 s instead of 0.19 s, and `ridgeline viewshed` on it 3.79 s instead
    # of 3.55 s (medians of 8); 4 KiB pages made the viewshed kernel no slower.  Set
    # NUMPY_MADVISE_HUGEPAGE=1 to have them back.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)

