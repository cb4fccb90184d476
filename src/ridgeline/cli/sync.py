"""``ridgeline edge|serve|live``: the sites, the centre, and the whole sector live on one machine.

``store`` and ``broker`` (the centre's database, the broker's users) are their own modules.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ridgeline.cli.console import err, out, progress_bar
from ridgeline.errors import ConfigError

if TYPE_CHECKING:
    from ridgeline.app.centre import Centre
    from ridgeline.config.sector import Sector
    from ridgeline.vision.rules import LineRule

BROKER_URL_HELP = "mqtt://\\[user:pass@]host\\[:port]"
"""The broker URL's form, its brackets escaped so rich shows them in --help instead of reading markup."""
BrokerOpt = Annotated[
    str, typer.Option("--broker", help=f"Broker URL, {BROKER_URL_HELP} or mqtts://... for TLS.")
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


def _line_rules(texts: list[str] | None) -> list[LineRule]:
    """Tripwires from ``--line x1,y1,x2,y2`` options, named line1, line2, ..."""
    from ridgeline.cli.video import parse_lines
    from ridgeline.vision.rules import LineRule

    return [LineRule(f"line{i + 1}", a, b) for i, (a, b) in enumerate(parse_lines(texts))]


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
    import signal

    from ridgeline.app.brokers import broker_config
    from ridgeline.app.edge_agent import EdgeAgent, run_site
    from ridgeline.app.edge_site import Overrides, find_site
    from ridgeline.config import load_sector

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

    def started(agent: EdgeAgent, runs: Any) -> None:
        names = ", ".join(f"{r.sensor} ({r.adapter})" for r in runs)
        err.print(f"edge {site}: {names} -> {agent.outbox.path} -> {agent.publisher.broker}", soft_wrap=True)
        signal.signal(signal.SIGTERM, lambda *_: agent.request_stop())

    result = run_site(
        sector, site, broker_config(broker, username, password, ca_file, password_file, default_user=site),
        outbox or Path(f"ridgeline-{site}.outbox.db"), overrides, exit_when_drained=exit_when_drained,
        resend_after=resend_after, on_start=started,
    )
    err.print(
        f"edge {site}: produced {result.produced}, sent {result.sent}, confirmed "
        f"{result.confirmed}, ignored {result.ignored_acks} confirmed seq(s) not awaited, "
        f"backlog {'0' if result.drained else 'left in the outbox'}", soft_wrap=True,
    )
    for failure in result.failed:
        err.print(f"edge {site}: sensor adapter {failure}", soft_wrap=True)


def serve(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
    db: Annotated[str, typer.Option("--db", help="Database URL (SQLite file or postgresql+psycopg://...).")] = (
        "sqlite:///ridgeline-centre.db"
    ),
    broker: Annotated[
        str, typer.Option("--broker", help=f"Broker URL ({BROKER_URL_HELP}, mqtts://...), or "
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
    http_port: Annotated[int, typer.Option(help="Port of the API (/api/v1), /health and /metrics.")] = 8765,
    host: Annotated[str, typer.Option(help="Address the API listens on (behind a TLS proxy: keep 127.0.0.1).")] = (
        "127.0.0.1"),
    origin: Annotated[list[str] | None, typer.Option(
        "--origin", help="An origin (https://console.example) whose pages may call the API, besides its own; "
        "repeat for more.")] = None,
    plain_http: Annotated[bool, typer.Option(
        "--plain-http", help="Send the session cookie over plain HTTP too (a test bench; never in "
        "production).")] = False,
    case_key: Annotated[Path, typer.Option("--case-key", help="The centre's Ed25519 key that signs case files "
                                           "(created if missing).")] = Path("ridgeline-centre.key"),
    worker_prefix: Annotated[str, typer.Option(help="Prefix of the workers' MQTT client ids.")] = "w",
    audit_heads: Annotated[Path | None, typer.Option(
        "--audit-heads", help="File the audit trail's head is appended to every 5 minutes and on stopping (SEQ "
        "HASH TIME), for `ridgeline audit verify --heads`; ship it off this machine. Default: beside a SQLite "
        "database (NAME.audit-heads.txt), else ./ridgeline-audit-heads.txt.")] = None,
    live_queue: Annotated[int, typer.Option("--live-queue", min=1, help="Change batches a live WebSocket client "
                                            "may fall behind before it is told and dropped (close 1013).")] = 1000,
    tiles: Annotated[Path | None, typer.Option(
        "--tiles", help="The sector's terrain tiles for the console (PMTiles; built if missing, as `ridgeline "
        "tiles` does). Default: beside a SQLite database (NAME.terrain.pmtiles), else ./ridgeline-terrain.pmtiles."
    )] = None,
) -> None:
    """Run the centre: ingest from every site into the database, and the API for the operators."""
    import signal

    from ridgeline.api.context import ApiSettings
    from ridgeline.api.server import serve_centre
    from ridgeline.app.centre import CentreRequest, start_centre
    from ridgeline.app.database import beside_database
    from ridgeline.app.tiles import build_in_background, prepare_map_tiles, tiles_beside
    from ridgeline.cli.terrain import describe_tiles
    from ridgeline.config import load_sector

    sector = load_sector(sector_file)
    maps = prepare_map_tiles(sector, tiles or tiles_beside(db))
    if audit_heads is None:
        audit_heads = beside_database(db, "audit-heads.txt")
    req = CentreRequest(db, broker, embedded_port, users, username, password, ca_file, workers, worker_prefix,
                        audit_heads)
    running = start_centre(sector, req)
    if running.users_created:
        err.print(f"broker users created in {users}: each site logs in with its <site>.secret "
                  f"(ridgeline edge --password-file {users}/SITE.secret)")
    if running.embedded is not None:
        err.print(f"embedded broker on {running.embedded.url} (MQTT 3.1.1, local only, users and ACL of {users}; "
                  "deploy with Mosquitto)")
    try:
        settings = ApiSettings(origins=frozenset(origin or ()), secure_cookie=not plain_http, case_key=case_key,
                               client_queue=live_queue)
        api = serve_centre(running.centre, http_port, host, settings, sector.retention, maps.terrain, maps.basemap,
                           sector)
    except BaseException:
        running.stop()
        raise
    err.print(f"centre: {running.workers} ingest worker(s) on {running.broker_url} -> {db}; "
              f"API {api.url}/api/v1 (OpenAPI: /api/v1/openapi.json), /health and /metrics; console {api.url}/",
              soft_wrap=True)
    if maps.stale:
        err.print(f"terrain tiles: building {maps.terrain} in the background (the console's terrain answers 503 "
                  "until they are written)", soft_wrap=True)
        building: threading.Thread | None = build_in_background(sector, maps.terrain, lambda built, exc: err.print(
            f"terrain tiles: {describe_tiles(built) if built else f'not built: {exc}'}", soft_wrap=True))
    else:
        building = None
        err.print(f"terrain tiles: {maps.terrain}", soft_wrap=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    api.stop()
    if building is not None:  # a build cut off at exit aborts the process from inside GDAL
        building.join()
    running.stop()


DEMO_USER = "demo"
"""The supervisor account ``ridgeline live`` makes in its fresh database, its password printed once."""


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """While the block runs, Ctrl-C (SIGINT) and SIGTERM set ``stop`` (a second Ctrl-C quits at
    once); the handlers before are put back after."""
    import signal

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    before = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in before.items():
            signal.signal(sig, old)


def live(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML).")],
    seconds: Annotated[float | None, typer.Option(
        help="How long to run, seconds of wall time (default: until Ctrl-C or SIGTERM).")] = None,
    rate: Annotated[float, typer.Option(help="Simulation ticks per second at each site.")] = 5.0,
    sites: Annotated[int | None, typer.Option(help="Only the first N sites (default: all).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the centre's database and the outboxes.")] = (
        Path("out/live")
    ),
    http_port: Annotated[int, typer.Option(help="Port of the console and the API on 127.0.0.1.")] = 8765,
    with_console: Annotated[bool, typer.Option(
        "--console/--no-console", help="Serve the console and the API while it runs, with a demo login.")] = True,
) -> None:
    """The whole sector live on this machine: embedded broker, centre, a simulated edge per site, and the
    operators' console over it (at http://127.0.0.1:HTTP_PORT/, a demo login printed)."""
    from ridgeline.app.live import run_live
    from ridgeline.config import load_sector

    sector = load_sector(sector_file)
    stop = threading.Event()
    until_stopped = "Ctrl-C to stop" if seconds is None else ""
    on_centre = _console_for(sector, out_dir, http_port, until_stopped) if with_console else None
    with _stopped_by_signals(stop), progress_bar() as progress:
        if until_stopped and not with_console:
            err.print(until_stopped)
        result = run_live(sector, out_dir, seconds, rate=rate, sites=sites, progress=progress, on_centre=on_centre,
                          stop=stop)
    table = Table(title=f"Live for {result.seconds:.0f} s: what reached the centre")
    for col in ("site", "received", "last seq", "missing", "duplicates"):
        table.add_column(col, justify="left" if col == "site" else "right")
    for r in result.reports:
        table.add_row(r.site, str(r.received), str(r.max_seq), str(r.missing), str(r.duplicates))
    out.print(table)
    if result.latest:
        brief = Table(title="Latest alerts")
        for col in ("opened (UTC)", "type", "severity", "state", "events", "sources (site/sensor)"):
            brief.add_column(col)
        for row in result.latest:
            a = row.alert
            brief.add_row(a.opened.strftime("%H:%M:%S"), a.type.value,
                          a.severity.value + (" ^" if row.escalated else ""), a.state.value, str(a.event_count),
                          ", ".join(f"{s.site}/{s.sensor or '-'}" for s in a.sources) or a.site or "")
        out.print(brief)
    out.print(
        f"alerts opened {result.alerts_opened}, updated {result.alerts_updated}, escalated {result.escalations}; "
        f"all of them: ridgeline alert list --db {result.db_url}", soft_wrap=True,
    )


def _console_for(sector: Sector, out_dir: Path, http_port: int, note: str) -> Callable[[Centre], Callable[[], None]]:
    """What ``live`` does with its centre once started: a demo supervisor with a fresh random password
    (the database is new each run), the API and console on 127.0.0.1, the sector's terrain tiles
    beside the database (built in the background when missing or stale, as ``serve`` does), the
    sector's units with simulated trackers (a dispatched unit travels to its alert over the
    terrain, 60 times faster than life: ``sim.units``); the address and the login printed once,
    ``note`` (if any) on the line below."""
    import secrets

    from ridgeline.api.context import ApiSettings
    from ridgeline.api.server import serve_centre
    from ridgeline.app.operators import add_operator
    from ridgeline.app.responders import SectorResponders
    from ridgeline.app.tiles import build_in_background, prepare_map_tiles
    from ridgeline.app.units import define_units
    from ridgeline.cli.terrain import describe_tiles
    from ridgeline.model import Role
    from ridgeline.sim.units import UnitSimulator

    maps = prepare_map_tiles(sector, out_dir / "centre.terrain.pmtiles")

    def start(centre: Centre) -> Callable[[], None]:
        password = secrets.token_urlsafe(12)
        add_operator(centre.store, DEMO_USER, Role.SUPERVISOR, password, by="ridgeline live")
        # plain HTTP on 127.0.0.1: a cookie marked Secure would never come back from the browser
        settings = ApiSettings(secure_cookie=False, case_key=out_dir / "centre.key")
        api = serve_centre(centre, http_port, "127.0.0.1", settings, sector.retention, maps.terrain, maps.basemap,
                           sector)
        define_units(centre.store, sector.units, sector.unit_statuses, actor="ridgeline live")
        api.ctx.responders = SectorResponders(sector)  # one terrain for the ETAs and the simulated trips
        trackers = UnitSimulator(centre.store, centre.changes, api.ctx.responders)
        trackers.start()
        building = build_in_background(sector, maps.terrain, lambda built, exc: err.print(
            f"terrain tiles: {describe_tiles(built) if built else f'not built: {exc}'}", soft_wrap=True)
        ) if maps.stale else None
        err.print(f"console: {api.url}/  log in as {DEMO_USER} / {password}" + (f"\n{note}" if note else ""),
                  soft_wrap=True, highlight=False)

        def stop() -> None:
            trackers.stop()
            api.stop()
            if building is not None:
                # a few seconds at most; a process leaving while GDAL's threads still work aborts
                building.join(timeout=120)

        return stop

    return start


def register(app: typer.Typer) -> None:
    """Add the sync commands to ``app``."""
    for command in (edge, serve, live):
        app.command()(command)
