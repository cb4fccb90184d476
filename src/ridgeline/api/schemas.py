"""The API's request and response bodies (their JSON schemas are the OpenAPI document's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ridgeline.model import Role


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Body):
    """Why a request was refused."""

    detail: str = Field(description="What is wrong, naming the field, id or rule at fault.")


class Credentials(_Body):
    """A login."""

    # no control characters: PostgreSQL refuses NUL in text, and the failure count is kept by name
    username: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
                          description="The operator's name.")
    password: str = Field(min_length=1, max_length=1024, description="The operator's password.")


class SessionInfo(_Body):
    """Who is logged in, as what, until when."""

    operator: str = Field(description="The operator's name.")
    role: Role = Field(description="What the operator may do.")
    expires: datetime | None = Field(description="When the session or token ends (none: when revoked).")


class OperatorInfo(_Body):
    """An operator's account (never its password or hash)."""

    name: str = Field(description="The operator's name.")
    role: Role = Field(description="What the operator may do.")
    disabled: bool = Field(description="Whether the account is disabled (kept: the audit trail names it).")
    created: datetime = Field(description="When the account was added, UTC.")
    updated: datetime = Field(description="When it last changed, UTC.")


class NewOperator(_Body):
    """An account to add."""

    name: str = Field(min_length=1, max_length=64, description="Lower-case letters, digits, '.', '_', '-'.")
    role: Role = Field(description="What the operator may do.")
    password: str = Field(min_length=1, max_length=1024, description="At least 12 characters; kept as an "
                          "Argon2id hash only.")


class OperatorChange(_Body):
    """A change to an account: any of role, password, disabled."""

    role: Role | None = Field(default=None, description="A new role.")
    password: str | None = Field(default=None, min_length=1, max_length=1024, description="A new password.")
    disabled: bool | None = Field(default=None, description="True disables the account (it cannot be enabled "
                                  "again: add a new one).")


class TokenRequest(_Body):
    """A bearer token to issue for a machine client."""

    label: str = Field(min_length=1, max_length=64, description="What uses the token (kept in the audit trail).")
    days: float | None = Field(default=None, gt=0, le=3650, description="Days until it expires (none: until "
                               "revoked or the account is disabled).")


class IssuedToken(_Body):
    """A token, shown this once."""

    token: str = Field(description="Send as 'Authorization: Bearer TOKEN'; the centre keeps only its hash.")


class AuditEntryInfo(_Body):
    """One entry of the audit trail."""

    seq: int = Field(description="Its place in the chain, from 1.")
    time: datetime = Field(description="When, UTC.")
    actor: str = Field(description="Who: an operator's name, or rules/system.")
    action: str = Field(description="What was done, e.g. alert.acknowledged.")
    target: str | None = Field(description="What it was done to (an alert, incident or operator id).")
    detail: dict[str, Any] = Field(description="What else the action recorded.")
    prev_hash: str = Field(description="The previous entry's hash.")
    hash: str = Field(description="SHA-256 over this entry's canonical encoding and the previous hash.")


class AuditVerdict(_Body):
    """What walking the chain found."""

    intact: bool = Field(description="Whether every entry is still where it was, as it was.")
    entries: int = Field(description="How many entries were checked.")
    head_seq: int = Field(description="The head's seq.")
    head_hash: str = Field(description="The head's hash (keep it elsewhere to catch a rewrite of the whole trail).")
    problem: str | None = Field(description="The first entry changed, removed or reordered, if any.")


class SiteInfo(_Body):
    """A site as the centre last heard of it."""

    site: str = Field(description="Site id.")
    online: bool = Field(description="Whether its last status said it is online (its last will says offline).")
    seen: datetime = Field(description="When the centre last heard its status, UTC.")
    backlog: int = Field(description="Messages waiting in its outbox at its last status.")
    last_seq: int = Field(description="The highest seq it had handed out at its last status.")


class ReportedInfo(_Body):
    """An event or a track as a site reported it."""

    site: str = Field(description="Site that reported it.")
    seq: int = Field(description="Its message's seq at that site.")
    time: datetime = Field(description="Sensor clock time of the message, UTC.")
    received: datetime = Field(description="When the centre stored it, UTC.")
    data: dict[str, Any] = Field(description="The event or track as the site sent it.")


class EvidenceInfo(_Body):
    """An evidence image of an event (privacy-masked at the edge)."""

    site: str = Field(description="Site that took it.")
    id: str = Field(description="Snapshot id.")
    event: str = Field(description="Event it shows.")
    sensor: str = Field(description="Camera that took it.")
    time: datetime = Field(description="When the frame was taken (sensor clock), UTC.")
    media_type: str = Field(description="Its media type (image/jpeg).")
    width: int = Field(description="Width in pixels.")
    height: int = Field(description="Height in pixels.")
    url: str = Field(description="Where to fetch the image.")
