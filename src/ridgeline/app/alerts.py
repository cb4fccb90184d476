"""Use cases of working alerts as a team: list and show them, acknowledge, clear, assign,
escalate, comment, move them along their lifecycle.

Each takes an open :class:`~ridgeline.store.db.Store` first (the API holds one for its life;
a command opens one with :func:`ridgeline.app.database.opened`) and ``actor``, the operator's
name (or ``rules``/``system``).  Each change is one transaction with its history line, its
audit entry and its system comment (:mod:`ridgeline.rules.work`).  Roles are the API's to
check; what cannot be done at all raises an error of :mod:`ridgeline.errors`:
``AlertNotFoundError`` (a ``NotFoundError``) when the alert does not exist,
``AlertStateError`` when the change conflicts with what is recorded, ``OperatorError`` for an
unknown or disabled assignee, ``CommentError`` for an empty or overlong comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

# imported when the module is (not only for type checking): the API builds its response
# models from these dataclasses, which needs their field types at run time
from ridgeline.model import Alert, AlertState
from ridgeline.store.comments import Comment
from ridgeline.store.observations import ObjectPath

if TYPE_CHECKING:
    from ridgeline.store.db import Store


@dataclass(frozen=True)
class AlertRow:
    """One alert as listed, with whether it was escalated."""

    alert: Alert
    escalated: bool


@dataclass(frozen=True)
class HistoryLine:
    """One change to an alert: when, what (opened, updated, acknowledged, escalated...), by whom, details."""

    time: datetime
    action: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertDetail:
    """An alert with its rule, its history (oldest first), its comments (oldest first) and the
    incidents it belongs to."""

    alert: Alert
    rule: str
    history: list[HistoryLine]
    comments: list[Comment]
    incidents: list[str]


def list_alerts(store: Store, state: AlertState | None = None, limit: int = 50, assignee: str | None = None,
                unacknowledged: bool | None = None, cleared: bool | None = None) -> list[AlertRow]:
    """Alerts newest first, optionally only those in one state, assigned to one operator,
    unacknowledged (True) or acknowledged (False), cleared (True) or not (False)."""
    from ridgeline.store import alerts as repo

    with store.engine.connect() as conn:
        rows = repo.list_alerts(conn, state.value if state is not None else None, limit, assignee=assignee,
                                unacknowledged=unacknowledged, cleared=cleared)
    return [AlertRow(a, bool(escalated)) for a, escalated in rows]


def get_alert(store: Store, alert_id: str) -> AlertDetail:
    """One alert with its history, comments and incidents; ``AlertNotFoundError`` if there is none."""
    from ridgeline.rules import work
    from ridgeline.store import alerts as repo
    from ridgeline.store import comments, incidents
    from ridgeline.store.comments import Subject

    with store.engine.connect() as conn:
        alert, rule = work.load(conn, alert_id)
        lines = [HistoryLine(t, action, actor, detail) for t, action, actor, detail in repo.history(conn, alert_id)]
        thread = comments.on(conn, Subject.ALERT, [alert_id])
        cases = incidents.of_alert(conn, alert_id)
    return AlertDetail(alert, rule, lines, thread, cases)


#: how far before an alert's first event its objects' paths are shown from
PATH_BEFORE = timedelta(minutes=10)
#: and how far after its latest (track reports lag their events a little)
PATH_AFTER = timedelta(minutes=1)


def alert_paths(store: Store, alert_id: str) -> list[ObjectPath]:
    """The paths of the objects behind an alert's events (each event's site and track), from
    ``PATH_BEFORE`` its first event to ``PATH_AFTER`` its latest: what the operator needs to see
    where it came from.  ``AlertNotFoundError`` if there is no such alert."""
    from ridgeline.rules import work
    from ridgeline.store import incidents, observations

    with store.engine.connect() as conn:
        work.load(conn, alert_id)
        events = incidents.events(conn, [alert_id])
        objects = {(e.site, str(e.payload["object_id"])) for e in events if e.payload.get("object_id")}
        times = [datetime.fromisoformat(str(e.payload["time"])) for e in events if e.payload.get("time")]
        if not objects or not times:
            return []
        return observations.object_paths(conn, objects, min(times) - PATH_BEFORE, max(times) + PATH_AFTER)


def acknowledge(store: Store, alert_id: str, actor: str, note: str = "") -> Alert:
    """``actor`` has seen the alert and owns the reaction (a new alert becomes acknowledged; its
    escalation stops).  Twice is an ``AlertStateError``."""
    from ridgeline.model import utc_now
    from ridgeline.rules import work

    with store.engine.begin() as conn:
        return work.acknowledge(conn, alert_id, actor, utc_now(), note)


def clear(store: Store, alert_id: str, actor: str, note: str = "") -> Alert:
    """The activity is over: the alert needs no more attention and gathers no more events.
    Twice is an ``AlertStateError``."""
    from ridgeline.model import utc_now
    from ridgeline.rules import work

    with store.engine.begin() as conn:
        return work.clear(conn, alert_id, actor, utc_now(), note)


def assign(store: Store, alert_id: str, assignee: str | None, actor: str) -> Alert:
    """Assign the alert to ``assignee`` (an enabled operator), or unassign it with ``None``."""
    from ridgeline.model import utc_now
    from ridgeline.rules import work

    with store.engine.begin() as conn:
        return work.assign(conn, alert_id, actor, assignee, utc_now())


def escalate(store: Store, alert_id: str, actor: str, to: str = "supervisor", note: str = "") -> Alert:
    """Pass the alert up to ``to``: the supervisor role, or a named supervisor or admin (the
    severity stays).  A resolved alert, or one escalated there already, is an ``AlertStateError``."""
    from ridgeline.model import utc_now
    from ridgeline.rules import work

    with store.engine.begin() as conn:
        return work.escalate(conn, alert_id, actor, to, utc_now(), note)


def comment(store: Store, alert_id: str, text: str, actor: str) -> Comment:
    """A person's comment on the alert: 1 to 4000 characters once stripped."""
    from ridgeline.model import utc_now
    from ridgeline.rules import work

    with store.engine.begin() as conn:
        return work.comment(conn, alert_id, actor, text, utc_now())


def move_alert(store: Store, alert_id: str, to: AlertState, actor: str, note: str = "") -> Alert:
    """Move one alert to ``to`` (acknowledge, dispatch, resolve as a true or false alarm)."""
    from ridgeline.model import utc_now
    from ridgeline.rules import work

    with store.engine.begin() as conn:
        return work.move(conn, alert_id, to, actor, utc_now(), note)


def resolve(store: Store, alert_id: str, false_alarm: bool, actor: str, note: str = "") -> Alert:
    """A supervisor's verdict on the alert: a true alarm, or a false one."""
    to = AlertState.RESOLVED_FALSE_ALARM if false_alarm else AlertState.RESOLVED_TRUE
    return move_alert(store, alert_id, to, actor, note)
