"""Fan-out of the change feed to WebSocket clients, each behind a bounded queue.

A batch arrives once (as JSON text, from whatever thread committed it) and the same text is
queued for every client; a client whose queue is full is too slow to keep up: its queue is
emptied, it is sent one ``{"type": "dropped"}`` notice and closed with code 1013 (try again
later), so it can reconnect and read the truth from the REST API.  Nothing is buffered
without bound, and one slow client never slows the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

#: the close code a dropped client gets (RFC 6455: try again later)
TRY_AGAIN_LATER = 1013
_END = None


@dataclass(eq=False)
class LiveClient:
    """One connected WebSocket's queue of batches to send."""

    name: str
    queue: asyncio.Queue[str | None]
    dropped: bool = False
    sent: int = field(default=0)


class LiveHub:
    """The clients of this process and the batches they are owed."""

    def __init__(self, client_queue: int = 1000) -> None:
        self.client_queue = client_queue
        self.clients: set[LiveClient] = set()
        self.dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop the clients live on (the API server's)."""
        self._loop = loop

    def offer(self, text: str) -> None:
        """A batch from any thread: queued for every client on the hub's loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._fan_out, text)
        except RuntimeError:  # the loop closed between the check and the call
            return

    def join(self, name: str) -> LiveClient:
        client = LiveClient(name, asyncio.Queue(maxsize=self.client_queue + 1))
        self.clients.add(client)
        return client

    def leave(self, client: LiveClient) -> None:
        self.clients.discard(client)

    def _fan_out(self, text: str) -> None:
        for client in list(self.clients):
            if client.queue.qsize() >= self.client_queue:
                self._drop(client)
                continue
            client.queue.put_nowait(text)

    def _drop(self, client: LiveClient) -> None:
        """Tell a client that fell ``client_queue`` batches behind that it is dropped, and end it."""
        self.clients.discard(client)
        client.dropped = True
        self.dropped += 1
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait(json.dumps({"type": "dropped", "reason": f"too slow: {self.client_queue} change "
                                            "batches behind; reconnect and read the current state over REST"}))
        client.queue.put_nowait(_END)
        log.warning("live: %s fell %d batches behind and was dropped", client.name, self.client_queue)
