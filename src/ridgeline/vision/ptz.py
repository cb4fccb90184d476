"""PTZ follow: keep a chosen track centred and at a useful size, within the camera's rates.

The controller sees the followed track's box in the current view (pixels) and commands
pan, tilt and zoom *speeds*: proportional to how far the box is from the centre and from
the target size, clipped to the camera's maximum rates.  When the track has been lost for
``lost_timeout_s`` it drives back to the home preset.  ``VirtualPtz`` is a crop window
moving over a wide frame — the same interface as a real camera, so the controller can be
tested on video; ``OnvifPtz`` (``vision/onvif.py``) implements ``move`` with ContinuousMove
for a real head.  ``PtzFollow`` picks the track to follow and steers whichever head it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from ridgeline.vision.detections import Detections


@dataclass(frozen=True)
class PtzLimits:
    """What the head can do and where it rests."""

    max_pan_rate: float = 0.5  # view widths per second
    max_tilt_rate: float = 0.5  # view heights per second
    max_zoom_rate: float = 1.0  # zoom factor per second
    min_zoom: float = 1.0
    max_zoom: float = 8.0
    home: tuple[float, float, float] = (0.0, 0.0, 1.0)  # pan, tilt (-1..1 of the wide field), zoom
    target_fill: float = 0.35  # wanted box height as a share of the view height
    lost_timeout_s: float = 3.0
    gain: float = 2.0  # 1/s: how briskly an offset is corrected


@dataclass(frozen=True)
class PtzState:
    """Where the head points: pan and tilt of the view centre in the wide field (-1..1), zoom."""

    pan: float
    tilt: float
    zoom: float


class PtzController:
    """Follows one track."""

    def __init__(self, limits: PtzLimits | None = None) -> None:
        self.limits = limits or PtzLimits()
        self._lost_for = 0.0

    def command(self, state: PtzState, box: np.ndarray | None, view: tuple[int, int], dt: float
                ) -> tuple[float, float, float]:
        """Pan, tilt and zoom speeds for the next ``dt`` seconds (box: x1,y1,x2,y2 in view pixels)."""
        lim = self.limits
        if box is None:
            self._lost_for += dt
            if self._lost_for < lim.lost_timeout_s:
                return 0.0, 0.0, 0.0
            hp, ht, hz = lim.home
            return (self._clip(lim.gain * (hp - state.pan), lim.max_pan_rate * 2 / state.zoom),
                    self._clip(lim.gain * (ht - state.tilt), lim.max_tilt_rate * 2 / state.zoom),
                    self._clip(lim.gain * (hz - state.zoom), lim.max_zoom_rate))
        self._lost_for = 0.0
        w, h = view
        cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        # offsets in view fractions; a view is 2/zoom wide in pan units
        ex, ey = (cx - w / 2.0) / w, (cy - h / 2.0) / h
        fill = (box[3] - box[1]) / h
        pan_rate = self._clip(lim.gain * ex, lim.max_pan_rate) * 2 / state.zoom
        tilt_rate = self._clip(lim.gain * ey, lim.max_tilt_rate) * 2 / state.zoom
        zoom_rate = self._clip(lim.gain * state.zoom * (lim.target_fill - fill) / max(fill, 1e-3), lim.max_zoom_rate)
        return pan_rate, tilt_rate, zoom_rate

    @staticmethod
    def _clip(v: float, most: float) -> float:
        return float(max(-most, min(most, v)))


class VirtualPtz:
    """A crop window over a wide frame, driven like a PTZ head."""

    def __init__(self, wide: tuple[int, int], view: tuple[int, int], limits: PtzLimits | None = None) -> None:
        self.wide = wide
        self.view = view
        self.limits = limits or PtzLimits()
        hp, ht, hz = self.limits.home
        self.state = PtzState(hp, ht, hz)

    def move(self, pan_rate: float, tilt_rate: float, zoom_rate: float, dt: float) -> PtzState:
        lim = self.limits
        zoom = float(np.clip(self.state.zoom + zoom_rate * dt, lim.min_zoom, lim.max_zoom))
        span = 1.0 - 1.0 / zoom  # how far the centre may go before the window leaves the wide field
        pan = float(np.clip(self.state.pan + pan_rate * dt, -span, span))
        tilt = float(np.clip(self.state.tilt + tilt_rate * dt, -span, span))
        self.state = PtzState(pan, tilt, zoom)
        return self.state

    def window(self) -> tuple[float, float, float, float]:
        """The view's rectangle in wide-frame pixels (x1, y1, x2, y2)."""
        ww, wh = self.wide
        s = self.state
        cw, ch = ww / s.zoom, wh / s.zoom
        cx, cy = ww / 2.0 * (1 + s.pan), wh / 2.0 * (1 + s.tilt)
        return cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2

    def to_view(self, box: np.ndarray) -> np.ndarray:
        """A wide-frame box in view pixels."""
        x1, y1, x2, y2 = self.window()
        sx, sy = self.view[0] / (x2 - x1), self.view[1] / (y2 - y1)
        return np.array([(box[0] - x1) * sx, (box[1] - y1) * sy, (box[2] - x1) * sx, (box[3] - y1) * sy])

    def render(self, frame: np.ndarray) -> np.ndarray:
        """What the head sees of a wide frame."""
        x1, y1, x2, y2 = (int(round(v)) for v in self.window())
        return cv2.resize(frame[max(y1, 0) : y2, max(x1, 0) : x2], self.view, interpolation=cv2.INTER_AREA)


class PtzHead(Protocol):
    """What a follower drives: ``VirtualPtz`` in tests, ``OnvifPtz`` on a mast."""

    state: PtzState

    def move(self, pan_rate: float, tilt_rate: float, zoom_rate: float, dt: float) -> PtzState: ...


class PtzFollow:
    """Keeps one track in view: called with each analysed frame's tracks, it steers the head.

    The followed track is kept while it lasts; when it is gone, the track named by the latest
    event is taken, else the largest one.  Commands go out at most ``rate_hz`` times a second
    (a real head is driven over the network), each lasting until the next.
    """

    def __init__(self, head: PtzHead, view: tuple[int, int], controller: PtzController | None = None,
                 rate_hz: float = 5.0) -> None:
        self.head = head
        self.view = view
        self.controller = controller or PtzController()
        self.period = 1.0 / rate_hz
        self.target: int | None = None
        self._last: float | None = None

    def __call__(self, time_s: float, tracks: Detections, event_tracks: list[int]) -> None:
        """One frame: its time, its confirmed tracks (boxes in view pixels), the track
        numbers its events are about."""
        boxes = dict(zip(tracks.track_ids.tolist(), tracks.xyxy, strict=True))
        if self.target not in boxes:
            named = [t for t in event_tracks if t in boxes]
            if named:
                self.target = named[-1]
            elif boxes:
                self.target = max(boxes, key=lambda t: float((boxes[t][3] - boxes[t][1]) * (boxes[t][2] - boxes[t][0])))
            else:
                self.target = None
        if self._last is not None and time_s - self._last < self.period:
            return
        dt = self.period if self._last is None else time_s - self._last
        self._last = time_s
        box = boxes.get(self.target) if self.target is not None else None
        self.head.move(*self.controller.command(self.head.state, box, self.view, dt), dt)
