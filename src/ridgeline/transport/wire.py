"""Topics and the envelope on the wire: encode at the edge, decode (and judge) at the centre.

Decoding never raises anything but ``WireError``, whose ``reason`` is a short code the
centre counts in its metrics and writes beside the raw bytes in its dead-letter table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from ridgeline.errors import WireError
from ridgeline.model import Envelope, MessageType

PREFIX = "ridgeline/v1"


class Reason(StrEnum):
    """Why a message was refused."""

    TOO_LARGE = "too_large"
    BAD_TOPIC = "bad_topic"
    MALFORMED_JSON = "malformed_json"
    SCHEMA = "schema"
    SITE_MISMATCH = "site_mismatch"
    TYPE_MISMATCH = "type_mismatch"
    FUTURE_CLOCK = "future_clock"  # refused by earlier versions; such dead letters replay as accepted
    SEQ_CONFLICT = "seq_conflict"
    STORE_ERROR = "store_error"



@dataclass(frozen=True)
class WireLimits:
    """What the centre accepts (``max_future``: how far ahead a sensor clock may be before it is flagged)."""

    max_payload_bytes: int = 256 * 1024
    max_future: timedelta = timedelta(minutes=5)


def data_topic(site: str, type_: MessageType) -> str:
    """The topic a site publishes one type of message on."""
    return f"{PREFIX}/{site}/{type_.value}"


def command_topic(site: str, name: str) -> str:
    """The topic the centre sends a command to a site on."""
    return f"{PREFIX}/{site}/cmd/{name}"


def encode(envelope: Envelope) -> bytes:
    """Compact JSON bytes of an envelope."""
    return envelope.model_dump_json().encode()


def parse_topic(topic: str) -> tuple[str, MessageType]:
    """(site, type) of a data topic; ``WireError`` for anything else."""
    parts = topic.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != PREFIX:
        raise WireError(Reason.BAD_TOPIC, f"topic {topic[:200]!r} is not {PREFIX}/<site>/<type>")
    try:
        return parts[2], MessageType(parts[3])
    except ValueError:
        raise WireError(Reason.BAD_TOPIC, f"topic {topic[:200]!r}: unknown type {parts[3][:40]!r}") from None


def decode(topic: str, raw: bytes, limits: WireLimits | None = None) -> Envelope:
    """Check and parse one received message holding one envelope.

    Refuses (``WireError``): oversized payloads, topics outside the scheme, bytes that are
    not JSON, envelopes or payloads that break the schema, and a ``site`` or ``type`` that
    is not its topic's (a site publishing as another).  A sensor time far in the future is
    not refused (``clock_ahead`` flags it).
    """
    site, type_, data = _load(topic, raw, limits or WireLimits())
    if isinstance(data, list):
        raise WireError(Reason.SCHEMA, f"on {topic[:200]!r}: a batch where one envelope was expected")
    return _envelope(topic, site, type_, data)


@dataclass(frozen=True)
class Refused:
    """One envelope of a message that could not be accepted, with its own bytes."""

    error: WireError
    raw: bytes


def decode_batch(
    topic: str, raw: bytes, limits: WireLimits | None = None
) -> tuple[list[Envelope], list[Refused]]:
    """Check and parse a message holding one envelope or a JSON array of them (a batch).

    Each envelope of a batch is judged alone: a bad one is refused with its reason and
    its own bytes, and the good ones around it are kept.  A message that cannot be read
    at all (too large, bad topic, not JSON) is one refusal with the whole payload.
    """
    limits = limits or WireLimits()
    try:
        site, type_, data = _load(topic, raw, limits)
    except WireError as exc:
        return [], [Refused(exc, raw)]
    items = data if isinstance(data, list) else [data]
    good: list[Envelope] = []
    bad: list[Refused] = []
    for item in items:
        try:
            good.append(_envelope(topic, site, type_, item))
        except WireError as exc:
            bad.append(Refused(exc, raw if len(items) == 1 else _dump(item)))
    if not items:
        bad.append(Refused(WireError(Reason.SCHEMA, f"on {topic[:200]!r}: an empty batch"), raw))
    return good, bad


def encode_batch(envelopes_json: list[bytes]) -> bytes:
    """One message carrying several envelopes (already encoded), as a JSON array."""
    return b"[" + b",".join(envelopes_json) + b"]"


def _dump(item: object) -> bytes:
    try:
        return json.dumps(item, separators=(",", ":")).encode()
    except (TypeError, ValueError, RecursionError):
        return repr(item)[:10_000].encode()


def _load(topic: str, raw: bytes, limits: WireLimits) -> tuple[str, MessageType, Any]:
    if len(raw) > limits.max_payload_bytes:
        raise WireError(Reason.TOO_LARGE, f"{len(raw)} bytes on {topic[:200]!r}, limit {limits.max_payload_bytes}")
    site, type_ = parse_topic(topic)
    try:
        return site, type_, json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError(Reason.MALFORMED_JSON, f"on {topic[:200]!r}: {str(exc)[:200]}") from None


def _envelope(topic: str, site: str, type_: MessageType, data: Any) -> Envelope:
    try:
        envelope = Envelope.model_validate(data)
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        raise WireError(Reason.SCHEMA, f"on {topic[:200]!r}: {_first_error(exc)}") from None
    try:
        envelope.body()
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        raise WireError(Reason.SCHEMA, f"on {topic[:200]!r}: payload.{_first_error(exc)}") from None
    if envelope.site != site:
        raise WireError(Reason.SITE_MISMATCH, f"envelope site {envelope.site!r} published on {topic[:200]!r}")
    if envelope.type != type_:
        raise WireError(Reason.TYPE_MISMATCH, f"envelope type {envelope.type.value!r} on {topic[:200]!r}")
    return envelope


def clock_ahead(envelope: Envelope, now: datetime, limits: WireLimits | None = None) -> float | None:
    """Seconds the envelope's sensor time is ahead of ``now``, when past the limit (else None).

    Such an envelope is stored all the same, flagged, with the centre's receive time beside
    it: a sensor clock that jumped says nothing about whether the event happened.
    """
    ahead = (envelope.time - now).total_seconds()
    return ahead if ahead > (limits or WireLimits()).max_future.total_seconds() else None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        return f"{where}: {err['msg']}"[:300]
    return str(exc)[:300]


def encode_ack(seqs: list[int]) -> bytes:
    """The centre's confirmation of stored seqs, as ranges: ``{"ranges": [[lo, hi], ...]}``."""
    ranges: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if ranges and seq == ranges[-1][1] + 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return json.dumps({"ranges": ranges}, separators=(",", ":")).encode()


def parse_ack(raw: bytes, most: int = 10_000) -> list[tuple[int, int]]:
    """The (first, last) seq ranges of a confirmation, sorted; an empty list for anything
    malformed or with more than ``most`` ranges (never raises).  Ranges are not expanded:
    a confirmation of a million seqs costs what one of two does."""
    try:
        data = json.loads(raw)
        ranges = data["ranges"]
        if not isinstance(ranges, list) or len(ranges) > most:
            return []
        out: list[tuple[int, int]] = []
        for lo, hi in ranges:
            if type(lo) is not int or type(hi) is not int or lo < 1 or hi < lo:
                return []
            out.append((lo, hi))
        return sorted(out)
    except (ValueError, KeyError, TypeError, RecursionError):
        return []


def peek_site_seq(raw: bytes) -> tuple[str, int] | None:
    """(site, seq) of a refused message, when its JSON has them, so it can still be confirmed."""
    try:
        data = json.loads(raw)
        site, seq = data["site"], data["seq"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if isinstance(site, str) and isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1:
        return site, seq
    return None
