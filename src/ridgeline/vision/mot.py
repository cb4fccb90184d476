"""MOTChallenge text files: detections in, tracks out, so anyone can compare trackers.

One line per box: ``frame,id,left,top,width,height,conf,x,y,z`` (frames from 1; id -1 for
detections).  Both directions use ``Detections`` with its ``frame`` column, ``tracker_id``
holding the id.  A bad line is an error naming the file, the line and the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ridgeline.errors import DataFileNotFoundError, MotFormatError
from ridgeline.vision.detections import Detections

FIELDS = ("frame", "id", "left", "top", "width", "height", "conf")


def read_mot(path: Path) -> Detections:
    """Read a MOTChallenge detection or track file: every box with its frame, id and
    confidence (class ``motion``: the format names none)."""
    if not path.is_file():
        raise DataFileNotFoundError(f"{path}: no such file")
    rows: list[list[float]] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("ascii").strip()
            except UnicodeDecodeError:
                raise MotFormatError(f"{path} line {number}: not text") from None
            if not text:
                continue
            parts = text.split(",")
            if len(parts) < 7:
                raise MotFormatError(f"{path} line {number}: {len(parts)} fields, need at least 7 ({','.join(FIELDS)})")
            values = []
            for name, part in zip(FIELDS, parts[:7], strict=True):
                try:
                    v = float(part)
                except ValueError:
                    raise MotFormatError(f"{path} line {number}: {name} is not a number: {part[:30]!r}") from None
                if not np.isfinite(v):
                    raise MotFormatError(f"{path} line {number}: {name} is not finite")
                values.append(v)
            frame, _id, _l, _t, w, h, _c = values
            if frame < 1 or frame != int(frame):
                raise MotFormatError(f"{path} line {number}: frame must be a whole number >= 1, got {parts[0]}")
            if w <= 0 or h <= 0:
                raise MotFormatError(f"{path} line {number}: width and height must be positive")
            rows.append(values)
    if not rows:
        raise MotFormatError(f"{path}: no boxes")
    a = np.asarray(rows, dtype=np.float64)
    xyxy = np.c_[a[:, 2], a[:, 3], a[:, 2] + a[:, 4], a[:, 3] + a[:, 5]]
    return Detections.of(xyxy, a[:, 6], tracker_id=a[:, 1].astype(np.int64), frame=a[:, 0].astype(np.int64))


def write_mot(path: Path, tracks: Detections) -> int:
    """Write tracked boxes (with their ``frame``) in MOTChallenge format, sorted by frame and
    id, confidence 1; returns the line count."""
    if tracks.frame is None:
        raise ValueError(f"{path}: the boxes have no frame column to write")
    rows = sorted(zip(tracks.frame.tolist(), tracks.track_ids.tolist(), *tracks.xyxy.T.tolist(), strict=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{f},{tid},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},1,-1,-1,-1\n"
        for f, tid, x1, y1, x2, y2 in rows
    ]
    path.write_text("".join(lines))
    return len(lines)
