"""PTZ follow on a virtual head: the walker is kept centred and sized; lost, the head goes home."""

from __future__ import annotations

import numpy as np

from ridgeline.vision.ptz import PtzController, PtzLimits, VirtualPtz


def walker(t: float) -> np.ndarray:
    """A person 60 x 160 px walking right across a 1920 x 1080 wide field at 150 px/s."""
    x = 300 + 150 * t
    return np.array([x, 600.0, x + 60, 760.0])


def in_view(box: np.ndarray, view: tuple[int, int]) -> bool:
    return bool(box[0] >= 0 and box[1] >= 0 and box[2] <= view[0] and box[3] <= view[1])


def test_follows_and_frames_the_walker_within_the_rate_limits() -> None:
    limits = PtzLimits()
    ptz = VirtualPtz((1920, 1080), (640, 360), limits)
    ctl = PtzController(limits)
    dt = 1 / 15
    last = ptz.state
    errors, fills = [], []
    for i in range(150):  # 10 s
        t = i * dt
        box = ptz.to_view(walker(t))
        seen = box if in_view(box, ptz.view) else None
        rates = ctl.command(ptz.state, seen, ptz.view, dt)
        assert abs(rates[0]) <= limits.max_pan_rate * 2 / ptz.state.zoom + 1e-9
        assert abs(rates[2]) <= limits.max_zoom_rate + 1e-9
        state = ptz.move(*rates, dt)
        assert abs(state.zoom - last.zoom) <= limits.max_zoom_rate * dt + 1e-9
        last = state
        if 5 < t < 7.5:  # settled, and before the walker nears the edge of the wide field
            b = ptz.to_view(walker(t))
            errors.append(abs((b[0] + b[2]) / 2 - 320) / 640)
            fills.append((b[3] - b[1]) / 360)
    assert max(errors) < 0.1  # within a tenth of the view from its centre
    assert abs(np.mean(fills) - limits.target_fill) < 0.05
    assert ptz.state.zoom > 1.5  # it zoomed in on a small figure


def test_goes_home_after_losing_the_track() -> None:
    limits = PtzLimits(lost_timeout_s=2.0)
    ptz = VirtualPtz((1920, 1080), (640, 360), limits)
    ctl = PtzController(limits)
    dt = 1 / 15
    for i in range(90):
        box = ptz.to_view(walker(i * dt))
        ptz.move(*ctl.command(ptz.state, box if in_view(box, ptz.view) else None, ptz.view, dt), dt)
    away = ptz.state
    assert away.pan > 0.2 and away.zoom > 1.5
    for _ in range(20):  # 1.3 s lost: it waits
        ptz.move(*ctl.command(ptz.state, None, ptz.view, dt), dt)
    assert abs(ptz.state.pan - away.pan) < 1e-9
    for _ in range(150):  # then it drives home
        ptz.move(*ctl.command(ptz.state, None, ptz.view, dt), dt)
    assert abs(ptz.state.pan) < 0.02 and abs(ptz.state.zoom - 1.0) < 0.05


def test_render_crops_the_wide_frame() -> None:
    ptz = VirtualPtz((1920, 1080), (640, 360))
    ptz.move(0.0, 0.0, 1.0, 1.0)  # zoom 2
    frame = np.zeros((1080, 1920), dtype=np.uint8)
    frame[540, 960] = 255
    view = ptz.render(frame)
    assert view.shape == (360, 640)
