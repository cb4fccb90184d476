"""``ridgeline audit``: the centre's audit trail."""

from __future__ import annotations

import typer

from ridgeline.cli.alerts import DEFAULT_DB, DbOpt
from ridgeline.cli.console import err, out

audit_app = typer.Typer(help="The audit trail of every action, hash-chained.", no_args_is_help=True)


@audit_app.command("verify")
def verify(db: DbOpt = DEFAULT_DB) -> None:
    """Check the hash chain: exit 0 when intact, 1 naming the first entry changed, removed or reordered."""
    from ridgeline.app.audit import verify_audit

    check = verify_audit(db)
    if check.intact:
        out.print(f"audit trail intact: {check.entries} entries, head {check.head_hash}", highlight=False,
                  soft_wrap=True)
        return
    err.print(f"audit trail broken: {check.problem} (the {check.entries} entries before it are intact)",
              highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)
