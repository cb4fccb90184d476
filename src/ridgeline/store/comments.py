"""Comments on alerts and incidents: what people wrote, and a system comment for every change.

A system comment (``system`` true, ``author`` the one who made the change: an operator,
``rules`` or ``system``) says in words what an alert or incident change was, so the
operator console shows one thread per subject.  User comments are audited by the use case
that adds them; system comments are not audited themselves, since they accompany a change
that is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert, select

from ridgeline.errors import CommentError
from ridgeline.store.schema import comments

#: The longest comment text accepted, in characters.
MAX_TEXT = 4000


class Subject(StrEnum):
    """What a comment is on."""

    ALERT = "alert"
    INCIDENT = "incident"


@dataclass(frozen=True)
class Comment:
    """One comment: on what, when, by whom, whether the system wrote it, and its text."""

    subject: Subject
    subject_id: str
    time: datetime
    author: str
    system: bool
    text: str


def clean_text(text: str) -> str:
    """A user comment's text stripped; refused when empty or longer than :data:`MAX_TEXT`."""
    stripped = text.strip()
    if not stripped:
        raise CommentError("a comment needs some text")
    if len(stripped) > MAX_TEXT:
        raise CommentError(f"a comment has at most {MAX_TEXT} characters, got {len(stripped)}")
    return stripped


def add(conn: Connection, subject: Subject, subject_id: str, at: datetime, author: str, text: str,
        system: bool = False) -> Comment:
    """Add one comment in the caller's transaction (the text as given: see :func:`clean_text`)."""
    return add_many(conn, [Comment(subject, subject_id, at, author, system, text)])[0]


def add_many(conn: Connection, rows: list[Comment]) -> list[Comment]:
    """Add comments in order, with one insert."""
    if rows:
        conn.execute(insert(comments), [
            {"subject": c.subject.value, "subject_id": c.subject_id, "time": c.time, "author": c.author[:64],
             "system": c.system, "text": c.text} for c in rows])
    return rows


def _comment(row: Any) -> Comment:
    return Comment(Subject(row.subject), row.subject_id, row.time, row.author, bool(row.system), row.text)


def on(conn: Connection, subject: Subject, subject_ids: Iterable[str]) -> list[Comment]:
    """Every comment on these subjects, oldest first (in the order written when times tie)."""
    ids = list(subject_ids)
    found: list[tuple[int, Comment]] = []
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = conn.execute(select(comments).where(comments.c.subject == subject.value,
                                                   comments.c.subject_id.in_(part)))
        found.extend((int(r.pk), _comment(r)) for r in rows)
    found.sort(key=lambda pair: (pair[1].time, pair[0]))
    return [c for _, c in found]
