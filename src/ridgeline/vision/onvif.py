"""A real PTZ head over ONVIF, driven like the virtual one: ``move`` speeds for ``dt``, back home.

``PtzController`` commands pan, tilt and zoom speeds; ``VirtualPtz`` turns them into a crop
window for tests, and ``OnvifPtz`` into ONVIF ``ContinuousMove`` requests (with a timeout of
``dt``, so a lost link stops the head instead of leaving it turning) on the camera's first
media profile, reading the head's position back with ``GetStatus``.  Speeds are sent in
ONVIF's generic velocity space (-1..1 of the head's fastest), positions read from its generic
position space (pan and tilt -1..1, zoom 0..1, mapped onto the limits' zoom range).  Tilt is
upwards in ONVIF and downwards in images, so its sign flips.  The library
(``onvif-zeep-async``) is asynchronous; this class runs it on a private event loop so the
video loop stays synchronous.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from ridgeline.errors import PtzLinkError
from ridgeline.vision.ptz import PtzLimits, PtzState

T = TypeVar("T")



class OnvifPtz:
    """One ONVIF PTZ camera (host, port, user, password), its first media profile."""

    def __init__(self, host: str, port: int, user: str | None = None, password: str | None = None,
                 limits: PtzLimits | None = None, timeout_s: float = 5.0) -> None:
        self.host, self.port = host, port
        self.limits = limits or PtzLimits()
        self.timeout_s = timeout_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"onvif-{host}", daemon=True)
        self._thread.start()
        self.state = PtzState(*self.limits.home)
        try:
            self._run(self._connect(user, password))
        except BaseException:
            self.close()
            raise

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=self.timeout_s * 3)
        except TimeoutError as exc:
            future.cancel()
            raise PtzLinkError(f"onvif {self.host}:{self.port}: no answer within {self.timeout_s * 3:.0f} s") from exc
        except PtzLinkError:
            raise
        except Exception as exc:  # zeep, aiohttp and httpx each raise their own kinds
            raise PtzLinkError(f"onvif {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc

    async def _connect(self, user: str | None, password: str | None) -> None:
        from onvif import ONVIFCamera

        self._camera = ONVIFCamera(self.host, self.port, user or "", password or "")  # "": no WS-Security
        await self._camera.update_xaddrs()
        media = await self._camera.create_media_service()
        profiles = await media.GetProfiles()
        if not profiles:
            raise PtzLinkError(f"onvif {self.host}:{self.port}: the camera has no media profile")
        self._profile = profiles[0].token
        self._ptz = await self._camera.create_ptz_service()

    def _velocity(self, pan_rate: float, tilt_rate: float, zoom_rate: float) -> dict[str, Any]:
        lim = self.limits

        def unit(v: float, most: float) -> float:
            return max(-1.0, min(1.0, v / most)) if most > 0 else 0.0

        return {"PanTilt": {"x": unit(pan_rate, 2 * lim.max_pan_rate), "y": -unit(tilt_rate, 2 * lim.max_tilt_rate)},
                "Zoom": {"x": unit(zoom_rate, lim.max_zoom_rate)}}

    def move(self, pan_rate: float, tilt_rate: float, zoom_rate: float, dt: float) -> PtzState:
        """Turn at these speeds (the controller's units) for ``dt`` seconds; where the head is."""
        if pan_rate == tilt_rate == zoom_rate == 0.0:
            self._run(self._ptz.Stop({"ProfileToken": self._profile, "PanTilt": True, "Zoom": True}))
        else:
            self._run(self._ptz.ContinuousMove({
                "ProfileToken": self._profile, "Velocity": self._velocity(pan_rate, tilt_rate, zoom_rate),
                "Timeout": f"PT{max(dt, 0.1):.2f}S",
            }))
        return self.status()

    def status(self) -> PtzState:
        """Where the head points now."""
        status = self._run(self._ptz.GetStatus({"ProfileToken": self._profile}))
        position = getattr(status, "Position", None)
        if position is None or position.PanTilt is None or position.Zoom is None:
            return self.state  # some heads do not report a position: keep the last one known
        lim = self.limits
        zoom = lim.min_zoom + float(position.Zoom.x) * (lim.max_zoom - lim.min_zoom)
        self.state = PtzState(float(position.PanTilt.x), -float(position.PanTilt.y), zoom)
        return self.state

    def home(self) -> None:
        """Back to the home position the head keeps."""
        self._run(self._ptz.GotoHomePosition({"ProfileToken": self._profile}))

    def close(self) -> None:
        """Stop the head's loop and the library's sessions."""
        camera = getattr(self, "_camera", None)
        if camera is not None and self._loop.is_running():
            with contextlib.suppress(Exception):  # closing a dead link must not raise over the real error
                asyncio.run_coroutine_threadsafe(camera.close(), self._loop).result(timeout=self.timeout_s)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=self.timeout_s)
