"""The whole video pipeline on a real road clip, clean and with injected faults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.road import CLIPS
from ridgeline.model import Event
from ridgeline.vision.detections import Detections, TrackId
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import PipelineResult, TrackEvent, VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules, ZoneRule
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import Frame, FrameSource
from tests.vision.video_faults import FAULTS, Fault, inject

ROAD = Path(__file__).resolve().parents[1] / "data" / "video" / "road_640x360.avi"


def run(kind: Fault) -> PipelineResult:
    source = FrameSource(ROAD, detect_fps=15)
    pipeline = VideoPipeline(
        MotionDetector(), Tracker(TrackerSettings(frame_rate=15)),
        TrackRules([LineRule("mid", (320, 0), (320, 360))],
                   [ZoneRule("verge", ((0, 300), (640, 200), (640, 360), (0, 360)))], min_height=12),
    )
    return pipeline.run(inject(source, kind))


@pytest.fixture(scope="module")
def clean() -> PipelineResult:
    return run("none")


def test_cars_crossing_the_line_are_counted_with_their_direction(clean: PipelineResult) -> None:
    crossings = [e for e in clean.events if e.type.value == "line_crossing"]
    # five cars drive east past the middle of the frame (the line is drawn top to bottom), counted
    # by eye (eval/road.py): the red one, split into bonnet and boot by its roof, was missed before
    assert [e.detail["direction"] for e in crossings] == ["right_to_left"] * 5
    assert [int(e.detail["frame"]) for e in crossings] == pytest.approx([75, 119, 134, 209, 305], abs=4)
    assert clean.frames == 187 and clean.track_count >= 5


HIGHWAY = ROAD.with_name("road_320x240_60fps.avi")
# (frame, lane) when each vehicle's front reaches the line, counted by eye: eval/road.py holds the truth
HIGHWAY_CROSSINGS = tuple((frame, lane) for clip in CLIPS if clip.file == HIGHWAY.name
                          for frame, lane, _direction in clip.crossings)


def test_a_contrasted_highway_is_counted_at_default_settings() -> None:
    """Traffic coming towards the camera past a line across the carriageway, at default
    settings: dark trees beside a bright road made a grey car less than the threshold
    (1 of 27 counted), and cars in a column, each a little faster in the image than the one
    ahead, were joined into one, and a car beside a box truck was one blob with it through
    the truck's shadow.  Now each crossing is counted once, the right way."""
    source = FrameSource(HIGHWAY, detect_fps=15)
    tracker = Tracker(TrackerSettings.profile("default", frame_rate=source.fps / source.every))
    pipeline = VideoPipeline(MotionDetector(), tracker, TrackRules([LineRule("bridge", (40, 150), (280, 150))],
                                                                   min_height=12))
    result = pipeline.run(source)
    source.close()
    events = [e for e in result.events if e.type.value == "line_crossing"]
    assert {e.detail["direction"] for e in events} == {"left_to_right"}  # drawn left to right: traffic comes down

    def lane(e: Event) -> str:  # the ground point's side of the dashed lane line
        return "left" if e.position is not None and (e.position.x or 0.0) < 162 else "right"

    found = {k for k, (frame, at) in enumerate(HIGHWAY_CROSSINGS)
             if any(lane(e) == at and abs(int(e.detail["frame"]) - frame) <= 30 for e in events)}
    assert len(events) == len(found) == len(HIGHWAY_CROSSINGS), (len(events), sorted(found))


@pytest.mark.parametrize("kind", FAULTS)
def test_faults_cause_no_false_events(clean: PipelineResult, kind: Fault) -> None:
    truth = [(e.type.value, int(e.detail["frame"])) for e in clean.events]
    for e in run(kind).events:
        key = (e.type.value, int(e.detail["frame"]))
        # the same event a few frames early or late is not a false one
        assert any(key[0] == t and abs(key[1] - f) <= 10 for t, f in truth), f"{kind}: false {key}"


class Labelled:
    """The motion detector's boxes, each called a vehicle (as a detector model would)."""

    def __init__(self) -> None:
        self.inner = MotionDetector()

    def detect(self, luma, bgr=None):  # type: ignore[no-untyped-def]
        found = self.inner.detect(luma, bgr)
        return replace(found, class_name=np.full(len(found), "vehicle", dtype=object))


