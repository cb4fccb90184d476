"""The one detections type: columns kept parallel through selection and merging, helpers, typed ids."""

from __future__ import annotations

import numpy as np
import pytest

from ridgeline.vision.detections import Detections, TrackId


def three() -> Detections:
    return Detections.of([[0, 0, 10, 20], [10, 10, 30, 50], [5, 0, 7, 4]], [0.9, 0.5, 0.7],
                         ["person", "vehicle", "motion"], tracker_id=[3, 1, 2], frame=[1, 1, 2])


def test_selection_keeps_every_column_in_step() -> None:
    d = three()
    picked = d[d.confidence > 0.6]
    assert len(picked) == 2
    assert picked.class_name.tolist() == ["person", "motion"] and picked.track_ids.tolist() == [3, 2]
    assert picked.frames.tolist() == [1, 2] and picked.xyxy[1].tolist() == [5, 0, 7, 4]
    one = d[1]  # a single index is still a Detections of one row
    assert len(one) == 1 and one.class_name.tolist() == ["vehicle"] and one.xyxy.shape == (1, 4)
    assert d[1:].track_ids.tolist() == [1, 2] and d[[2, 0]].track_ids.tolist() == [2, 3]
    assert d.at(2).class_name.tolist() == ["motion"] and len(d.at(7)) == 0


def test_helpers_foot_height_area() -> None:
    d = three()
    assert d.foot.tolist() == [[5.0, 20.0], [20.0, 50.0], [6.0, 4.0]]
    assert d.height.tolist() == [20.0, 40.0, 4.0]
    assert d.box_area.tolist() == [200.0, 800.0, 8.0]


def test_empty_merge_and_defaults() -> None:
    empty = Detections.empty()
    assert len(empty) == 0 and empty.xyxy.shape == (0, 4) and empty.tracker_id is None
    assert len(Detections.empty(tracked=True).track_ids) == 0
    plain = Detections.of([[1, 2, 3, 4]])
    assert plain.confidence.tolist() == [1.0] and plain.class_name.tolist() == ["motion"]
    merged = Detections.merge([three(), three()[0]])
    assert len(merged) == 4 and merged.track_ids.tolist() == [3, 1, 2, 3]
    assert Detections.merge([three(), plain]).tracker_id is None  # a column not every part has is dropped
    assert len(Detections.merge([])) == 0
    assert three().with_tracks(np.array([7, 8, 9])).track_ids.tolist() == [7, 8, 9]


def test_the_dtype_given_is_kept() -> None:
    boxes = np.array([[1.5, 2.5, 3.5, 4.5]], dtype=np.float32)
    assert Detections.of(boxes).xyxy.dtype == np.float32
    assert Detections.of(boxes.astype(np.float64)).xyxy.dtype == np.float64


def test_columns_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(ValueError, match=r"confidence has shape \(1,\), need \(2,\)"):
        Detections.of([[0, 0, 1, 1], [0, 0, 2, 2]], [0.5])
    with pytest.raises(ValueError, match="xyxy has shape"):
        Detections(np.zeros((2, 3)), np.zeros(2), np.array(["motion"] * 2, dtype=object))
    with pytest.raises(ValueError, match="not tracked"):
        _ = Detections.of([[0, 0, 1, 1]]).track_ids
    with pytest.raises(ValueError, match="no frame column"):
        Detections.of([[0, 0, 1, 1]]).at(1)


def test_a_track_id_is_typed_and_has_one_wire_form() -> None:
    tid = TrackId("gate-cam", 12)
    assert str(tid) == "gate-cam-12" and tid.number == 12 and tid.camera == "gate-cam"
    assert tid == TrackId("gate-cam", 12) and len({tid, TrackId("gate-cam", 12), TrackId("yard", 12)}) == 2
