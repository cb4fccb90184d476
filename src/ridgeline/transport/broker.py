"""Broker addresses and MQTT v5 clients (paho-mqtt 2) set up the same way everywhere.

A broker is given as a URL: ``mqtt://[user:password@]host[:port]`` or ``mqtts://…`` for
TLS (the CA file, client certificate and key come from ``BrokerConfig``).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ridgeline.errors import ConfigError

DEFAULT_BROKER = "mqtt://127.0.0.1:1883"


def centre_worker_user(user: str | None, index: int) -> str | None:
    """The broker user name of the centre's ingest worker ``index`` (0-based): ``centre``,
    ``centre-2``, ``centre-3``...  Brokers bind a client id to its user name (a site cannot
    take the centre's session), so each worker's persistent session needs a user of its own."""
    if user is None or index == 0:
        return user
    return f"{user}-{index + 1}"


@dataclass(frozen=True)
class BrokerConfig:
    """Where the broker is and how to authenticate to it."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    #: MQTT protocol: 5, or 4 (3.1.1) after a broker refused 5 (the embedded broker)
    protocol: int = 5

    @classmethod
    def from_url(cls, url: str, ca_file: str | None = None, cert_file: str | None = None,
                 key_file: str | None = None) -> BrokerConfig:
        """Parse ``mqtt://user:pass@host:port`` (``mqtts`` for TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ConfigError(f"broker URL {url!r}: expected mqtt://host[:port] or mqtts://host[:port]")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise ConfigError(f"broker URL {url!r}: bad port") from None
        return cls(
            host=parts.hostname, port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls, ca_file=ca_file, cert_file=cert_file, key_file=key_file,
        )

    def with_credentials(self, username: str | None, password: str | None) -> BrokerConfig:
        """The same broker with other credentials (a site's own)."""
        return replace(self, username=username, password=password)

    def fallback(self, refusal: str | None) -> BrokerConfig | None:
        """MQTT 3.1.1 settings if the broker seems not to speak MQTT 5, else None.

        ``refusal`` is the CONNACK's reason, or None when the broker never answered the
        CONNECT or closed the connection without a reason (what a 3.1.1-only broker may do
        with an MQTT 5 CONNECT it cannot parse).
        """
        if self.protocol == 5 and (refusal is None or "protocol" in refusal.lower()):
            return replace(self, protocol=4)
        return None

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def new_client(config: BrokerConfig, client_id: str, manual_ack: bool = False, persistent: bool = False) -> mqtt.Client:
    """A client with credentials and TLS set, not yet connected (MQTT 5, or 3.1.1 where
    ``config.protocol`` says so; ``persistent`` keeps a 3.1.1 session across connections)."""
    if config.protocol == 5:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=manual_ack
        )
    else:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, manual_ack=manual_ack,
            clean_session=not persistent,
        )
    if config.username is not None:
        client.username_pw_set(config.username, config.password)
    if config.tls:
        client.tls_set(
            ca_certs=config.ca_file, certfile=config.cert_file, keyfile=config.key_file,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    client.reconnect_delay_set(min_delay=1, max_delay=8)
    return client


def connect(client: mqtt.Client, config: BrokerConfig, persistent_s: int = 0, receive_max: int = 0) -> None:
    """Connect (blocking for the TCP part); ``persistent_s`` > 0 resumes and keeps an MQTT 5 session;
    ``receive_max`` > 0 caps the unacknowledged messages the broker sends at once (MQTT 5)."""
    if config.protocol == 5 and persistent_s > 0:
        client.connect(config.host, config.port, keepalive=10, clean_start=False,
                       properties=session_properties(persistent_s, receive_max))
    else:
        client.connect(config.host, config.port, keepalive=10)


def session_properties(expiry_s: int, receive_max: int = 0) -> Properties:
    """CONNECT properties that keep the session (and its queued messages) for ``expiry_s``, and
    receive at most ``receive_max`` unacknowledged messages at once (0: the broker's default)."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = expiry_s
    if receive_max > 0:
        props.ReceiveMaximum = min(receive_max, 65535)
    return props
