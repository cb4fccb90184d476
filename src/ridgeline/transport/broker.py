"""Broker addresses and MQTT v5 clients (paho-mqtt 2) set up the same way everywhere.

A broker is given as a URL: ``mqtt://[user:password@]host[:port]`` or ``mqtts://…`` for
TLS (the CA file, client certificate and key come from ``BrokerConfig``).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ridgeline.errors import ConfigError

DEFAULT_BROKER = "mqtt://127.0.0.1:1883"


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

    @classmethod
    def from_url(cls, url: str, **tls_files: str | None) -> BrokerConfig:
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
            tls=tls, **tls_files,
        )

    def with_credentials(self, username: str | None, password: str | None) -> BrokerConfig:
        """The same broker with other credentials (a site's own)."""
        return BrokerConfig(self.host, self.port, username, password, self.tls, self.ca_file, self.cert_file,
                            self.key_file)

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def new_client(config: BrokerConfig, client_id: str, manual_ack: bool = False) -> mqtt.Client:
    """An MQTT v5 client with credentials and TLS set, not yet connected."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=manual_ack
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


def session_properties(expiry_s: int) -> Properties:
    """CONNECT properties that keep the session (and its queued messages) for ``expiry_s``."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = expiry_s
    return props
