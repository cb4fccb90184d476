"""``ridgeline user``: the people who work the centre, their roles and passwords."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from ridgeline.cli.alerts import DEFAULT_DB, DbOpt
from ridgeline.cli.console import out, print_json
from ridgeline.errors import OperatorError

user_app = typer.Typer(help="Operators of the centre: add, list, disable, change a password.", no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(help="The operator's name (lower case: letters, digits, '.', '_', '-').")]
ByOpt = Annotated[str, typer.Option("--by", help="Who makes the change (kept in the audit trail).")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")]


class RoleName(StrEnum):
    """A role, as ``--role`` takes it (the values of ``model.Role``)."""

    viewer = "viewer"
    operator = "operator"
    supervisor = "supervisor"
    admin = "admin"


def _password(from_stdin: bool) -> str:
    """The password from stdin: never from an option, where it would land in the shell's history."""
    if not from_stdin:
        raise OperatorError("give the password on stdin with --password-stdin (never as an option)")
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(name: NameArg, role: Annotated[RoleName, typer.Option("--role", help="What the operator may do.")],
             password_stdin: StdinOpt = False, by: ByOpt = "admin", db: DbOpt = DEFAULT_DB) -> None:
    """Add an operator with a role; the password is read from stdin and kept only as an Argon2id hash."""
    from ridgeline.app.operators import add_operator
    from ridgeline.model import Role

    added = add_operator(db, name, Role(role.value), _password(password_stdin), by)
    out.print(f"operator {added.name} added as {added.role.value}", highlight=False)


@user_app.command("list")
def user_list(db: DbOpt = DEFAULT_DB,
              as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
              ) -> None:
    """Every operator, with role and whether the account is disabled."""
    from ridgeline.app.operators import list_operators

    rows = list_operators(db)
    if as_json:
        print_json([{"name": o.name, "role": o.role.value, "disabled": o.disabled, "created": o.created,
                     "updated": o.updated} for o in rows])
        return
    table = Table(title="Operators")
    for col in ("name", "role", "disabled", "since (UTC)"):
        table.add_column(col, no_wrap=col == "name", overflow="fold")
    for o in rows:
        table.add_row(o.name, o.role.value, "yes" if o.disabled else "", o.created.strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@user_app.command("disable")
def user_disable(name: NameArg, by: ByOpt = "admin", db: DbOpt = DEFAULT_DB) -> None:
    """Disable an operator (kept, never deleted: the audit trail names them)."""
    from ridgeline.app.operators import disable_operator

    disable_operator(db, name, by)
    out.print(f"operator {name} disabled", highlight=False)


@user_app.command("passwd")
def user_passwd(name: NameArg, password_stdin: StdinOpt = False, by: ByOpt = "admin", db: DbOpt = DEFAULT_DB) -> None:
    """Set a new password (read from stdin) for an operator."""
    from ridgeline.app.operators import change_password

    change_password(db, name, _password(password_stdin), by)
    out.print(f"password of {name} changed", highlight=False)
