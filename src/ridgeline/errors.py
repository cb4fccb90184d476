"""The one exception hierarchy of Ridgeline.

Every error a user can cause is a ``RidgelineError``; each subclass also inherits the
built-in exception it resembles, so callers that catch ``ValueError`` or
``FileNotFoundError`` keep working.  The message always names the file, field or value
at fault, because it is printed to the operator as it is.

::

    RidgelineError
    ├── ConfigError            (ValueError)       a sector file or other configuration is invalid
    ├── DataFileNotFoundError  (FileNotFoundError) a named file does not exist
    ├── TerrainError           (ValueError)       a DEM cannot be used
    ├── TileArchiveError       (ValueError)       a tile archive (PMTiles) cannot be read, or is not what it claims
    ├── OutsideTerrainError    (ValueError)       a point or line lies off its terrain
    ├── SitingError            (ValueError)       a siting problem cannot be set up or solved
    ├── RouteError             (ValueError)       a route or ETA cannot be worked out as asked: an unknown mode,
    │                                             a point a mode cannot start from, a target not reachable,
    │                                             a paths or water GeoJSON that cannot be read
    ├── AisInputError          (ValueError)       an AIS or radar input cannot be read as asked
    │   └── NoVesselReportsError                  every row of an AIS file was rejected or is not a vessel
    ├── PortListError          (ValueError)       a port list (the built-in world ports) cannot be read: names
    │                                             the file, the line and the field
    ├── GeoError               (ValueError)       pixel-to-map calibration cannot be used
    ├── MotFormatError         (ValueError)       a MOTChallenge file is malformed
    ├── DetectorError          (ValueError)       an object-detection model cannot be used
    ├── VideoError             (OSError)          a video file or stream cannot be read
    ├── PtzLinkError           (ConnectionError)  a PTZ head cannot be reached or refused a command
    ├── WireError              (ValueError)       a message on the wire cannot be accepted (with a reason code)
    ├── CotError               (ValueError)       a Cursor-on-Target event cannot be read (bad or hostile XML,
    │                                             a field missing or wrong) or names no unit
    ├── OutboxError            (OSError)          the edge's outbox file cannot be opened or written
    ├── BrokerError            (OSError)          the embedded broker cannot start, or broker users cannot be written
    ├── StoreError             (RuntimeError)     the centre's database cannot be reached, migrated or written
    ├── NotFoundError          (LookupError)      what a request names does not exist (the API answers 404)
    │   ├── AlertNotFoundError                    no alert with this id
    │   ├── IncidentNotFoundError                 no incident with this id
    │   └── UnitNotFoundError                     no unit with this id
    ├── AlertStateError        (ValueError)       an alert cannot move to the requested state, or a fact
    │                                             (acknowledged, cleared) is recorded already (409)
    ├── CommentError           (ValueError)       a comment is empty or too long (400)
    ├── IncidentError          (ValueError)       an incident cannot be opened or changed as asked (400)
    │   └── IncidentStateError                    the incident's state forbids it (reopening an open one) (409)
    │       └── IncidentClosedError               the incident is closed: reopen it first (409)
    ├── UnitError              (ValueError)       a unit's status or position cannot be set as asked (an
    │   │                                         unknown status name) (400)
    │   └── UnitStateError                        the unit's status forbids it (sending one out of service) (409)
    ├── OperatorError          (ValueError)       an operator account cannot be added or changed as asked,
    │                                             or an alert assigned to one that is unknown or disabled (400)
    ├── CaseFileError          (ValueError)       a case file cannot be written, or is not a readable ZIP
    ├── CentreKeyError         (ValueError)       the centre's signing key file cannot be read or written
    ├── ApiStartError          (OSError)          the API cannot listen on its address
    └── AuthenticationError    (PermissionError)  a login or token is refused (401)
        └── LoginThrottledError                   too many failed logins: wait before trying again (429)

The HTTP status the API answers with is written beside the errors a request can cause:
a ``NotFoundError`` is 404, a change that conflicts with what is recorded (an
``AlertStateError``, an ``IncidentStateError``, a ``UnitStateError``) is 409, and a request well-formed but
never right (a ``CommentError``, an ``OperatorError``, any other ``IncidentError``, a
``ConfigError``) is 400 (422 is kept for what the request schema itself refuses); test
the more specific classes first.

This module imports nothing of ours, so every layer may use it.
"""

from __future__ import annotations

from enum import StrEnum


class RidgelineError(Exception):
    """Base of every error Ridgeline raises on purpose."""


class ConfigError(RidgelineError, ValueError):
    """A sector file (or another configuration) is invalid."""


class DataFileNotFoundError(RidgelineError, FileNotFoundError):
    """A file named by the user or a sector file does not exist."""


class TerrainError(RidgelineError, ValueError):
    """A DEM cannot be used: wrong size, no CRS, all voids, unreadable."""


