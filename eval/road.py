"""Line crossings on the two road clips against crossings counted by eye: precision, recall, split cars.

Reads ``video/road_640x360.avi`` and ``video/road_320x240_60fps.avi`` (bgslibrary's sample
clips, MIT) from ``--data`` and runs the video pipeline on each with the ``default`` motion
and tracker profiles at 15 analysed frames a second, one tripwire across the road, and
prints, per clip: the line-crossing events scored against the true crossings, precision
(events that are a true crossing / events) and recall (true crossings found / true
crossings), and the split cars.

Scoring: an event matches a true crossing when it is in the same lane (the event's ground
point), in the same direction and within ``TOLERANCE_S`` of the true moment; each true
crossing is matched at most once (closest in time first), so a car counted twice gives
one true positive and one false positive.  A false positive that would have matched a
crossing already taken is a *split*: one car that became two tracks at the line.
``split frames`` counts, on the clip where no two cars are ever in one lane at once
(road_640x360, checked by eye), the tracks beyond the first in one lane in one analysed
frame, summed over the frames: a car tracked as bonnet and boot apart counts 1 a frame.

The truth was established by eye, not from the pipeline.  For each clip frames were
extracted every 6 (30 fps clip) or 12 (60 fps clip) frames with the line drawn in, and a
space-time image of the line's pixel row (one row a frame) showed every vehicle passing
it as one blob; doubtful blobs were checked on the frames around them (two SUVs 27 frames
apart at 1174 and 1201; a van with a roof rack at 1519 is one vehicle).  The frame given is
when the front of the vehicle reaches the line (where its box's bottom, the rules' ground
point, crosses it), read to about 3 frames.

- ``road_640x360.avi`` (374 frames, 30 fps; the camera looks down on a two-lane road,
  traffic driving east, left to right on screen): the line is vertical at x = 320, drawn
  top to bottom, so eastbound traffic crosses it right to left.  Five cars: a white car in
  the near lane (frame 75), a white car in the far lane (119) and, 15 frames behind it, a
  red car in the near lane (134), a teal car (209) and a black car (305), both in the far
  lane; no two of them are ever in one lane at once.  Lanes: far when the ground point is
  above the line from (0, 215) to (640, 151), just below the dashed lane line (y = 183 at
  the tripwire, where far-lane ground points are at most 160 and near-lane ones at least 250).
- ``road_320x240_60fps.avi`` (1,699 frames, 60 fps; a divided highway seen from a bridge,
  traffic coming towards the camera, down the screen): the line is horizontal at y = 150
  from x = 40 to 280 (the carriageway; the opposite carriageway beyond the barrier on the
  right is outside it), drawn left to right, so traffic crosses it left to right.  27
  vehicles, 17 in the left lane and 10 in the right (a box truck at 254); lanes at the line:
  left when the ground point is left of x = 162 (the dashed lane line).

Measured (``--threshold`` left out, then 1.5), before the parts stage and the tracker's
births (issue 18, part 3) and after:

- road_640x360: precision 1.00 and recall 0.80 (the red car, split into bonnet and boot,
  missed; 8 split frames) before; 1.00 and 1.00 (3 split frames) after: at frames 151-153
  the white car, small at the far end of the road, is still bonnet and boot (seen apart at
  144-150: 28 px between parts 20 px long, more than the gap test allows), and at 115 a second "far lane"
  track is the solid lane line flickering under a passing car's shadow.
- road_320x240_60fps: recall 0.04 (1/27) before and after.  The default threshold (2.5
  contrast units) is too high for this scene: the frame's spread, dark trees against a
  bright road, is large, so a car differs from the road by 1-2.3 units.  With threshold 1.5
  (chosen after trying 1.5 and 1.0 on this clip; not a profile setting): precision 0.88
  (23/26) and recall 0.85 with 2 split crossings before, 0.93 (25/27) and 0.93 with 1
  after.

Then, at default settings, the threshold capped at ``max_levels`` = 40 grey levels (about
the 2.5 units of road_640x360, where the threshold was set), ``join`` 9 -> 5 analysis pixels
(the parts stage now joins a car's bonnet and boot), parts joined only while *every* two
of them move alike (a column of cars, each a little faster in the image than the one ahead,
was one chain of pairs) and boxes merged only when they overlap by 30 % (the thermal
profile's value; cars in adjacent lanes touch in perspective):

- road_640x360: precision 1.00 (5/5), recall 1.00, 6 split frames (the far white car's
  bonnet and boot at 144-153 apart in more frames with the smaller join).
- road_320x240_60fps: precision 1.00 (25/25), recall 0.93 (25/27), no split crossing.  At 1673
  the car had been joined for a few frames with the one close behind it in its lane, at one
  velocity (the parts stage's known limit), and when they came apart again neither part
  overlapped the joined track's box enough to go on with it: the car's new track was
  confirmed only past the line.
  Tried on this clip on the way (with earlier states of the other changes): the cap at 60,
  80 and 100 levels gave recall 0.85-0.89, 0.74 and 0.48; ``join`` 3 and 9 gave 0.81-0.85;
  the last two changes took recall from 0.85 to 0.93 and precision from 0.96 to 1.00.  The
  cap was not picked as this clip's best but from road_640x360, and the chain rule and the
  overlap are reasons rather than fitted values; still, this clip was looked at while they
  were chosen.

Then the ``default`` tracker profile matching by DIoU at 0.1 (the ``thermal`` profile's
matching, for its reason: a box that changes shape still matches the track whose centre it
is near; ``eval/mot.py``, which scores ``TrackerSettings()``, is unchanged):

- road_640x360: the same, 5/5.
- road_320x240_60fps: precision 1.00 (26/26), recall 0.96 (26/27), no split crossing, every
  event within 6 frames (1/10 s) of its true moment.  The one missed, at 273: a car beside
  the box truck is one blob with it, joined through the truck's moving shadow on the road
  between them.  Also tried on this clip: DIoU at OC-SORT's 0.3, and ``share_merged``; each left
  it at 25/27.

Then objects kept apart (``ridgeline.vision.apart``): each moving object of a frame is
carried to the next by its measured velocity, and a blob that holds two of them side by
side across their motion is cut between them:

- road_640x360: the same, 5/5, 6 split frames; no blob is cut in its 187 analysed frames.
- road_320x240_60fps: precision 1.00 (27/27), recall 1.00 (27/27), no split crossing.  Blobs
  are cut in 7 of 425 analysed frames: 276-296 (the car beside the truck, which now crosses
  at 276) and 1384 (two cars leaving the frame at its bottom edge).  The same with the share
  of a carried object a blob must hold at 0.3 or 0.7 instead of 0.5.
  Tried first, on this clip, and dropped: a grey-level shadow test (the frame darker than
  the background by a ratio that is uniform around the pixel, after Jacques, Jung and Musse
  2005): the truck's shadow measured 0.35-0.51 of the road, its windscreen 0.46-0.69 and
  its grille 0.27-0.47, so the test took the truck's dark parts for shadow and not the
  shadow; sharing the merged box among the tracks in the tracker (their boxes are guesses
  that lag); and cutting between any two objects the flow measured apart, which split the
  big white car at 75 of road_640x360 (its parts' flows there disagree by up to 8 analysis
  pixels a frame) — hence the side-by-side condition, judged by each object's own velocity.
  The thermal clip (``eval/thermal.py``, whose profile leaves the stage off) has blobs cut
  in 3 of its 135 frames when run through the ``default`` profile.

What was tuned on what: the parts stage's ``precision`` (1.0), ``tolerance`` (0.25, first
0.15) and ``gap`` (1.0 of the longer part) were set from the parts' flows and sizes of the two split cars of
road_640x360 (the red car's rear part measured 29 analysis pixels a frame against its
front's 23 at frame 132; gaps of 20-26 px between parts 24-70 px long), so that clip's
figures are not an independent test of them; road_320x240_60fps at threshold 1.5 was, but
the later changes above were made while looking at it, so it no longer is either.  The
apart stage has one number of its own (``share``, 0.5, a plain majority) and was built to
fix this clip's car at 273, so its 27/27 shows that the case is handled, not how often such
cases are on other roads.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ridgeline.model import Event
from ridgeline.vision.motion import MotionDetector, MotionSettings
from ridgeline.vision.pipeline import PipelineResult, VideoPipeline
from ridgeline.vision.rules import LineRule, TrackRules
from ridgeline.vision.tracking import Tracker, TrackerSettings
from ridgeline.vision.video import FrameSource

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TOLERANCE_S = 0.5  # between the true moment and the event


@dataclass(frozen=True)
class Clip:
    """A road clip, its tripwire, how a ground point names its lane, and the true crossings."""

    file: str
    line: LineRule
    lane: Callable[[float, float], str]
    crossings: tuple[tuple[int, str, str], ...]  # (frame, lane, direction)
    lanes_hold_one: bool = False  # no two cars are ever in one lane at once (so two tracks there are a split)


def _far_or_near(x: float, y: float) -> str:
    return "far" if y < 215.0 - 0.1 * x else "near"


def _left_or_right(x: float, y: float) -> str:
    return "left" if x < 162 else "right"


_EAST = "right_to_left"
_DOWN = "left_to_right"
CLIPS = (
    Clip("road_640x360.avi", LineRule("mid", (320.0, 0.0), (320.0, 360.0)), _far_or_near,
         ((75, "near", _EAST), (119, "far", _EAST), (134, "near", _EAST), (209, "far", _EAST),
          (305, "far", _EAST)), lanes_hold_one=True),
    Clip("road_320x240_60fps.avi", LineRule("bridge", (40.0, 150.0), (280.0, 150.0)), _left_or_right,
         tuple((f, lane, _DOWN) for f, lane in (
             (140, "left"), (254, "right"), (273, "left"), (351, "left"), (422, "left"), (668, "left"),
             (773, "left"), (804, "right"), (818, "left"), (845, "right"), (862, "left"), (883, "right"),
             (906, "left"), (989, "left"), (1048, "right"), (1080, "left"), (1104, "right"), (1174, "left"),
             (1201, "left"), (1344, "left"), (1391, "right"), (1459, "left"), (1497, "left"), (1519, "right"),
             (1623, "right"), (1646, "right"), (1673, "left")))),
)


def run(path: Path, line: LineRule, threshold: float | None = None) -> PipelineResult:
    """The pipeline with the default profiles (``threshold``: the motion detector's, where
    given) over one clip."""
    source = FrameSource(path, detect_fps=15)
    rate = source.fps / source.every
    changes = {} if threshold is None else {"threshold": threshold}
    pipeline = VideoPipeline(MotionDetector(MotionSettings.profile("default", **changes)),
                             Tracker(TrackerSettings.profile("default", frame_rate=rate)),
                             TrackRules([line], min_height=12))
    result = pipeline.run(source)
    source.close()
    return result


def frame_of(event: Event) -> int:
    frame = event.detail["frame"]
    assert isinstance(frame, int | float | str)
    return int(frame)


@dataclass
class Score:
    """How one clip's events compare with its true crossings."""

    found: dict[int, Event]  # true crossing index -> the event that matched it
    false: list[Event]
    splits: list[Event]  # false events that repeat a crossing already matched

    def precision(self, events: int) -> float:
        return len(self.found) / events if events else 1.0


