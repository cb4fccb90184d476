"""The detector interface: motion boxes by default; an ONNX model the user supplies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ridgeline.errors import DataFileNotFoundError, DetectorError
from ridgeline.vision.detector import OnnxDetector
from ridgeline.vision.motion import MotionDetector


def constant_model(path: Path, rows: list[list[float]], channels: int = 3, size: int = 64) -> Path:
    """A tiny ONNX model: it ignores its image and always reports ``rows`` (x1,y1,x2,y2,score,class)."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, channels, size, size])
    out = helper.make_tensor_value_info("detections", TensorProto.FLOAT, [1, len(rows), 6])
    const = helper.make_node("Constant", [], ["c"], value=helper.make_tensor(
        "v", TensorProto.FLOAT, [1, len(rows), 6], np.asarray(rows, dtype=np.float32).ravel().tolist()))
    # touch the input so it stays part of the graph
    zero = helper.make_node("ReduceSum", ["images"], ["s"], keepdims=0)
    mul = helper.make_node("Mul", ["s", "zero"], ["z"])
    add = helper.make_node("Add", ["c", "z"], ["detections"])
    zero_init = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    graph = helper.make_graph([const, zero, mul, add], "constant", [image], [out], [zero_init])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_an_onnx_model_gives_boxes_in_frame_pixels(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "m.onnx", [[8, 16, 24, 48, 0.9, 0], [0, 0, 10, 10, 0.1, 1]])
    det = OnnxDetector(model)
    found = det.detect(np.zeros((360, 640), dtype=np.uint8))
    boxes, conf, classes = found.xyxy, found.confidence, found.class_name.tolist()
    assert classes == ["person"]  # the 0.1 box is under the score floor
    np.testing.assert_allclose(boxes[0], [8 * 10, 16 * 5.625, 24 * 10, 48 * 5.625])
    assert conf[0] == pytest.approx(0.9)


def test_bad_models_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="no such file"):
        OnnxDetector(tmp_path / "none.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(DetectorError, match=r"junk\.onnx"):
        OnnxDetector(tmp_path / "junk.onnx")


def test_motion_boxes_are_the_default() -> None:
    found = MotionDetector().detect(np.zeros((360, 640), dtype=np.uint8))
    boxes, conf, classes = found.xyxy, found.confidence, found.class_name
    assert len(boxes) == len(conf) == len(classes) == 0
