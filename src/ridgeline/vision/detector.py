"""Detectors: the small interface the pipeline uses, and an ONNX Runtime detector.

A detector takes a frame (luma, and colour when it has it) and returns ``Detections``:
boxes in frame pixels with confidences and class names.  The default is the motion
detector (``vision/motion.py``).  The ONNX
detector runs a model file *the user supplies* — Ridgeline downloads no weights — whose
input is one image (N=1, 3 or 1 channels, fixed height and width read from the model,
values 0..1) and whose first output is a list of rows ``x1, y1, x2, y2, score, class``
in the model's input pixels (shape ``[1, K, 6]`` or ``[K, 6]``), as exported with NMS
included.  Classes map to activity classes (person, vehicle, vessel, animal) through
``class_names``; there is nothing here, and nothing may be added, that identifies people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ridgeline.errors import DataFileNotFoundError, DetectorError
from ridgeline.vision.detections import Detections


class Detector(Protocol):
    """Finds objects in one frame."""

    def detect(self, luma: np.ndarray, bgr: np.ndarray | None = None) -> Detections: ...


class OnnxDetector:
    """A user-supplied ONNX model, run with ONNX Runtime on the CPU (or a GPU where present)."""

    def __init__(self, model: Path, class_names: dict[int, str] | None = None, min_score: float = 0.4,
                 masks: tuple[tuple[tuple[float, float], ...], ...] = ()) -> None:
        if not model.is_file():
            raise DataFileNotFoundError(f"model {model}: no such file (Ridgeline ships and downloads no weights)")
        import onnxruntime as ort

        try:
            self.session = ort.InferenceSession(str(model), providers=ort.get_available_providers())
        except Exception as exc:  # onnxruntime raises its own exception types
            raise DetectorError(f"model {model}: {str(exc).splitlines()[0][:300]}") from exc
        inp = self.session.get_inputs()[0]
        shape = inp.shape
        if len(shape) != 4 or not all(isinstance(d, int) for d in shape[1:]):
            raise DetectorError(
                f"model {model}: input {inp.name} has shape {shape}, need [1, C, H, W] with fixed C, H, W"
            )
        self.input_name = inp.name
        self.channels, self.height, self.width = int(shape[1]), int(shape[2]), int(shape[3])
        if self.channels not in (1, 3):
            raise DetectorError(f"model {model}: {self.channels} input channels, need 1 or 3")
        self.class_names = class_names or {0: "person", 1: "vehicle", 2: "vessel", 3: "animal"}
        self.min_score = min_score
        self.model = model
        self.masks = [np.round(np.asarray(m)).astype(np.int32) for m in masks]

    def detect(self, luma: np.ndarray, bgr: np.ndarray | None = None) -> Detections:
        h, w = luma.shape
        if self.masks:  # privacy masks: never analysed
            luma = luma.copy()
            cv2.fillPoly(luma, self.masks, 0)
            if bgr is not None:
                bgr = bgr.copy()
                cv2.fillPoly(bgr, self.masks, (0, 0, 0))
        if self.channels == 3:
            img = bgr if bgr is not None else cv2.cvtColor(luma, cv2.COLOR_GRAY2BGR)
            x = cv2.resize(img, (self.width, self.height))[:, :, ::-1].transpose(2, 0, 1)  # RGB, CHW
        else:
            x = cv2.resize(luma, (self.width, self.height))[None]
        out = self.session.run(None, {self.input_name: (x[None].astype(np.float32) / 255.0)})[0]
        rows = np.asarray(out, dtype=np.float32)
        if rows.ndim == 3:
            rows = rows[0]
        if rows.ndim != 2 or rows.shape[1] < 6:
            raise DetectorError(f"model {self.model}: output shape {list(np.shape(out))}, need [1, K, 6] or [K, 6]")
        rows = rows[rows[:, 4] >= self.min_score]
        sx, sy = w / self.width, h / self.height
        boxes = rows[:, :4] * np.array([sx, sy, sx, sy], dtype=np.float32)
        classes = [self.class_names.get(int(c), "motion") for c in rows[:, 5]]
        return Detections.of(boxes, rows[:, 4].copy(), classes)
