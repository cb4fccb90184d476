"""An alert worked by a team: acknowledge, clear, assign, escalate, move along, comment.

Each function changes one alert in the caller's transaction and leaves three traces of it:
the alert's history line, the audit trail entry (both through ``store.alerts.record``),
and a system comment that says the change in words (author: who made it).  Acknowledged
and cleared are separate facts, each with who and when (ThingsBoard's alarm model): to
acknowledge is to say "I have seen it and own the reaction"; to clear, "the activity is
over or needs no more attention", before or after an acknowledgement.  The lifecycle state
(new, acknowledged, dispatched, resolved) moves as before; acknowledging a new alert also
moves it to acknowledged, and a person who dispatches or resolves an alert nobody
acknowledged is recorded as having acknowledged it, since they reacted to it.

Roles are not checked here (the API does); what cannot be done at all is refused with an
error from :mod:`ridgeline.errors`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from ridgeline.errors import AlertNotFoundError, AlertStateError, OperatorError
from ridgeline.model import Alert, AlertState, Role
from ridgeline.rules.engine import transition
from ridgeline.store import alerts as repo
from ridgeline.store import audit, comments, operators
from ridgeline.store.comments import Comment, Subject

_MOVED = {
    AlertState.ACKNOWLEDGED: "acknowledged",
    AlertState.DISPATCHED: "dispatched",
    AlertState.RESOLVED_TRUE: "resolved: true alarm",
    AlertState.RESOLVED_FALSE_ALARM: "resolved: false alarm",
}


def load(conn: Connection, alert_id: str) -> tuple[Alert, str]:
    """An alert and its rule id; :class:`AlertNotFoundError` if there is none."""
    found = repo.get_alert(conn, alert_id)
    if found is None:
        raise AlertNotFoundError(f"no alert {alert_id}")
    return found[0], found[1]


def system_comment(conn: Connection, alert_id: str, actor: str, text: str, at: datetime) -> None:
    """The system comment that says an alert change in words, written by whoever made it."""
    comments.add(conn, Subject.ALERT, alert_id, at, actor, text, system=True)


def _said(what: str, note: str) -> str:
    return f"{what}: {note}" if note else what


def acknowledge(conn: Connection, alert_id: str, actor: str, at: datetime, note: str = "") -> Alert:
    """Record that ``actor`` has seen the alert and owns the reaction; a new alert becomes acknowledged.

    Acknowledging twice, or a resolved alert, is an :class:`AlertStateError`.
    """
    repo.lock(conn)
    alert, rule = load(conn, alert_id)
    if alert.acknowledged is not None or alert.state == AlertState.ACKNOWLEDGED:
        who = f" by {alert.acknowledged_by}" if alert.acknowledged_by else ""
        raise AlertStateError(f"alert {alert_id} is acknowledged already{who}")
    # a dispatched alert keeps its state; a resolved one cannot be acknowledged (transition says so)
    moved = alert if alert.state == AlertState.DISPATCHED else transition(alert, AlertState.ACKNOWLEDGED, at)
    moved = moved.model_copy(update={"acknowledged": at, "acknowledged_by": actor, "updated": max(alert.updated, at)})
    repo.save_alert(conn, moved, rule, "acknowledged", at, actor=actor, detail={"note": note} if note else {})
    repo.set_facts(conn, alert_id, acknowledged=at, acknowledged_by=actor)
    system_comment(conn, alert_id, actor, _said("acknowledged", note), at)
    return moved


def clear(conn: Connection, alert_id: str, actor: str, at: datetime, note: str = "") -> Alert:
    """Record that the activity is over: the alert needs no more attention and gathers no more
    events (a later event opens a new alert).  Clearing twice is an :class:`AlertStateError`."""
    repo.lock(conn)
    alert, _rule = load(conn, alert_id)
    if alert.cleared is not None:
        raise AlertStateError(f"alert {alert_id} is cleared already by {alert.cleared_by}")
    changed = alert.model_copy(update={"cleared": at, "cleared_by": actor, "updated": max(alert.updated, at)})
    repo.set_facts(conn, alert_id, cleared=at, cleared_by=actor, updated=changed.updated)
    repo.record(conn, alert_id, "cleared", actor, at, {"note": note} if note else {})
    system_comment(conn, alert_id, actor, _said("cleared", note), at)
    return changed


def assign(conn: Connection, alert_id: str, actor: str, assignee: str | None, at: datetime) -> Alert:
    """Assign the alert to an operator who exists and is not disabled, or (``None``) unassign it.

    An unknown or disabled operator is an :class:`OperatorError`; assigning to the current
    assignee, or unassigning an unassigned alert, an :class:`AlertStateError`.
    """
    repo.lock(conn)
    alert, _rule = load(conn, alert_id)
    if assignee is not None:
        account = operators.get(conn, assignee)
        if account is None:
            raise OperatorError(f"no operator {assignee!r}")
        if account.disabled:
            raise OperatorError(f"operator {assignee!r} is disabled")
        if alert.assignee == assignee:
            raise AlertStateError(f"alert {alert_id} is assigned to {assignee} already")
    elif alert.assignee is None:
        raise AlertStateError(f"alert {alert_id} is not assigned")
    changed = alert.model_copy(update={"assignee": assignee, "updated": max(alert.updated, at)})
    repo.set_facts(conn, alert_id, assignee=assignee, updated=changed.updated)
    action = "assigned" if assignee is not None else "unassigned"
    repo.record(conn, alert_id, action, actor, at, {"assignee": assignee, "was": alert.assignee})
    text = f"assigned to {assignee}" if assignee is not None else f"unassigned (was {alert.assignee})"
    if assignee is not None and alert.assignee is not None:
        text += f" (was {alert.assignee})"
    system_comment(conn, alert_id, actor, text, at)
    return changed


def escalate(conn: Connection, alert_id: str, actor: str, to: str, at: datetime, note: str = "") -> Alert:
    """Pass the alert up, by hand, to ``to``: the supervisor role (``"supervisor"``) or a named
    supervisor or admin.  The severity stays (it is the rules' to raise when nobody reacts);
    the alert is marked escalated with where it went, which the queue shows.

    A resolved alert, one escalated to ``to`` already, or a ``to`` that is neither the role nor
    an enabled supervisor is refused (:class:`AlertStateError`, :class:`OperatorError`).
    """
    repo.lock(conn)
    alert, rule = load(conn, alert_id)
    if alert.state in (AlertState.RESOLVED_TRUE, AlertState.RESOLVED_FALSE_ALARM):
        raise AlertStateError(f"alert {alert_id} is {alert.state.value}: there is nothing to escalate")
    if to != Role.SUPERVISOR.value:
        account = operators.get(conn, to)
        if account is None or account.disabled:
            raise OperatorError(f"no enabled operator {to!r} to escalate to")
        if not account.role.includes(Role.SUPERVISOR):
            raise OperatorError(f"{to} is {account.role.value}: alerts are escalated to a supervisor")
    if alert.escalated and alert.escalated_to == to:
        raise AlertStateError(f"alert {alert_id} is escalated to {to} already")
    changed = alert.model_copy(update={"escalated": True, "escalated_to": to, "updated": max(alert.updated, at)})
    repo.save_alert(conn, changed, rule, "escalated", at, actor=actor,
                    detail={"escalated_to": to, **({"note": note} if note else {})}, escalated=True, escalated_to=to)
    system_comment(conn, alert_id, actor, _said(f"escalated to {to}", note), at)
    return changed


def move(conn: Connection, alert_id: str, to: AlertState, actor: str, at: datetime, note: str = "") -> Alert:
    """Move the alert along its lifecycle (dispatch, resolve: a supervisor's verdict); moving to
    acknowledged is :func:`acknowledge`.  A move the lifecycle forbids is an :class:`AlertStateError`."""
    if to == AlertState.ACKNOWLEDGED:
        return acknowledge(conn, alert_id, actor, at, note)
    repo.lock(conn)
    alert, rule = load(conn, alert_id)
    moved = transition(alert, to, at)
    repo.save_alert(conn, moved, rule, to.value, at, actor=actor, detail={"note": note} if note else {})
    if moved.acknowledged is None and actor not in ("rules", "system"):
        moved = moved.model_copy(update={"acknowledged": at, "acknowledged_by": actor})
        repo.set_facts(conn, alert_id, acknowledged=at, acknowledged_by=actor)
    system_comment(conn, alert_id, actor, _said(_MOVED[to], note), at)
    return moved


def comment(conn: Connection, alert_id: str, actor: str, text: str, at: datetime) -> Comment:
    """A person's comment on the alert (1 to 4000 characters once stripped), audited as ``alert.commented``."""
    body = comments.clean_text(text)
    load(conn, alert_id)
    written = comments.add(conn, Subject.ALERT, alert_id, at, actor, body)
    audit.append(conn, actor, "alert.commented", alert_id, {"text": body}, at)
    return written
