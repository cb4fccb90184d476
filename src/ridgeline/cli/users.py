"""``ridgeline user``: the people who work the centre, their roles and passwords."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from ridgeline.app.database import opened
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

    with opened(db) as store:
        added = add_operator(store, name, Role(role.value), _password(password_stdin), by)
    out.print(f"operator {added.name} added as {added.role.value}", highlight=False)


@user_app.command("list")
def user_list(db: DbOpt = DEFAULT_DB,
              as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
              ) -> None:
    """Every operator, with role and whether the account is disabled."""
    from ridgeline.app.operators import list_operators

    with opened(db) as store:
        rows = list_operators(store)
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

    with opened(db) as store:
        disable_operator(store, name, by)
    out.print(f"operator {name} disabled", highlight=False)


@user_app.command("passwd")
def user_passwd(name: NameArg, password_stdin: StdinOpt = False, by: ByOpt = "admin", db: DbOpt = DEFAULT_DB) -> None:
    """Set a new password (read from stdin) for an operator."""
    from ridgeline.app.operators import change_password

    password = _password(password_stdin)
    with opened(db) as store:
        change_password(store, name, password, by)
    out.print(f"password of {name} changed", highlight=False)


@user_app.command("role")
def user_role(name: NameArg, role: Annotated[RoleName, typer.Argument(help="The new role.")], by: ByOpt = "admin",
              db: DbOpt = DEFAULT_DB) -> None:
    """Give an operator another role (their sessions end: they log in again)."""
    from ridgeline.app.operators import change_role
    from ridgeline.model import Role

    with opened(db) as store:
        change_role(store, name, Role(role.value), by)
    out.print(f"operator {name} is now {role.value}", highlight=False)


@user_app.command("token")
def user_token(name: NameArg,
               label: Annotated[str, typer.Option("--label", help="What uses the token (kept in the audit trail).")],
               days: Annotated[float | None, typer.Option(help="Days until it expires (default: until revoked "
                                                          "or the account is disabled).")] = None,
               by: ByOpt = "admin", db: DbOpt = DEFAULT_DB) -> None:
    """Issue a bearer token for a machine client acting as NAME; printed once on stdout, kept only as a hash."""
    from ridgeline.app.sessions import issue_bearer_token

    with opened(db) as store:
        token = issue_bearer_token(store, name, label, by, days)
    print(token)
