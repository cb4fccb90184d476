"""The video pipeline on a real thermal clip: tracks, IoU with the annotated person, crossings, faults.

Reads ``video/thermal_two_people_640x480.mp4`` and its ground truth (one box a frame for one
of the two people, as four corners) from ``--data`` (evaluation only: never copied).  Runs
the pipeline at 15 detect fps with a line across the lawn and prints: how many tracks, the
mean IoU between the annotated box and the best-overlapping track box (frames with no track
count as 0), identity switches on the annotated person (changes of that best track), and
the events; then the same with injected faults (an infrared-style gain switch, flicker,
shake, speckle rain, dropped frames) and the events each adds.  The issue's bars: the two
people are two stable tracks (<= 2 identity switches), no event from trees or background,
the line's crossings exactly as they happen.

Run from the repository root: ``.venv/bin/python -m eval.thermal [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from ridgeline.sim.video_faults import FAULTS, Fault, inject
from ridgeline.vision.motion import MotionDetector
from ridgeline.vision.pipeline import PipelineResult, VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import FrameSource

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LAWN = LineRule("lawn", (320.0, 200.0), (320.0, 470.0))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def run(clip: Path, kind: Fault) -> PipelineResult:
    source = FrameSource(clip, detect_fps=15)
    pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=15)), TrackRules([LAWN]))
    result = pipeline.run(inject(source, kind, switch_at=135))
    source.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    args = parser.parse_args()
    clip = args.data / "video" / "thermal_two_people_640x480.mp4"
    gt = np.loadtxt(args.data / "video" / "thermal_two_people_groundtruth.txt", delimiter=",")
    truth = np.c_[gt[:, 0::2].min(1), gt[:, 1::2].min(1), gt[:, 0::2].max(1), gt[:, 1::2].max(1)]
    clean = run(clip, "none")
    by_frame: dict[int, list[tuple[int, np.ndarray]]] = {}
    for f, tid, *box in clean.tracks:
        by_frame.setdefault(f - 1, []).append((tid, np.array(box)))
    ious, best_ids = [], []
    for f in range(0, len(truth), 2):  # the frames the pipeline analysed (15 of 25 fps -> every 2nd)
        candidates = by_frame.get(f, [])
        if not candidates:
            ious.append(0.0)
            continue
        tid, box = max(candidates, key=lambda tb: iou(truth[f], tb[1]))
        ious.append(iou(truth[f], box))
        best_ids.append(tid)
    switches = sum(1 for a, b in itertools.pairwise(best_ids) if a != b)
    print(f"thermal clip, {clean.frames} frames analysed: {clean.track_count} tracks (2 people), "
          f"mean IoU with the annotated person {np.mean(ious):.2f}, identity switches on them {switches} "
          f"(bar <= 2)")
    for e in clean.events:
        print(f"  {e.type.value} {e.detail.get('direction', '')} frame {e.detail['frame']} {e.object_id}")
    base = {(e.type.value, int(e.detail["frame"])) for e in clean.events}
    for kind in FAULTS:
        got = run(clip, kind)
        extra = [(e.type.value, int(e.detail["frame"])) for e in got.events
                 if not any(t == e.type.value and abs(f - int(e.detail["frame"])) <= 10 for t, f in base)]
        print(f"  with {kind}: {len(got.events)} events, {len(extra)} not in the clean run {extra[:5]}")


if __name__ == "__main__":
    main()
