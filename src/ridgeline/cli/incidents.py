"""``ridgeline incident open|list|show|add|comment|close|reopen|hold``: the cases a team works.

``incident open`` prints only the new incident's id on stdout, so a script can keep it
(``ID=$(ridgeline incident open A B --title ...)``); everything else is for people.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from ridgeline.cli.console import out, print_json

if TYPE_CHECKING:
    from ridgeline.model import Incident

incident_app = typer.Typer(help="Incidents: open one from alerts, add alerts, comment, close, reopen, hold.",
                           no_args_is_help=True)
DEFAULT_DB = "sqlite:///ridgeline-centre.db"
DbOpt = Annotated[str, typer.Option("--db", help="Database URL (the database must exist).")]
ActorOpt = Annotated[str, typer.Option("--by", help="Who does it (kept in the audit trail).")]
IdArg = Annotated[str, typer.Argument(help="The incident's id (from `ridgeline incident list`).")]
AlertIds = Annotated[list[str], typer.Argument(help="Alert ids (from `ridgeline alert list`).")]


class Outcome(StrEnum):
    """How an incident ended, as ``--outcome`` takes it (the values of ``model.IncidentOutcome``)."""

    apprehended = "apprehended"
    turned_back = "turned_back"
    no_trace = "no_trace"
    false_alarm = "false_alarm"
    handed_over = "handed_over"
    other = "other"


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at is not None else "-"


def _said(incident: Incident, what: str) -> None:
    out.print(f"incident {incident.id}: {what}", highlight=False)


@incident_app.command("open")
def incident_open(
    alert_ids: AlertIds, title: Annotated[str, typer.Option(help="What the case is, in a line (1 to 200).")],
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Open an incident from one or more alerts; prints its id only."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import open_incident

    with opened(db) as store:
        incident = open_incident(store, alert_ids, title, by)
    typer.echo(incident.id)


@incident_app.command("list")
def incident_list(
    db: DbOpt = DEFAULT_DB,
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
) -> None:
    """Incidents, newest first."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import list_incidents
    from ridgeline.model import IncidentState

    with opened(db) as store:
        found = list_incidents(store, IncidentState.OPEN if open_only else None, limit)
    if as_json:
        print_json([i.model_dump(mode="json") for i in found])
        return
    table = Table(title="Incidents (H: legal hold)", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("id", "opened (UTC)", "state", "alerts", "title"):
        table.add_column(col, no_wrap=col != "title", overflow="fold")
    for i in found:
        state = i.state.value + (f" ({i.outcome.value})" if i.outcome else "") + (" H" if i.legal_hold else "")
        table.add_row(i.id, _when(i.opened), state, str(len(i.alerts)), i.title)
    out.print(table)


@incident_app.command("show")
def incident_show(
    incident_id: IdArg, db: DbOpt = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of tables.")] = False,
) -> None:
    """An incident's facts and its timeline."""
    from ridgeline.app.database import opened
    from ridgeline.app.incident_record import incident_record

    with opened(db) as store:
        record = incident_record(store, incident_id)
    i = record.incident
    if as_json:
        print_json({"incident": i.model_dump(mode="json"), "timeline": [
            {"time": e.time.isoformat(), "kind": e.kind.value, "actor": e.actor, "text": e.text,
             "alert": e.alert_id, "event": e.event_id, "snapshot": e.snapshot} for e in record.timeline]})
        return
    facts = Table(title=f"Incident {i.id}", box=box.SIMPLE_HEAD, show_header=False, pad_edge=False)
    facts.add_column("fact", style="bold")
    facts.add_column("value", overflow="fold")
    for label, value in (
        ("title", i.title), ("state", i.state.value), ("opened (UTC)", f"{_when(i.opened)} by {i.opened_by}"),
        ("closed (UTC)", f"{_when(i.closed)} by {i.closed_by}" if i.closed else "-"),
        ("outcome", i.outcome.value if i.outcome else "-"), ("summary", i.summary or "-"),
        ("legal hold", "yes" if i.legal_hold else "no"), ("alerts", ", ".join(i.alerts)),
    ):
        facts.add_row(label, value)
    out.print(facts)
    table = Table(title="Timeline", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("by", overflow="fold")
    table.add_column("what", overflow="fold")
    for e in record.timeline:
        table.add_row(_when(e.time), e.kind.value, e.actor, e.text)
    out.print(table)


@incident_app.command("add")
def incident_add(incident_id: IdArg, alert_ids: AlertIds, db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator") -> None:
    """Add alerts to an open incident."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import add_alerts

    with opened(db) as store:
        incident = add_alerts(store, incident_id, alert_ids, by)
    _said(incident, f"{len(incident.alerts)} alert(s)")


@incident_app.command("comment")
def incident_comment(
    incident_id: IdArg, text: Annotated[str, typer.Argument(help="The comment (1 to 4000 characters).")],
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Comment on an open incident."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import comment

    with opened(db) as store:
        comment(store, incident_id, text, by)
    out.print(f"incident {incident_id}: commented", highlight=False)


@incident_app.command("close")
def incident_close(
    incident_id: IdArg, outcome: Annotated[Outcome, typer.Option(help="How it ended.")],
    summary: Annotated[str | None, typer.Option(help="What happened, in a few lines.")] = None,
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Close an incident with its outcome (it is read-only until reopened)."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import close
    from ridgeline.model import IncidentOutcome

    with opened(db) as store:
        incident = close(store, incident_id, IncidentOutcome(outcome.value), by, summary)
    _said(incident, f"closed ({outcome.value})")


@incident_app.command("reopen")
def incident_reopen(
    incident_id: IdArg, reason: Annotated[str, typer.Option(help="Why (kept in its comments).")] = "",
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Reopen a closed incident."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import reopen

    with opened(db) as store:
        incident = reopen(store, incident_id, by, reason)
    _said(incident, "open")


@incident_app.command("hold")
def incident_hold(
    incident_id: IdArg,
    on: Annotated[bool, typer.Option("--on/--off", help="Set or release the legal hold.")],
    db: DbOpt = DEFAULT_DB, by: ActorOpt = "operator",
) -> None:
    """Set (--on) or release (--off) a legal hold: the incident's evidence is kept while it holds."""
    from ridgeline.app.database import opened
    from ridgeline.app.incidents import set_legal_hold

    with opened(db) as store:
        incident = set_legal_hold(store, incident_id, on, by)
    _said(incident, "legal hold " + ("set" if incident.legal_hold else "released"))
