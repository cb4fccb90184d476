"""The embedded broker's rules inside amqtt (0.12.1): Ridgeline's access rules as an amqtt plugin,
and a Broker that authenticates a CONNECT before it touches any session.

Imported only when the embedded broker starts (``transport.embedded``), so commands that
do not run it do not pay for importing amqtt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.errors import MQTTError
from amqtt.mqtt.connack import BAD_USERNAME_PASSWORD, ConnackPacket
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.utils import gen_client_id

from ridgeline.transport.access import DEFAULT_WORKERS, AccessRules, BrokerUsers, verify_password


class AccessPlugin(BaseAuthPlugin, BaseTopicPlugin):  # type: ignore[misc]
    """amqtt's view of ``transport.access``: passwords from the users folder, the ACL per action."""

    @dataclass
    class Config:
        """Where the users are, and how many centre workers the ACL names."""

        users: str = ""
        workers: int = DEFAULT_WORKERS

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.hashes = BrokerUsers(Path(self.config.users)).hashes()
        self.rules = AccessRules(self.config.workers)

    async def authenticate(self, *, session: Any) -> bool:
        user, password = session.username, session.password
        if not user or password is None:
            return False
        if isinstance(password, bytes):
            password = password.decode(errors="replace")
        stored = self.hashes.get(user)
        if stored is None or not verify_password(password, stored):
            return False
        # a will is published in the client's name: only where it may publish itself
        return not (session.will_flag and not self.rules.may_publish(user, session.will_topic or ""))

    async def topic_filtering(self, *, session: Any = None, topic: str | None = None, action: Any = None) -> bool:
        user = session.username if session is not None else None
        if topic is None:
            return False
        if action == Action.PUBLISH:
            return self.rules.may_publish(user, topic)
        if action == Action.SUBSCRIBE:
            return self.rules.may_subscribe(user, topic)
        if action == Action.RECEIVE:
            return self.rules.may_receive(user, topic)
        return False


class AuthFirstBroker(Broker):  # type: ignore[misc]
    """amqtt's Broker, authenticating a CONNECT before it touches any session."""

    async def _initialize_client_session(self, reader: Any, writer: Any, remote_address: str,
                                         remote_port: int) -> tuple[Any, Any]:
        handler, session = await BrokerProtocolHandler.init_from_connect(reader, writer, self.plugins_manager)
        if not await self._authenticate(session, None):
            await ConnackPacket.build(0, BAD_USERNAME_PASSWORD).to_stream(writer)
            await writer.close()
            raise MQTTError(f"{remote_address}:{remote_port}: not authorised (user {session.username!r})")
        session.client_id = session.username  # bound to the user name, as Mosquitto's use_username_as_clientid
        # from here as amqtt's own _initialize_client_session: a clean session or the stored one
        if session.clean_session:
            if session.client_id:
                await self._delete_session(session.client_id)
            else:
                session.client_id = gen_client_id()
            session.parent = 0
        elif session.client_id in self._sessions:
            existing, _ = self._sessions[session.client_id]
            for name in ("will_flag", "will_message", "will_topic", "will_qos", "keep_alive", "username",
                         "password"):
                setattr(existing, name, getattr(session, name))
            session = existing
            session.parent = 1
        else:
            session.parent = 0
        delay = self.config.get("timeout-disconnect-delay", 0)
        if session.keep_alive > 0 and isinstance(delay, int):
            session.keep_alive += delay
        return handler, session
