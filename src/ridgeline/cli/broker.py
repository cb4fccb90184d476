"""``ridgeline broker``: the broker's users and ACL for a sector (Mosquitto and the embedded broker)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ridgeline.cli.console import err, out

broker_app = typer.Typer(help="The broker's users and access rules.", no_args_is_help=True)


@broker_app.command("users")
def users(
    sector_file: Annotated[Path, typer.Argument(help="Sector file (YAML): a user for each of its sites.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for passwd, acl and one <user>.secret each.")] = (
        Path("ridgeline-broker")
    ),
    workers: Annotated[int, typer.Option(min=1, max=64, help="Centre ingest workers (users centre, centre-2...).")] = 4,
) -> None:
    """Create the users of the centre and of every site, with random passwords; keep existing ones.

    Point Mosquitto at the files (password_file, acl_file; see deploy/mosquitto/mosquitto.conf),
    or run `ridgeline serve --users DIR` with the embedded broker; give each site its own
    <site>.secret (`ridgeline edge --password-file`) and nothing else.
    """
    from ridgeline.config import load_sector
    from ridgeline.transport.access import BrokerUsers

    sector = load_sector(sector_file)
    folder = BrokerUsers(out_dir)
    created = folder.ensure((s.id for s in sector.sites), workers=workers)
    out.print(f"{len(created)} user(s) created in {out_dir}: {', '.join(created) or 'none (all there already)'}",
              highlight=False)
    err.print(f"Mosquitto: password_file {folder.passwd.resolve()}\n           acl_file {folder.acl.resolve()}\n"
              "           use_username_as_clientid true   (deploy/mosquitto/mosquitto.conf has it)", highlight=False)
