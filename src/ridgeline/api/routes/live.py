"""The live feed: ``/api/v1/live``, a WebSocket of what the centre commits.

On connecting, a client gets ``{"type": "hello", "operator": ..., "role": ...}``; then each
change batch as the centre announced it (``{"id", "origin", "time", "changes": [...]}``); a
client too slow to keep up gets ``{"type": "dropped", ...}`` and close code 1013.  The
session is checked again every minute: a session that ended (logged out, account disabled)
closes the socket with 1008.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from ridgeline.api.hub import TRY_AGAIN_LATER, LiveClient, LiveHub
from ridgeline.api.security import ws_caller
from ridgeline.app.sessions import session_holder

router = APIRouter()
#: RFC 6455: the policy (session or origin) does not allow it
POLICY = 1008
RECHECK_S = 60.0


@router.websocket("/live")
async def live(websocket: WebSocket) -> None:
    """Push every committed change to this client, until it leaves or falls too far behind."""
    who = await run_in_threadpool(ws_caller, websocket)
    if who is None:
        await websocket.close(code=POLICY, reason="log in first, from an allowed origin")
        return
    hub: LiveHub = websocket.app.state.hub
    await websocket.accept()
    client = hub.join(who.name)
    try:
        await websocket.send_text(json.dumps({"type": "hello", "operator": who.name, "role": who.role.value}))
        sender = asyncio.create_task(_send(websocket, client, who.token))
        listener = asyncio.create_task(_listen(websocket))
        done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:  # read, so that a client leaving (WebSocketDisconnect) is not logged as lost
            if not task.cancelled():
                task.exception()
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.leave(client)


async def _send(websocket: WebSocket, client: LiveClient, token: str) -> None:
    store = websocket.app.state.ctx.store
    while True:
        try:
            text = await asyncio.wait_for(client.queue.get(), timeout=RECHECK_S)
        except TimeoutError:
            if await run_in_threadpool(session_holder, store, token) is None:
                await websocket.close(code=POLICY, reason="the session has ended")
                return
            continue
        if text is None:
            await websocket.close(code=TRY_AGAIN_LATER, reason="too slow")
            return
        await websocket.send_text(text)
        client.sent += 1


async def _listen(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice it leaving."""
    while True:
        await websocket.receive_text()
