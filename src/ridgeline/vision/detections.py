"""What vision's stages pass each other: boxes as parallel columns, and a track's typed id.

``Detections`` follows supervision's ``Detections``: one array per column, row ``i`` of
every column describing box ``i``.  The detector (motion or model) returns boxes with
confidences and class names; the tracker returns the boxes it matched with their track
numbers (``tracker_id``); the rules read those; a MOTChallenge file reads into and writes
from the same type, with each box's ``frame``.  A class name is an activity class
(``person``, ``vehicle``, ``vessel``, ``animal``, ``motion``) and a track an anonymous box
over time: nothing here identifies anyone.

``TrackId`` names one track of one camera.  Its wire form (``camera-12``) is written once,
where an event is built; nothing reads a number back out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Self

import numpy as np

_Index = int | slice | Sequence[int] | np.ndarray


@dataclass(frozen=True)
class TrackId:
    """One track of one camera: the camera's id and the tracker's number for it (from 1)."""

    camera: str
    number: int

    def __str__(self) -> str:
        return f"{self.camera}-{self.number}"


@dataclass(frozen=True, eq=False)
class Detections:
    """Boxes in frame pixels, as parallel columns of ``len(self)`` rows.

    ``xyxy`` is ``(N, 4)``: x1, y1, x2, y2 with y growing downwards.  ``tracker_id`` is set
    once the boxes were tracked, ``frame`` (from 1) where they span a whole sequence.  The
    arrays are kept in the dtype they were given (the motion detector's float32, a file's
    float64), so passing boxes through this type changes no figure.
    """

    xyxy: np.ndarray
    confidence: np.ndarray
    class_name: np.ndarray
    tracker_id: np.ndarray | None = None
    frame: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.xyxy)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"Detections: xyxy has shape {self.xyxy.shape}, need (N, 4)")
        for name in ("confidence", "class_name", "tracker_id", "frame"):
            column = getattr(self, name)
            if column is not None and column.shape != (n,):
                raise ValueError(f"Detections: {name} has shape {column.shape}, need ({n},) like xyxy")

    @classmethod
    def of(cls, xyxy: np.ndarray | Sequence[Sequence[float]], confidence: np.ndarray | Sequence[float] | None = None,
           class_name: str | Sequence[str] = "motion", tracker_id: np.ndarray | Sequence[int] | None = None,
           frame: np.ndarray | Sequence[int] | None = None) -> Detections:
        """Boxes from plain arrays or lists: confidence 1 and class ``motion`` unless given."""
        boxes = np.asarray(xyxy)
        boxes = boxes.reshape(-1, 4) if boxes.size else np.empty((0, 4), dtype=boxes.dtype)
        n = len(boxes)
        conf = np.ones(n, dtype=np.float32) if confidence is None else np.asarray(confidence).reshape(-1)
        names = np.full(n, class_name, dtype=object) if isinstance(class_name, str) else np.asarray(
            list(class_name), dtype=object).reshape(-1)
        return cls(boxes, conf, names,
                   None if tracker_id is None else np.asarray(tracker_id, dtype=np.int64).reshape(-1),
                   None if frame is None else np.asarray(frame, dtype=np.int64).reshape(-1))

    @classmethod
    def empty(cls, tracked: bool = False, sequence: bool = False) -> Detections:
        """No boxes (with empty ``tracker_id`` and ``frame`` columns where asked for)."""
        none = np.empty(0, dtype=np.int64)
        return cls(np.empty((0, 4), dtype=np.float32), np.empty(0, dtype=np.float32), np.empty(0, dtype=object),
                   none if tracked else None, none if sequence else None)

    @classmethod
    def merge(cls, parts: Sequence[Detections]) -> Detections:
        """The rows of every part, in order (each optional column kept where every part has it)."""
        if not parts:
            return cls.empty(tracked=True, sequence=True)
        tracked = all(p.tracker_id is not None for p in parts)
        sequence = all(p.frame is not None for p in parts)
        return cls(
            np.concatenate([p.xyxy for p in parts]), np.concatenate([p.confidence for p in parts]),
            np.concatenate([p.class_name for p in parts]),
            np.concatenate([p.tracker_id for p in parts if p.tracker_id is not None]) if tracked else None,
            np.concatenate([p.frame for p in parts if p.frame is not None]) if sequence else None,
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: _Index) -> Detections:
        """The rows a boolean mask, slice, index list or single index selects (always a ``Detections``)."""
        rows: slice | Sequence[int] | np.ndarray = [index] if isinstance(index, int | np.integer) else index
        return Detections(
            self.xyxy[rows], self.confidence[rows], self.class_name[rows],
            None if self.tracker_id is None else self.tracker_id[rows],
            None if self.frame is None else self.frame[rows],
        )

    def with_tracks(self, tracker_id: np.ndarray) -> Self:
        """These boxes with their track numbers."""
        return replace(self, tracker_id=np.asarray(tracker_id, dtype=np.int64).reshape(-1))

    def at(self, frame: int) -> Detections:
        """The boxes of one frame of a sequence."""
        return self[self.frames == frame]

    @property
    def track_ids(self) -> np.ndarray:
        """The track numbers (an error for boxes not tracked)."""
        if self.tracker_id is None:
            raise ValueError("Detections: these boxes were not tracked")
        return self.tracker_id

    @property
    def frames(self) -> np.ndarray:
        """The frame numbers (an error for boxes of no sequence)."""
        if self.frame is None:
            raise ValueError("Detections: these boxes have no frame column")
        return self.frame

    @property
    def foot(self) -> np.ndarray:
        """Each box's bottom centre, ``(N, 2)``: where a person or a vehicle touches the ground."""
        b = self.xyxy.astype(np.float64)
        return np.stack(((b[:, 0] + b[:, 2]) / 2.0, b[:, 3]), axis=1)

    @property
    def height(self) -> np.ndarray:
        """Each box's height in pixels."""
        b = self.xyxy.astype(np.float64)
        return np.asarray(b[:, 3] - b[:, 1])

    @property
    def box_area(self) -> np.ndarray:
        """Each box's area in square pixels."""
        b = self.xyxy.astype(np.float64)
        return np.asarray((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
