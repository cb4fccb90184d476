"""``ridgeline audit``: the centre's audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ridgeline.cli.alerts import DEFAULT_DB, DbOpt
from ridgeline.cli.console import err, out

audit_app = typer.Typer(help="The audit trail of every action, hash-chained.", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    db: DbOpt = DEFAULT_DB,
    heads: Annotated[Path | None, typer.Option(
        "--heads", help="Witness file of 'ridgeline audit head' lines: each must still be in the trail.")] = None,
) -> None:
    """Check the hash chain: exit 0 when intact, 1 naming the first entry changed, removed or reordered."""
    from ridgeline.app.audit import verify_audit

    check = verify_audit(db, heads)
    if check.intact:
        out.print(f"audit trail intact: {check.entries} entries, head {check.head_hash}", highlight=False,
                  soft_wrap=True)
        return
    err.print(f"audit trail broken: {check.problem} (the {check.entries} entries before it are intact)",
              highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


@audit_app.command("head")
def head(db: DbOpt = DEFAULT_DB) -> None:
    """Print the trail's head (SEQ HASH TIME): append it, now and then, to a file kept away from the
    database; 'audit verify --heads FILE' then catches a trail rewritten whole."""
    from ridgeline.app.audit import audit_head

    out.print(audit_head(db), highlight=False, soft_wrap=True)

