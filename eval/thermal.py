"""The video pipeline on a real thermal clip: tracks, IoU with the annotated person, crossings, faults.

Reads ``video/thermal_two_people_640x480.mp4`` (VOT-TIR2015 "birds": a fixed thermal camera,
two people walking on a park lawn in front of a hedge, trees and a building, birds flying
through the trees around frames 134-143) and its ground truth (one box a frame for one of
the two people, as four corners) from ``--data`` (evaluation only: never copied).  Runs the
pipeline with the ``thermal`` motion and tracker profiles at the clip's 25 fps thinned to
every second frame (12.5 fps analysed), a line across the lawn and a zone over the tree
line, and prints: how many tracks (and how many last 2 s or more), the mean IoU between the
annotated box and the best-overlapping track box (frames with no track count as 0),
identity switches on the annotated person (changes of the track matched to them, a match
being IoU >= 0.3 and, as in CLEAR MOT, the track matched before staying matched while it
still is one), the events scored against the true crossings; then the same with
injected faults (an infrared-style gain switch, flicker, shake, speckle rain, dropped
frames) and the events each adds.

The issue's bars: the two people are two stable tracks (<= 2 identity switches), no event
from the trees or background, the line's crossings exactly as they happen, and no event
added by any fault.

The truth was established by eye, not from the pipeline: frames every 10 (and every 2-4
around each crossing) were extracted and viewed, and a space-time image of the lawn's
foot band (rows 230-320 minus the clip's per-pixel median, one row per frame) shows both
walkers' paths.  The annotated person (A, dark hooded coat, warm legs) starts at x 360,
walks right to 410 (frame 70), back to 366 (110), right to 471 (160), stands by the tree
until about 205 and walks left to 290 at the end (the ground truth's box centres agree).
The other person (B, light clothes, handling a coat until frame 56) starts at x 288,
lingers around 315 until frame 60, walks right behind A (frames 80-95) to the tree
(505-520, bending, 110-180), and walks back left to 234 at the end.  The line, vertical at
x = 340 from the bottom of the frame to the far edge of the lawn, is where no one lingers:
B crosses it left to right at frames 66-72 and right to left at 218-224, A right to left
at 250-256; nobody else crosses it.  Both cross it at least 20 px clear of where they
linger (B at 315-323, A at 366).  The tree line (y < 240: the hedge, the trees, the
building) is where the people's feet never are: a box standing there is background, a
bird, or a fragment of a person — each an event from the background.

Measured with the ``thermal`` profiles (2-core machine, about 200 frames/s for the motion
detector at 640 x 480): 4 tracks (one for each person, 111 and 125 frames long, and two
ghosts of 2 frames that report nothing), mean IoU 0.63, A matched in 123 of 135 frames,
1 identity switch (where B walks behind A and their paths cross, frames 80-95, the two
ids swap: boxes alone cannot tell who came out on which side), the 3 crossings found
and no false event, and no fault adds or loses an event.  Changing one setting at a time
(the profile docstrings say what each is for) keeps every bar for: analysing all 25 fps
instead of 12.5; ``threshold`` 1.3; ``split_valley`` 0.4 or 0.6; ``stack_gap`` 0 or
0.35; ``join_height`` 15; ``min_area`` 400; ``absorb_frames`` 40; ``min_hits`` 3 or 5;
``lost_frames`` 45 or 90; plain IoU at 0.3; line inertia 1 or 4.  It loses a bar for:
``threshold`` 0.8 or ``noise_k`` 0 (B's return crossing missed), ``join`` 3 (5 switches)
or 7 (3), ``jitter`` 0 or 2, analysis ``height`` 180, ``merge_overlap`` 0, no ghost test
(2 false events) and ``share_merged`` off (4 switches, a crossing missed).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from ridgeline.model import Event
from ridgeline.vision.motion import MotionDetector, MotionSettings
from ridgeline.vision.pipeline import PipelineResult, VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules, ZoneRule
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import FrameSource
from tests.vision.video_faults import FAULTS, Fault, inject

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# drawn from the bottom of the frame up: left and right are the screen's
LAWN = LineRule("lawn", (340.0, 470.0), (340.0, 250.0), inertia=3)
TREELINE = ZoneRule("treeline", ((0.0, 0.0), (640.0, 0.0), (640.0, 240.0), (0.0, 240.0)))
# (direction, frame about which it happens, who): see the module docstring
CROSSINGS = (("left_to_right", 69, "B"), ("right_to_left", 221, "B"), ("right_to_left", 253, "A"))
TOLERANCE = 12  # frames (0.5 s) between the true moment and the event
MATCH_IOU = 0.3  # a track box matches the annotated person from this IoU


def iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def run(clip: Path, kind: Fault) -> PipelineResult:
    source = FrameSource(clip, detect_fps=15)
    rate = source.fps / source.every
    pipeline = VideoPipeline(MotionDetector(MotionSettings.profile("thermal")),
                             Tracker(TrackerSettings.profile("thermal", frame_rate=rate)),
                             TrackRules([LAWN], [TREELINE]))
    result = pipeline.run(inject(source, kind, switch_at=135))
    source.close()
    return result


def frame_of(event: Event) -> int:
    """The video frame an event happened at."""
    frame = event.detail["frame"]
    assert isinstance(frame, int | float | str)
    return int(frame)


def score(events: list[Event]) -> tuple[list[str], list[Event]]:
    """The true crossings each matched by an event (same direction, within TOLERANCE
    frames, each event used once) or missed, and the events that match none."""
    left = list(events)
    lines = []
    for direction, frame, who in CROSSINGS:
        hit = next((e for e in left if e.type.value == "line_crossing" and e.detail.get("direction") == direction
                    and abs(frame_of(e) - frame) <= TOLERANCE), None)
        if hit is None:
            lines.append(f"MISSED {direction} by {who} at about frame {frame}")
            continue
        left.remove(hit)
        lines.append(f"found  {direction} by {who} at about frame {frame}: frame {hit.detail['frame']} "
                     f"{hit.object_id}")
    return lines, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    args = parser.parse_args()
    clip = args.data / "video" / "thermal_two_people_640x480.mp4"
    gt = np.loadtxt(args.data / "video" / "thermal_two_people_groundtruth.txt", delimiter=",")
    truth = np.c_[gt[:, 0::2].min(1), gt[:, 1::2].min(1), gt[:, 0::2].max(1), gt[:, 1::2].max(1)]
    clean = run(clip, "none")
    tracks = clean.tracks
    by_frame: dict[int, list[tuple[int, np.ndarray]]] = {}
    for f, tid, box in zip(tracks.frames.tolist(), tracks.track_ids.tolist(), tracks.xyxy.astype(np.float64),
                           strict=True):
        by_frame.setdefault(f - 1, []).append((tid, box))
    analysed = list(range(0, len(truth), 2))  # the frames the pipeline analysed (25 fps thinned to every 2nd)
    ious: list[float] = []
    matched: list[int] = []
    for f in analysed:
        candidates = {tid: iou(truth[f], box) for tid, box in by_frame.get(f, [])}
        best = max(candidates, key=lambda t: candidates[t], default=None)
        ious.append(candidates[best] if best is not None else 0.0)
        # CLEAR MOT's rule: the track matched before stays matched while it still overlaps enough
        if matched and candidates.get(matched[-1], 0.0) >= MATCH_IOU:
            matched.append(matched[-1])
        elif best is not None and candidates[best] >= MATCH_IOU:
            matched.append(best)
    switches = sum(1 for a, b in itertools.pairwise(matched) if a != b)
    lengths: dict[int, int] = {}
    for tid in tracks.track_ids.tolist():
        lengths[tid] = lengths.get(tid, 0) + 1
    long_tracks = sum(1 for n in lengths.values() if n >= 25)  # 2 s at 12.5 fps
    print(f"thermal clip, {clean.frames} frames analysed: {clean.track_count} tracks, {long_tracks} of them "
          f"2 s or longer (2 people); annotated person matched in {len(matched)}/{len(analysed)} frames, mean IoU "
          f"{np.mean(ious):.2f}, identity switches on them {switches} (bar <= 2; tracks {sorted(set(matched))})")
    found, extra = score(clean.events)
    for line in found:
        print(f"  {line}")
    for e in extra:
        print(f"  FALSE  {e.type.value} {e.zone} {e.detail.get('direction', '')} frame {e.detail['frame']} "
              f"{e.object_id} at ({e.position.x if e.position else ''}, {e.position.y if e.position else ''})")
    missed = sum(1 for line in found if line.startswith("MISSED"))
    print(f"  crossings: {len(CROSSINGS) - missed}/{len(CROSSINGS)} found, {len(extra)} false events "
          f"(bar: all found, none false)")
    base = {(e.type.value, frame_of(e)) for e in clean.events}
    for kind in FAULTS:
        got = run(clip, kind)
        added = [(e.type.value, frame_of(e)) for e in got.events
                 if not any(t == e.type.value and abs(f - frame_of(e)) <= 10 for t, f in base)]
        f_found, f_extra = score(got.events)
        f_missed = sum(1 for line in f_found if line.startswith("MISSED"))
        print(f"  with {kind}: {len(got.events)} events, {len(added)} not in the clean run {added[:5]}; "
              f"against the truth {len(CROSSINGS) - f_missed}/{len(CROSSINGS)} found, {len(f_extra)} false")


if __name__ == "__main__":
    main()
