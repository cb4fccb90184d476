"""Time and ids: every instant is timezone-aware UTC, every message id a ULID.

A ULID sorts by creation time and needs no coordination between sites, which is what an
id minted at a remote mast and stored once at the centre needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator
from ulid import ULID


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must carry a timezone (UTC), e.g. 2026-11-25T13:00:00Z")
    return value.astimezone(UTC)


#: A timezone-aware instant, normalised to UTC; naive times are refused.
UtcTime = Annotated[datetime, AfterValidator(_utc)]


def utc_now() -> datetime:
    """The current instant in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A new ULID as its 26-character Crockford base-32 text."""
    return str(ULID())


def is_ulid(text: str) -> bool:
    """Whether ``text`` is a well-formed ULID."""
    try:
        ULID.from_str(text)
    except (ValueError, TypeError):
        return False
    return True
