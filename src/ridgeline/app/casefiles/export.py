"""Writing a case file: the incident's parts, a manifest of their SHA-256, the centre's signature.

The ZIP holds ``incident.json``, ``timeline.json``, ``events.geojson``, ``tracks.geojson``,
``report.html``, ``evidence/<site>-<id>.jpg``, then ``manifest.json`` (every other file's
path, size and SHA-256, and the signing key) and ``manifest.sig`` (the Ed25519 signature of
manifest.json's exact bytes, base64).  The bytes depend on the content, the key, who
exported and when, and nothing else: members in a fixed order, each stamped with the export
time, fixed permissions and compression, so exporting one incident twice gives one file
(with the same zlib: another deflate implementation may pack the same members otherwise,
which changes the ZIP's bytes and digest, never the members' or the manifest's).
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ridgeline.app.casefiles.content import (
    CaseContent,
    canonical_json,
    check_content,
    events_geojson,
    evidence_json,
    iso,
    tracks_geojson,
)
from ridgeline.app.casefiles.keys import CentreKey, public_text
from ridgeline.app.casefiles.report import render_report
from ridgeline.errors import CaseFileError

#: The manifest's ``format``: what a verifier must understand to check the case file.
FORMAT = "ridgeline-case/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
#: The deflate level of the text members (images are stored: JPEG does not deflate).
COMPRESS_LEVEL = 9
#: Permissions written for every member (a plain file, rw-r--r--).
MEMBER_MODE = 0o100644


@dataclass(frozen=True)
class CaseExport:
    """A case file written: where, for which incident, and the digest to note in the record."""

    path: Path
    incident: str
    #: Files the manifest lists (all but the manifest and its signature).
    files: int
    #: Bytes of the ZIP, and its SHA-256 (hex).
    size: int
    sha256: str
    #: The fingerprint of the key that signed it.
    fingerprint: str
    exported_at: str


def case_members(content: CaseContent, key: CentreKey, exported_by: str, exported_at: str) -> list[tuple[str, bytes]]:
    """Every member of the case file in ZIP order, manifest and signature last."""
    check_content(content)
    fingerprint = key.fingerprint()
    incident = dict(content.incident)
    incident.setdefault("evidence", evidence_json(content.evidence))
    members = [
        ("incident.json", canonical_json(incident, "incident.json")),
        ("timeline.json", canonical_json(content.timeline, "timeline.json")),
        ("events.geojson", canonical_json(events_geojson(content.events), "events.geojson")),
        ("tracks.geojson", canonical_json(tracks_geojson(content.tracks), "tracks.geojson")),
        ("report.html", render_report(content, exported_at, exported_by, fingerprint)),
        *((item.path, item.data) for item in content.evidence),
    ]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "incident": content.incident_id,
        "exported_at": exported_at,
        "exported_by": exported_by,
        "key": {"algorithm": "Ed25519", "public": public_text(key.public_raw()), "fingerprint": fingerprint},
        "files": [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in sorted(members)],
    }
    manifest_bytes = canonical_json(manifest, MANIFEST)
    signature = base64.b64encode(key.sign(manifest_bytes)) + b"\n"
    return [*members, (MANIFEST, manifest_bytes), (SIGNATURE, signature)]


def _zip_time(now: datetime) -> tuple[int, int, int, int, int, int]:
    """The export time (UTC) as a ZIP timestamp, held within what ZIP can write (1980-2107)."""
    t = now.astimezone(UTC)
    year = min(max(t.year, 1980), 2107)
    return (year, t.month, t.day, t.hour, t.minute, t.second) if year == t.year else (year, 1, 1, 0, 0, 0)


def export_case(content: CaseContent, out: Path, key: CentreKey, exported_by: str, now: datetime) -> CaseExport:
    """Write the case file of ``content`` to ``out``, signed with ``key``; an existing ``out`` is replaced.

    The ZIP is written beside ``out`` under a temporary name and renamed into place, so a
    reader never sees half a case file; it is readable by its owner only (mode 0600), as the
    evidence in it is.  ``now`` (timezone-aware) is the export time in the
    manifest and on every member.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise CaseFileError(f"{out}: the export time must carry a timezone (UTC)")
    if not exported_by.strip():
        raise CaseFileError(f"{out}: say who exports the case file")
    exported_at = iso(now.astimezone(UTC).replace(microsecond=0))
    members = case_members(content, key, exported_by, exported_at)
    stamp = _zip_time(now)
    folder = out.parent if str(out.parent) else Path(".")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w+b") as fh:
            with zipfile.ZipFile(fh, "w") as zf:
                for name, data in members:
                    info = zipfile.ZipInfo(name, date_time=stamp)
                    info.create_system = 3  # unix, so the permissions below mean what they say
                    info.external_attr = MEMBER_MODE << 16
                    deflate = not name.startswith("evidence/")
                    zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED,
                                compresslevel=COMPRESS_LEVEL if deflate else None)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            digest = hashlib.sha256()
            size = 0
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, out)
        tmp = None
    except OSError as exc:
        raise CaseFileError(f"{out}: cannot write the case file ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return CaseExport(path=out, incident=content.incident_id, files=len(members) - 2, size=size,
                      sha256=digest.hexdigest(), fingerprint=key.fingerprint(), exported_at=exported_at)
