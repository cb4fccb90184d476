"""A realistic incident to put in a case file, built in memory (the lead wires the database later).

Three events on the example sector's line (two placed on the map, one a tamper alarm with
no position), one track, two evidence JPEGs made the way the edge makes them (a frame with
a privacy mask, ``vision.privacy.encode_jpeg``) and a timeline in which an operator's
comment carries a hostile ``<script>``; and the tools of a tamperer: re-pack a case file with a
member changed, flip a byte where a member lies in the ZIP.
"""

from __future__ import annotations

import struct
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from ridgeline.app.casefiles import CaseContent, Evidence
from ridgeline.vision.privacy import PrivacyMask, encode_jpeg

T0 = datetime(2026, 11, 30, 2, 14, 5, tzinfo=UTC)
INCIDENT = "01KB7Y3M8Q2T5V9X1Z4C6E8G0J"
HOSTILE = "<script>alert('pwned')</script> & \"quoted\""
#: A house's window the camera must never show: blacked at the edge before the image left.
WINDOW = [(100, 20), (150, 20), (150, 60), (100, 60)]


def frame(seed: int) -> np.ndarray:
    """A 160 x 120 colour frame: a sky-to-ground gradient and a dark figure, some sensor noise."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(200, 60, 120, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(rows, (120, 160, 3)).copy()
    img[70:105, 40 + seed * 10:52 + seed * 10] = 25.0
    img += rng.normal(0, 6, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def evidence_jpeg(seed: int) -> bytes:
    """A JPEG of ``frame(seed)`` with the house's window masked, as the edge stores it."""
    return encode_jpeg(frame(seed), PrivacyMask([WINDOW]))


def sample_case(title: str = "Two people crossing at Kinsman Notch") -> CaseContent:
    """The incident, its timeline, events, track and evidence."""
    events = [
        {"id": "01KB7Y2A0000000000000000E1", "type": "line_crossing", "time": T0, "site": "mast-kinsman",
         "sensor": "cam-north", "severity": "high", "lon": -71.8712, "lat": 44.0408,
         "payload": {"line": "border", "direction": "in", "class": "person", "count": 2}},
        {"id": "01KB7Y2A0000000000000000E2", "type": "zone_intrusion", "time": T0 + timedelta(seconds=40),
         "site": "mast-kinsman", "sensor": "cam-north", "severity": "medium", "lon": -71.8695, "lat": 44.0421,
         "payload": {"zone": "trailhead", "class": "person"}},
        {"id": "01KB7Y2A0000000000000000E3", "type": "tamper", "time": T0 + timedelta(minutes=3),
         "site": "mast-cannon", "sensor": "cam-east", "severity": "high", "lon": None, "lat": None,
         "payload": {"reason": "view blocked"}},
    ]
    track = {"id": "01KB7Y2A0000000000000000T1", "site": "mast-kinsman", "sensor": "cam-north", "class": "person",
             "points": [(T0 + timedelta(seconds=5 * i), -71.8712 + 0.0004 * i, 44.0408 + 0.0003 * i)
                        for i in range(6)]}
    evidence = [
        Evidence(id="01KB7Y2A0000000000000000S1", event=events[0]["id"], site="mast-kinsman", sensor="cam-north",
                 time=T0, data=evidence_jpeg(0)),
        Evidence(id="01KB7Y2A0000000000000000S2", event=events[1]["id"], site="mast-kinsman", sensor="cam-north",
                 time=T0 + timedelta(seconds=40), data=evidence_jpeg(3)),
    ]
    alert = {"id": "01KB7Y2A0000000000000000A1", "type": "line_crossing", "severity": "high",
             "opened": T0, "acknowledged_by": "maria", "cleared_by": None, "events": [events[0]["id"]]}
    timeline = [
        {"time": T0.isoformat(), "kind": "alert.opened", "actor": "system", "text": "line crossing: 2 people",
         "refs": [alert["id"]]},
        {"time": (T0 + timedelta(minutes=1)).isoformat(), "kind": "incident.opened", "actor": "maria",
         "text": "opened from the alert", "refs": [INCIDENT]},
        {"time": (T0 + timedelta(minutes=2)).isoformat(), "kind": "comment", "actor": "jonas", "text": HOSTILE,
         "refs": []},
        {"time": (T0 + timedelta(minutes=9)).isoformat(), "kind": "dispatch", "actor": "maria",
         "text": "patrol 2 sent, on scene 02:31", "refs": ["unit-patrol-2"]},
    ]
    incident = {"id": INCIDENT, "title": title, "state": "closed", "opened": T0 + timedelta(minutes=1),
                "opened_by": "maria", "closed": T0 + timedelta(hours=2), "outcome": "apprehended",
                "summary": "Two people met by patrol 2 at the trailhead.", "legal_hold": True, "alerts": [alert]}
    return CaseContent(incident=incident, timeline=timeline, events=events, tracks=[track], evidence=evidence)


def rezip(source: Path, target: Path, change: dict[str, bytes | None] | None = None,
          add: dict[str, bytes] | None = None) -> None:
    """Copy a case file member by member, as someone who unpacked, edited and packed it again would:
    members in ``change`` get new bytes (None: left out), ``add`` appended; the ZIP itself is consistent."""
    change = change or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change.get(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)


def flip(data: bytes, at: int, mask: int = 0x01) -> bytes:
    """``data`` with the byte at ``at`` xor-ed with ``mask``."""
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1:]


def member_spans(path: Path) -> dict[str, tuple[int, int]]:
    """Where each member's stored (compressed) bytes lie in the ZIP file: start and length."""
    raw = path.read_bytes()
    spans = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            at = info.header_offset
            name_len, extra_len = struct.unpack("<HH", raw[at + 26:at + 30])
            spans[info.filename] = (at + 30 + name_len + extra_len, info.compress_size)
    return spans