def test_tracks_take_their_detections_class_and_rules_filter_on_it() -> None:
    def events(classes: tuple[str, ...]) -> list[str]:
        source = FrameSource(ROAD, detect_fps=15)
        pipeline = VideoPipeline(Labelled(), Tracker(TrackerSettings(frame_rate=15)),
                                 TrackRules([LineRule("mid", (320, 0), (320, 360), classes=classes)], min_height=12))
        return [str(e.object_class) for e in pipeline.run(source).events]

    assert events(()) == ["vehicle"] * 5
    assert events(("vehicle",)) == ["vehicle"] * 5
    assert events(("person",)) == []


def test_hooks_get_each_event_with_its_typed_track() -> None:
    seen: list[tuple[TrackId, str | None, bool]] = []

    def hook(frame: Frame, tracks: Detections, events: list[TrackEvent]) -> None:
        seen.extend((e.track, e.event.object_id, e.track.number in tracks.track_ids.tolist()) for e in events)

    source = FrameSource(ROAD, detect_fps=15)
    pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=15)),
                             TrackRules([LineRule("mid", (320, 0), (320, 360))], min_height=12), camera="road-cam")
    result = pipeline.run(source, annotate=hook)
    assert len(seen) == len(result.events) == 5
    # the track the event is about is one of that frame's tracks, and its id's wire form is the event's
    assert all(t.camera == "road-cam" and oid == str(t) and here for t, oid, here in seen)
    assert len({t for t, _oid, _here in seen}) == 5  # five cars, five tracks
    kept = result.tracks  # every tracked box, with its video frame (from 1; every second one analysed)
    assert set(kept.track_ids.tolist()) == result.track_ids and set(kept.frames.tolist()) <= set(range(1, 376, 2))


def masked_run(masks: list[list[tuple[float, float]]], locate=None, folder=None):  # type: ignore[no-untyped-def]
    source = FrameSource(ROAD, detect_fps=15, colour=True)
    pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=15)),
                             TrackRules([LineRule("mid", (320, 0), (320, 360))], min_height=12),
                             masks=masks, locate=locate, snapshots=folder)
    return pipeline, pipeline.run(source)


#: the pavement, bottom right, and the far barrier, top: no car drives there
SIDES = [[(450.0, 360.0), (640.0, 240.0), (640.0, 360.0)], [(0.0, 0.0), (640.0, 0.0), (640.0, 30.0), (0.0, 30.0)]]


def test_motion_only_inside_a_mask_gives_no_event() -> None:
    # a band around the line: the cars cross it only inside the mask, and move outside it
    _, result = masked_run([[(200.0, 0.0), (460.0, 0.0), (460.0, 360.0), (200.0, 360.0)]])
    assert result.events == []
    assert result.track_count >= 5  # the cars are still tracked where they are not masked


def test_each_event_has_one_masked_snapshot(tmp_path: Path) -> None:
    import cv2

    from ridgeline.vision.privacy import PrivacyMask

    pipeline, result = masked_run(SIDES, folder=tmp_path / "snaps")
    snaps = pipeline.take_snapshots()
    assert [e.detail["direction"] for e in result.events] == ["right_to_left"] * 5  # the masks cost nothing
    assert [s.event for s in snaps] == [e.id for e in result.events]
    assert [e.snapshot for e in result.events] == [s.id for s in snaps]
    assert pipeline.take_snapshots() == []
    covered = PrivacyMask(SIDES).covered((360, 640))
    for snap in snaps:
        img = cv2.imdecode(np.frombuffer(snap.image(), np.uint8), cv2.IMREAD_COLOR)
        assert (snap.width, snap.height) == (640, 360) and img.shape == (360, 640, 3)
        assert not img[covered].any()
        assert img[~covered].mean() > 50  # the road: grey, 100-200
        assert (tmp_path / "snaps" / f"{snap.id}.jpg").read_bytes() == snap.image()


def test_events_are_placed_on_the_map_at_their_foot_point() -> None:
    def locate(x: float, y: float) -> tuple[float, float] | None:
        return None if y < 150 else (-71.3 + x / 1e5, 44.3 - y / 1e5)

    _, result = masked_run([], locate=locate)
    assert len(result.events) == 5
    for e in result.events:
        assert e.position is not None and e.position.x is not None and e.position.y is not None
        if e.position.y < 150:
            assert e.position.lon is None and e.position.lat is None
        else:
            assert e.position.lon == pytest.approx(-71.3 + e.position.x / 1e5, abs=1e-6)
            assert e.position.lat == pytest.approx(44.3 - e.position.y / 1e5, abs=1e-6)
    assert sum(e.position.lon is not None for e in result.events if e.position) == 3  # y 258, 256 and 156
