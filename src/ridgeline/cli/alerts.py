"""``ridgeline alert list|ack|dispatch|resolve``: the alerts in the centre's database.

An alert's id is what an operator copies into ``ack``, so the listing never cuts it: at
any width the id column keeps its whole text and the other columns give way first.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from ridgeline.cli.console import err, out, print_json

if TYPE_CHECKING:
    from ridgeline.app.alerts import AlertRow

alert_app = typer.Typer(help="Alerts: list them and move them along their lifecycle.", no_args_is_help=True)
DEFAULT_DB = "sqlite:///ridgeline-centre.db"
DbOpt = Annotated[str, typer.Option("--db", help="Database URL (the database must exist).")]
ActorOpt = Annotated[str, typer.Option("--by", help="Who does it (kept in the alert's history).")]
NoteOpt = Annotated[str, typer.Option(help="A note kept in the alert's history.")]
IdArg = Annotated[str, typer.Argument(help="The alert's id (from `ridgeline alert list`).")]


class State(StrEnum):
    """An alert's state, as ``--state`` takes it (the values of ``model.AlertState``)."""

    new = "new"
    acknowledged = "acknowledged"
    dispatched = "dispatched"
    resolved_true = "resolved_true"
    resolved_false_alarm = "resolved_false_alarm"


@alert_app.command("list")
def alert_list(
    db: DbOpt = DEFAULT_DB,
    state: Annotated[State | None, typer.Option(help="Only alerts in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
) -> None:
    """Alerts, newest first."""
    from ridgeline.app.alerts import list_alerts
    from ridgeline.model import AlertState

    rows = list_alerts(db, AlertState(state.value) if state is not None else None, limit)
    if as_json:
        print_json([{**r.alert.model_dump(mode="json"), "escalated": r.escalated} for r in rows])
        return
    out.print(alerts_table(rows, out.width))
    if not rows:
        err.print("no alerts" + (f" in state {state.value}" if state is not None else ""))


COLUMNS = ("id", "opened (UTC)", "type", "severity", "state", "events", "site", "key")
KEEP_FIRST = ("id", "state", "opened (UTC)", "type", "severity", "events", "site", "key")
"""Which columns an alert listing keeps when the terminal is narrow: the id always, the key last."""


def alerts_table(rows: list[AlertRow], width: int) -> Table:
    """The alerts as a table at most ``width`` columns wide whose ids are never cut.

    No cell is cut either: the columns that do not fit are left out, the key first, and the
    caption says which (``--json`` has them all).
    """
    cells = [
        {"id": a.id, "opened (UTC)": a.opened.strftime("%Y-%m-%d %H:%M:%S"), "type": a.type.value,
         "severity": a.severity.value + (" ^" if r.escalated else ""), "state": a.state.value,
         "events": str(a.event_count), "site": a.site or "", "key": a.key}
        for r in rows for a in (r.alert,)
    ]
    need = {c: max([len(c), *(len(row[c]) for row in cells)]) for c in COLUMNS}
    shown: set[str] = set()
    used = 0
    for col in KEEP_FIRST:
        if col == "id" or used + 2 + need[col] <= width:
            shown.add(col)
            used += need[col] + 2
    table = Table(title="Alerts (^: escalated)", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in COLUMNS:
        if col in shown:
            table.add_column(col, no_wrap=True, justify="right" if col == "events" else "left")
    for row in cells:
        table.add_row(*(row[c] for c in COLUMNS if c in shown))
    left_out = [c for c in COLUMNS if c not in shown]
    if left_out:
        table.caption = f"not shown for want of width: {', '.join(left_out)} (--json has every field)"
    return table


def _move(db: str, alert_id: str, to: str, actor: str, note: str) -> None:
    from ridgeline.app.alerts import move_alert
    from ridgeline.model import AlertState

    moved = move_alert(db, alert_id, AlertState(to), actor, note)
    out.print(f"alert {moved.id}: {moved.state.value}", highlight=False)


@alert_app.command("ack")
def alert_ack(alert_id: IdArg, db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "") -> None:
    """Acknowledge an alert (stops its escalation)."""
    _move(db, alert_id, "acknowledged", by, note)


@alert_app.command("dispatch")
def alert_dispatch(alert_id: IdArg, db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "") -> None:
    """Mark an alert as dispatched (a unit is on its way)."""
    _move(db, alert_id, "dispatched", by, note)


@alert_app.command("resolve")
def alert_resolve(
    alert_id: IdArg, db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "",
    false_alarm: Annotated[bool, typer.Option("--false-alarm", help="It was nothing.")] = False,
) -> None:
    """Resolve an alert: a true alarm, or with --false-alarm a false one."""
    _move(db, alert_id, "resolved_false_alarm" if false_alarm else "resolved_true", by, note)
