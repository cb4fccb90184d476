"""``ridgeline alert list|show|ack|clear|assign|comment|dispatch|resolve``: the alerts in the centre's database.

An alert's id is what an operator copies into ``ack``, so the listing never cuts it: at
any width the id column keeps its whole text and the other columns give way first.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from ridgeline.cli.console import err, out, print_json

if TYPE_CHECKING:
    from ridgeline.app.alerts import AlertRow

alert_app = typer.Typer(help="Alerts: list and show them, acknowledge, clear, assign, comment, move them along "
                        "their lifecycle.", no_args_is_help=True)
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
    assignee: Annotated[str | None, typer.Option(help="Only alerts assigned to this operator.")] = None,
    unacknowledged: Annotated[bool, typer.Option("--unacknowledged", help="Only alerts nobody acknowledged.")] = False,
) -> None:
    """Alerts, newest first."""
    from ridgeline.app.alerts import list_alerts
    from ridgeline.app.database import opened
    from ridgeline.model import AlertState

    with opened(db) as store:
        rows = list_alerts(store, AlertState(state.value) if state is not None else None, limit, assignee=assignee,
                           unacknowledged=True if unacknowledged else None)
    if as_json:
        print_json([r.alert.model_dump(mode="json") for r in rows])
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
    from ridgeline.app.database import opened
    from ridgeline.model import AlertState

    with opened(db) as store:
        moved = move_alert(store, alert_id, AlertState(to), actor, note)
    out.print(f"alert {moved.id}: {moved.state.value}", highlight=False)


@alert_app.command("ack")
def alert_ack(alert_id: IdArg, db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "") -> None:
    """Acknowledge an alert: you have seen it and own the reaction (stops its escalation)."""
    from ridgeline.app.alerts import acknowledge
    from ridgeline.app.database import opened

    with opened(db) as store:
        done = acknowledge(store, alert_id, by, note)
    out.print(f"alert {done.id}: {done.state.value}", highlight=False)


@alert_app.command("clear")
def alert_clear(alert_id: IdArg, db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "") -> None:
    """Clear an alert: the activity is over or needs no more attention (later events open a new alert)."""
    from ridgeline.app.alerts import clear
    from ridgeline.app.database import opened

    with opened(db) as store:
        done = clear(store, alert_id, by, note)
    out.print(f"alert {done.id}: cleared by {done.cleared_by}", highlight=False)


@alert_app.command("assign")
def alert_assign(
    alert_id: IdArg,
    name: Annotated[str | None, typer.Argument(help="The operator to assign it to (from `ridgeline user list`).")]
    = None,
    none: Annotated[bool, typer.Option("--none", help="Unassign it.")] = False,
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Assign an alert to an operator, or unassign it with --none."""
    from ridgeline.app.alerts import assign
    from ridgeline.app.database import opened

    if (name is None) == (not none):
        raise typer.BadParameter("give an operator's name or --none, not both or neither")
    with opened(db) as store:
        done = assign(store, alert_id, None if none else name, by)
    out.print(f"alert {done.id}: " + (f"assigned to {done.assignee}" if done.assignee else "unassigned"),
              highlight=False)


@alert_app.command("escalate")
def alert_escalate(
    alert_id: IdArg,
    to: Annotated[str, typer.Option("--to", help="`supervisor` (the role) or a supervisor's name.")] = "supervisor",
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator", note: NoteOpt = "",
) -> None:
    """Escalate an alert by hand to the supervisors or one of them (its severity stays)."""
    from ridgeline.app.alerts import escalate
    from ridgeline.app.database import opened

    with opened(db) as store:
        done = escalate(store, alert_id, by, to, note)
    out.print(f"alert {done.id}: escalated to {done.escalated_to}", highlight=False)


@alert_app.command("comment")
def alert_comment(
    alert_id: IdArg, text: Annotated[str, typer.Argument(help="The comment (1 to 4000 characters).")],
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Comment on an alert."""
    from ridgeline.app.alerts import comment
    from ridgeline.app.database import opened

    with opened(db) as store:
        comment(store, alert_id, text, by)
    out.print(f"alert {alert_id}: commented", highlight=False)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at is not None else "-"


@alert_app.command("show")
def alert_show(
    alert_id: IdArg, db: DbOpt = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of tables.")] = False,
) -> None:
    """An alert's facts, its history and its comments."""
    from ridgeline.app.alerts import get_alert
    from ridgeline.app.database import opened

    with opened(db) as store:
        detail = get_alert(store, alert_id)
    a = detail.alert
    if as_json:
        print_json({"alert": a.model_dump(mode="json"), "rule": detail.rule, "incidents": detail.incidents,
                    "history": [{"time": h.time.isoformat(), "action": h.action, "actor": h.actor,
                                 "detail": h.detail} for h in detail.history],
                    "comments": [{"time": c.time.isoformat(), "author": c.author, "system": c.system,
                                  "text": c.text} for c in detail.comments]})
        return
    facts = Table(title=f"Alert {a.id}", box=box.SIMPLE_HEAD, show_header=False, pad_edge=False)
    facts.add_column("fact", style="bold")
    facts.add_column("value", overflow="fold")
    for label, value in (
        ("rule", detail.rule), ("type", a.type.value), ("severity", a.severity.value), ("state", a.state.value),
        ("opened (UTC)", _when(a.opened)), ("events", str(a.event_count)), ("site", a.site or "-"),
        ("acknowledged", f"{_when(a.acknowledged)} by {a.acknowledged_by}" if a.acknowledged else "no"),
        ("cleared", f"{_when(a.cleared)} by {a.cleared_by}" if a.cleared else "no"),
        ("assignee", a.assignee or "-"),
        ("escalated", f"to {a.escalated_to}" if a.escalated else "no"),
        ("incidents", ", ".join(detail.incidents) or "-"),
    ):
        facts.add_row(label, value)
    out.print(facts)
    history = Table(title="History", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("time (UTC)", "action", "by"):
        history.add_column(col, no_wrap=True)
    for h in detail.history:
        history.add_row(_when(h.time), h.action, h.actor)
    out.print(history)
    thread = Table(title="Comments (*: system)", box=box.SIMPLE_HEAD, pad_edge=False)
    thread.add_column("time (UTC)", no_wrap=True)
    thread.add_column("by", no_wrap=True)
    thread.add_column("text", overflow="fold")
    for c in detail.comments:
        thread.add_row(_when(c.time), c.author + (" *" if c.system else ""), c.text)
    out.print(thread)


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