class TileArchiveError(RidgelineError, ValueError):
    """A tile archive (PMTiles: the terrain tiles, an operator's base map) cannot be read, is
    not a PMTiles v3 file, or is not what it is used as (terrain tiles not Terrarium-encoded)."""


class OutsideTerrainError(RidgelineError, ValueError):
    """A point or line lies outside the terrain it is meant to be on."""


class SitingError(RidgelineError, ValueError):
    """A siting problem cannot be set up or solved."""


class RouteError(RidgelineError, ValueError):
    """A route or ETA cannot be worked out as asked: an unknown mode, a point the mode cannot
    start from or reach (a boat on land), a target no path reaches, a drone flight longer than
    its endurance, or a paths or water GeoJSON that cannot be read (the file named)."""


class AisInputError(RidgelineError, ValueError):
    """An AIS or radar input (file, columns, feed) cannot be read as asked."""


class NoVesselReportsError(AisInputError):
    """No report of an AIS file is left to judge: every row was rejected (bad field, out of range) or
    dropped (not a vessel, duplicate); the message counts each reason."""


class PortListError(RidgelineError, ValueError):
    """A port list (the built-in world ports, or one given in its format) cannot be read."""


class GeoError(RidgelineError, ValueError):
    """A camera's pixel-to-map calibration cannot be used."""


class MotFormatError(RidgelineError, ValueError):
    """A MOTChallenge detections or tracks file is malformed (the line is named)."""


class DetectorError(RidgelineError, ValueError):
    """An object-detection model cannot be loaded or does not have the expected shape."""


class VideoError(RidgelineError, OSError):
    """A video file or stream cannot be opened or decoded."""


class PtzLinkError(RidgelineError, ConnectionError):
    """A pan-tilt-zoom head cannot be reached, or refused a command."""


class WireError(RidgelineError, ValueError):
    """A message that cannot be accepted, with the reason code and what was wrong.

    ``reason`` is a short code (``transport.wire.Reason``) the centre counts in its
    metrics and writes beside the raw bytes in its dead-letter table.
    """

    def __init__(self, reason: StrEnum, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class OutboxError(RidgelineError, OSError):
    """The edge's outbox file cannot be opened or written."""


class BrokerError(RidgelineError, OSError):
    """The embedded broker cannot start (usually: its port is taken), or broker users cannot be written."""


class StoreError(RidgelineError, RuntimeError):
    """The database cannot be reached, migrated or written.

    ``transient`` says whether trying again may succeed (the database is locked, the disk
    is full, the server is away) or whether the data itself was refused.
    """

    def __init__(self, message: str, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class AlertStateError(RidgelineError, ValueError):
    """An alert cannot move to the requested state."""


class OperatorError(RidgelineError, ValueError):
    """An operator account cannot be added or changed as asked (a name taken, a weak password...)."""


class NotFoundError(RidgelineError, LookupError):
    """What a request names (an alert, an incident) does not exist: the API answers 404, not 409."""


class AlertNotFoundError(NotFoundError):
    """No alert with this id."""


class IncidentNotFoundError(NotFoundError):
    """No incident with this id."""


class UnitNotFoundError(NotFoundError):
    """No unit with this id."""


class UnitError(RidgelineError, ValueError):
    """A unit's status or position cannot be set as asked (a status name the sector does not have)."""


class UnitStateError(UnitError):
    """The unit's status forbids the change (dispatching a unit that is out of service or busy)."""


class CotError(RidgelineError, ValueError):
    """A Cursor-on-Target event cannot be read: not XML, hostile XML (entities, DTDs), too big, a
    required attribute missing or of the wrong type, or (decoded as a position) it names no unit."""


class CommentError(RidgelineError, ValueError):
    """A comment is empty (once stripped) or longer than allowed."""


class IncidentError(RidgelineError, ValueError):
    """An incident cannot be opened or changed as asked (a bad title, an alert named twice...)."""


class IncidentStateError(IncidentError):
    """The incident's state forbids the change (closing a closed incident, reopening an open one)."""


class IncidentClosedError(IncidentStateError):
    """The incident is closed and read-only until a supervisor reopens it."""


class CaseFileError(RidgelineError, ValueError):
    """A case file cannot be written from what was given, or the file to verify is not a readable ZIP.

    A case file that reads but fails its checks is not an error: verification returns its
    problems (``app.casefiles.CaseVerification``).
    """


class CentreKeyError(RidgelineError, ValueError):
    """The centre's Ed25519 signing key (or a public key given to trust) cannot be read or written."""


class AuthenticationError(RidgelineError, PermissionError):
    """A login (name and password) or a session or bearer token is refused; the message never
    says which of name or password was wrong."""


class LoginThrottledError(AuthenticationError):
    """Too many failed logins from this address for this name: wait ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ApiStartError(RidgelineError, OSError):
    """The API cannot listen on its address (the port in use, the address not this machine's)."""