def score(clip: Clip, events: list[Event], fps: float) -> Score:
    """Match events to true crossings one to one, closest in time first."""
    tol = TOLERANCE_S * fps
    crossings = [e for e in events if e.type.value == "line_crossing"]

    def fits(e: Event, truth: tuple[int, str, str]) -> bool:
        frame, lane, direction = truth
        pos = e.position
        at = clip.lane(pos.x or 0.0, pos.y or 0.0) if pos is not None else ""
        return at == lane and e.detail.get("direction") == direction and abs(frame_of(e) - frame) <= tol

    pairs = sorted((abs(frame_of(e) - t[0]), i, k) for i, e in enumerate(crossings)
                   for k, t in enumerate(clip.crossings) if fits(e, t))
    found: dict[int, Event] = {}
    used: set[int] = set()
    for _gap, i, k in pairs:
        if i in used or k in found:
            continue
        found[k] = crossings[i]
        used.add(i)
    false = [e for i, e in enumerate(crossings) if i not in used]
    splits = [e for e in false if any(fits(e, t) for t in clip.crossings)]
    return Score(found, false, splits)


def split_frames(result: PipelineResult, clip: Clip) -> int:
    """Tracks beyond the first in one lane, summed over the analysed frames (for a clip
    whose lanes never hold two cars at once)."""
    tracks = result.tracks
    count = 0
    for f in np.unique(tracks.frames):
        lanes = [clip.lane(float(x), float(y)) for x, y in tracks.at(int(f)).foot]
        count += sum(lanes.count(lane) - 1 for lane in set(lanes))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--threshold", type=float, default=None,
                        help="the motion detector's threshold (contrast units) instead of the default profile's")
    args = parser.parse_args()
    for clip in CLIPS:
        path = args.data / "video" / clip.file
        source = FrameSource(path)
        fps = source.fps
        source.close()
        result = run(path, clip.line, args.threshold)
        got = score(clip, result.events, fps)
        events = sum(1 for e in result.events if e.type.value == "line_crossing")
        print(f"{clip.file}: {result.frames} frames analysed, {result.track_count} tracks, {events} crossing events "
              f"for {len(clip.crossings)} true crossings")
        for k, (frame, lane, direction) in enumerate(clip.crossings):
            hit = got.found.get(k)
            what = f"frame {frame_of(hit)} {hit.object_id}" if hit else "MISSED"
            print(f"  {lane:>5} lane {direction} at about frame {frame}: {what}")
        for e in got.false:
            kind = "SPLIT" if e in got.splits else "FALSE"
            pos = e.position
            print(f"  {kind}  {e.detail.get('direction')} frame {frame_of(e)} {e.object_id} at "
                  f"({pos.x if pos else ''}, {pos.y if pos else ''})")
        splits = str(split_frames(result, clip)) if clip.lanes_hold_one else "n/a (lanes hold several cars)"
        print(f"  precision {got.precision(events):.2f} ({len(got.found)}/{events}), recall "
              f"{len(got.found) / len(clip.crossings):.2f} ({len(got.found)}/{len(clip.crossings)}), "
              f"split crossings {len(got.splits)}, split frames {splits}")


if __name__ == "__main__":
    main()
