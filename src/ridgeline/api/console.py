"""The operator console's files (``ridgeline.web``) at ``/``, under a strict Content-Security-Policy.

Everything the page loads comes from this origin: scripts are files (no inline script, no
``eval``), MapLibre's worker is a module file beside the library, the live feed is this
origin's WebSocket ('self' covers ws:/wss: to the same host).  Images may be ``data:`` (the
map's control icons in MapLibre's CSS) and ``blob:`` (decoded raster and terrain tiles).
Files are revalidated on each load (``no-cache`` with their ETag), so an upgrade shows at once.
"""

from __future__ import annotations

from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from ridgeline.web import static_folder

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class Console:
    """An ASGI app serving the console's files with the policy; a WebSocket here is refused."""

    def __init__(self) -> None:
        self.files = StaticFiles(directory=static_folder(), html=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # no socket but /api/v1/live
            await send({"type": "websocket.close", "code": 1008, "reason": "no such socket"})
            return
        if scope["type"] != "http":
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers += [(b"content-security-policy", CSP.encode()), (b"cache-control", b"no-cache")]
                message = {**message, "headers": headers}
            await send(message)

        await self.files(scope, receive, with_policy)
