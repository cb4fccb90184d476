"""The annotated video: privacy masks black in every frame, overlays included."""

from __future__ import annotations

from pathlib import Path

import av

from ridgeline.vision.annotate import Annotator
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import VideoPipeline
from ridgeline.vision.privacy import PrivacyMask
from ridgeline.vision.rules import LineRule, TrackRules
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import FrameSource

ROAD = Path(__file__).resolve().parents[1] / "data" / "video" / "road_640x360.avi"


def test_masked_regions_are_black_in_every_annotated_frame(tmp_path: Path) -> None:
    # a triangle on the road (cars drive through it, the line crosses it) and the far barrier
    masks = [[(100.0, 100.0), (360.0, 120.0), (200.0, 250.0)], [(0.0, 0.0), (640.0, 0.0), (640.0, 30.0), (0.0, 30.0)]]
    lines = [LineRule("mid", (320, 0), (320, 360))]
    pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=15)),
                             TrackRules(lines, min_height=12), masks=masks)
    writer = Annotator(tmp_path / "a.mp4", 640, 360, 15, lines, [], masks)
    result = pipeline.run(FrameSource(ROAD, detect_fps=15, colour=True), annotate=writer)
    writer.close()
    covered = PrivacyMask(masks).covered((360, 640))
    frames = 0
    with av.open(str(tmp_path / "a.mp4")) as video:
        for frame in video.decode(video=0):
            img = frame.to_ndarray(format="bgr24")
            # black up to the codec's rounding of black (its limited-range 16): the road there is 100-200
            assert img[covered].max() <= 4
            assert img[~covered].mean() > 50
            frames += 1
    assert frames == result.frames == 187
