"""The embedded broker: an in-process MQTT broker (amqtt) so a demo needs no server installed.

amqtt speaks MQTT 3.1.1 only, without shared subscriptions: Ridgeline's clients notice
("unsupported protocol version") and fall back to 3.1.1 with persistent sessions, and the
centre runs one ingest worker.  It listens on 127.0.0.1 only, and applies the same rules as
the shipped Mosquitto configuration (``transport.access``): a user and password from a
``BrokerUsers`` folder (anonymous clients refused), the topic ACL on every publish,
subscription and delivery, a will only on a topic its client may publish, and a client id
bound to the user name.

amqtt itself deletes or takes over a session with the same client id *before* it asks its
plugins whether the client may connect at all; ``amqtt_access.AuthFirstBroker`` asks
first, so a client without the right password cannot disturb anyone's session.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ridgeline.errors import BrokerError
from ridgeline.transport.access import DEFAULT_WORKERS, BrokerUsers
from ridgeline.transport.broker import BrokerConfig

log = logging.getLogger(__name__)



def free_port() -> int:
    """A local TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, step: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed; its last answer."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class EmbeddedBroker:
    """amqtt running on its own event loop in a background thread, with ``users``' passwords and ACL."""

    def __init__(self, users: BrokerUsers, port: int = 1883, host: str = "127.0.0.1",
                 workers: int = DEFAULT_WORKERS) -> None:
        self.users = users
        self.workers = workers
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="embedded-broker", daemon=True)

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        if port_in_use(self.port, self.host):
            raise BrokerError(
                f"port {self.port} is taken (a broker already running?): use it with --broker "
                f"mqtt://{self.host}:{self.port}, or pick another --embedded-port"
            )
        # amqtt logs every MQTT 5 CONNECT it cannot parse (our clients then fall back to
        # 3.1.1) and its own shutdown races; the clients report what matters
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise BrokerError(f"embedded broker did not start on {self.host}:{self.port}")
        if self._error is not None:
            raise BrokerError(f"embedded broker on {self.host}:{self.port}: {self._error}")
        if not wait_for(lambda: port_in_use(self.port, self.host), timeout):
            raise BrokerError(f"embedded broker is not listening on {self.host}:{self.port}")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(lambda _loop, ctx: log.debug("embedded broker: %s", ctx.get("message")))
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 1000}},
            "plugins": {"ridgeline.transport.amqtt_access.AccessPlugin": {"users": str(self.users.folder),
                                                                          "workers": self.workers}},
        }
        try:
            from ridgeline.transport.amqtt_access import AuthFirstBroker

            self._broker = AuthFirstBroker(config, loop=loop)
            loop.run_until_complete(self._broker.start())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        # what amqtt left waiting (each session's subscription queues) is cancelled and run to
        # its end here, so no coroutine is collected after the loop closed (a traceback on stderr)
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self._broker.shutdown(), loop).result(timeout=10)
            except Exception as exc:  # shutting down anyway
                log.debug("embedded broker shutdown: %s", exc)
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=10)

    def config(self, user: str | None = None) -> BrokerConfig:
        """Client settings for this broker as ``user`` (with its password; MQTT 3.1.1 from the start)."""
        base = replace(BrokerConfig.from_url(self.url), protocol=4)
        return base if user is None else base.with_credentials(user, self.users.password(user))
