"""MOTChallenge files: read back what was written; every bad line named; fuzzed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeline.errors import DataFileNotFoundError, MotFormatError
from ridgeline.vision.detections import Detections
from ridgeline.vision.mot import read_mot, write_mot


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    write_mot(path, Detections.of([[10.0, 20.0, 40.0, 100.0], [8.0, 20.0, 38.0, 100.0]], tracker_id=[7, 7],
                                  frame=[2, 1]))
    boxes = read_mot(path)
    assert boxes.frames.tolist() == [1, 2] and boxes.track_ids.tolist() == [7, 7]
    assert boxes.xyxy[1].tolist() == [10.0, 20.0, 40.0, 100.0]
    assert len(boxes.at(2)) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,-1,1,2,3\n", "line 1: 5 fields, need at least 7"),
        ("1,-1,1,2,3,4,0.9\n1,-1,a,2,3,4,0.9\n", "line 2: left is not a number: 'a'"),
        ("0,-1,1,2,3,4,0.9\n", "line 1: frame must be a whole number >= 1"),
        ("1.5,-1,1,2,3,4,0.9\n", "frame must be a whole number"),
        ("1,-1,1,2,0,4,0.9\n", "width and height must be positive"),
        ("1,-1,1,2,3,4,nan\n", "conf is not finite"),
        ("\n\n", "no boxes"),
    ],
)
def test_bad_lines_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(MotFormatError, match=message):
        read_mot(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="no such file"):
        read_mot(tmp_path / "none.txt")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MotFormatError, match="line 1: not text"):
        read_mot(tmp_path / "bin.txt")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_fuzz_any_bytes_read_or_refuse(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_bytes(raw)
    try:
        boxes = read_mot(path)
    except MotFormatError:
        return
    assert len(boxes) >= 1 and (boxes.frames >= 1).all()
