"""The ``ridgeline`` command: one thin module per family, assembled here.

Each command parses its options, calls the application layer (:mod:`ridgeline.app`) and
draws the result with rich: tables on stdout, progress, logs and errors on stderr.  The
root group sets up logging once (``-v``/``-q``) and turns any :class:`RidgelineError` into
one line on stderr and exit status 1 (:mod:`ridgeline.cli.console`).  Heavy modules are
imported inside the commands so ``--help`` stays instant.

::

    terrain   viewshed, coverage, site, radio, tiles
    route     route (fastest path on foot, by vehicle, boat or drone)
    sync      edge, serve, live     (store: the centre's database; broker: its users)
    video     video, track
    vessels   ais
    alerts    alert list|show|ack|clear|assign|escalate|comment|dispatch|resolve
    incidents incident open|list|show|add|comment|close|reopen|hold
    units     unit list|status|position|dispatch|define
    audit     audit verify|head
    users     user add|list|disable|passwd
    cases     case verify|key
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ridgeline.cli import route, sync, terrain, vessels, video
from ridgeline.cli.alerts import alert_app
from ridgeline.cli.audit import audit_app
from ridgeline.cli.broker import broker_app
from ridgeline.cli.cases import case_app
from ridgeline.cli.console import ErrorHandlingGroup, setup_logging
from ridgeline.cli.incidents import incident_app
from ridgeline.cli.store import store_app
from ridgeline.cli.units import unit_app
from ridgeline.cli.users import user_app

app = typer.Typer(
    cls=ErrorHandlingGroup,
    help="Ridgeline: perimeter watch over hard terrain: coverage planning, sync from sites to the centre, "
    "alerts, tracking.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"ridgeline {version('ridgeline')}")
        except PackageNotFoundError:
            typer.echo("ridgeline (not installed: no version)")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log lines (repeat: -vv).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only in the log.")] = False,
    _show_version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Ridgeline: perimeter watch over hard terrain: coverage planning, sync from sites to the centre, alerts,
    tracking."""
    setup_logging(verbose, quiet, ctx.invoked_subcommand)


terrain.register(app)
route.register(app)
sync.register(app)
video.register(app)
vessels.register(app)
app.add_typer(alert_app, name="alert")
app.add_typer(incident_app, name="incident")
app.add_typer(unit_app, name="unit")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(store_app, name="store")
app.add_typer(broker_app, name="broker")
app.add_typer(case_app, name="case")


def main() -> None:
    """Entry point of the ``ridgeline`` script."""
    # numpy asks Linux for transparent huge pages on each large array; where THP is left to
    # madvise with synchronous compaction, that made reading a large DEM and the viewshed on
    # it slower, and 4 KiB pages make the kernel no slower.  Set NUMPY_MADVISE_HUGEPAGE=1 to
    # have them back.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
