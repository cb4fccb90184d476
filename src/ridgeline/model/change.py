"""What the centre says changed, for live consoles: one batch per commit.

A batch is announced once its transaction has committed, to this process's listeners and
on ``ridgeline/v1/centre/changes`` for every other centre process; its id lets a listener
that hears it twice (locally and back from the broker) drop the second copy.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ridgeline.model.time import UtcTime, new_id


class ChangeKind(StrEnum):
    """What a change is about."""

    ALERT = "alert"  # an alert opened or changed (by the rules or a person): the whole alert
    SITE = "site"  # a site's status: online, last heard, backlog
    EVENT = "event"  # an event stored: the event
    TRACK = "track"  # a track's latest position
    INCIDENT = "incident"  # an incident opened or changed: its facts
    UNIT = "unit"  # a response unit moved or changed status: the whole unit


class Change(BaseModel):
    """One thing that changed, with what it is now."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ChangeKind = Field(description="What the change is about.")
    id: str = Field(max_length=128, description="Id of the alert, site, event, track, incident or unit.")
    site: str | None = Field(default=None, max_length=64, description="Site it came from, if one.")
    data: dict[str, Any] = Field(description="What it is now (the alert, the status, the event...), as JSON.")


class ChangeBatch(BaseModel):
    """The changes of one commit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default_factory=new_id, max_length=64, description="Batch id: a listener drops one it has had.")
    origin: str = Field(max_length=128, description="The centre process that committed it.")
    time: UtcTime = Field(description="When it was committed (the centre's clock), UTC.")
    changes: list[Change] = Field(max_length=10_000, description="What changed.")
