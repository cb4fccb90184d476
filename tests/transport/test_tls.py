"""TLS to the broker: a site connects with mqtts:// and the CA file, and a client that does
not trust the broker's certificate is refused."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ridgeline.model import Event, EventType, MessageType, utc_now
from ridgeline.store.db import Store
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.ingest import Ingest
from ridgeline.transport.outbox import Outbox
from ridgeline.transport.publisher import Publisher

from ..broker import Mosquitto, free_port


def make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
        "-days", "2", "-subj", "/CN=ridgeline-test-ca")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=127.0.0.1")
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return ca, cert, key


def test_sites_talk_to_the_broker_over_tls(tmp_path: Path) -> None:
    ca, cert, key = make_certs(tmp_path / "certs")
    tls_port = free_port()
    broker = Mosquitto(tmp_path / "broker", ["centre", "gorham"])
    broker.conf.write_text(
        broker.conf.read_text()
        + f"listener {tls_port} 127.0.0.1\nuse_username_as_clientid true\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n"
    )
    broker.start()
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    url = f"mqtts://{{}}:pw-{{}}@127.0.0.1:{tls_port}"
    ingest = Ingest(store, BrokerConfig.from_url(url.format("centre", "centre"), ca_file=str(ca)))
    outbox = Outbox(tmp_path / "o.db", "gorham")
    publisher = Publisher(outbox, "gorham", BrokerConfig.from_url(url.format("gorham", "gorham"), ca_file=str(ca)))
    try:
        ingest.start()
        publisher.start()
        outbox.put(MessageType.EVENTS, Event(type=EventType.TAMPER, time=utc_now()))
        assert publisher.wait_drained(20), publisher.last_error
        assert store.check()[0].received == 1
        # a client that does not trust the broker's certificate gets nowhere
        stranger = Publisher(Outbox(tmp_path / "o2.db", "gorham"), "gorham",
                             BrokerConfig.from_url(url.format("gorham", "gorham")))
        stranger.start()
        time.sleep(2)
        assert stranger.connections == 0 and "certificate" in (stranger.last_error or "").lower()
        stranger.stop()
    finally:
        publisher.stop()
        ingest.stop()
        store.close()
        broker.stop()
