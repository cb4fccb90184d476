"""Real brokers for the tests: Mosquitto on a free port from ``deploy/mosquitto/``, and the
embedded broker, with the same face.

Mosquitto users: ``centre`` and one per site (user name = site id), passwords
``pw-<user>``; the broker can be killed (SIGKILL) and restarted on the same port with the
same files.  The embedded broker's users get random passwords in a ``BrokerUsers`` folder.
"""

from __future__ import annotations

import contextlib
import getpass
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ridgeline.transport.embedded import EmbeddedBroker, free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "mosquitto"


def vm_hwm_mb(pid: int | None) -> float:
    """Peak resident memory of a process, MB (VmHWM); NaN once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def mosquitto_path() -> str | None:
    for candidate in ("mosquitto", "/usr/sbin/mosquitto"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Mosquitto:
    """One broker process with the project's configuration."""

    protocol = 5

    def __init__(self, workdir: Path, users: list[str], port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.users = users
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        passwd = workdir / "passwd"
        passwd.write_text("")
        for user in users:
            subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, f"pw-{user}"], check=True)
        conf = (DEPLOY / "mosquitto.conf").read_text()
        assert "\nlistener 1883 127.0.0.1\n" in conf, "deploy/mosquitto/mosquitto.conf lost its local listener"
        conf = conf.replace("\nlistener 1883 127.0.0.1\n", f"\nlistener {self.port} 127.0.0.1\n")
        conf += (
            f"\nuser {getpass.getuser()}\n"
            f"password_file {passwd}\nacl_file {DEPLOY / 'acl'}\n"
            f"persistence_location {workdir}/\nlog_dest file {workdir / 'mosquitto.log'}\n"
        )
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(conf)

    def url(self, user: str | None = None) -> str:
        auth = f"{user}:pw-{user}@" if user else ""
        return f"mqtt://{auth}127.0.0.1:{self.port}"

    def password(self, user: str) -> str:
        return f"pw-{user}"

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        exe = mosquitto_path()
        assert exe, "mosquitto is not installed"
        self.proc = subprocess.Popen([exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start on port {self.port}: {self.log()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: the broker loses whatever it had not saved."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def log(self) -> str:
        path = self.workdir / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


class LinkProxy:
    """A TCP relay between one site and the broker; ``cut()`` drops the link (connections and
    listener), ``restore()`` brings it back on the same port — a cellular link going away."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def cut(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self.start()


class Embedded:
    """The embedded broker with the same face as ``Mosquitto`` (users from a ``BrokerUsers`` folder)."""

    protocol = 4  # amqtt speaks MQTT 3.1.1

    def __init__(self, workdir: Path, users: list[str]) -> None:
        from ridgeline.transport.access import BrokerUsers

        self.users = BrokerUsers(workdir / "users")
        self.users.ensure([u for u in users if u != "centre" and not u.startswith("centre-")])
        self.port = free_port()
        self._broker: EmbeddedBroker | None = None

    def password(self, user: str) -> str:
        return self.users.password(user)

    def url(self, user: str | None = None) -> str:
        auth = f"{user}:{self.password(user)}@" if user else ""
        return f"mqtt://{auth}127.0.0.1:{self.port}"

    def start(self) -> None:
        self._broker = EmbeddedBroker(self.users, port=self.port)
        self._broker.start()

    def stop(self) -> None:
        if self._broker is not None:
            self._broker.stop()
            self._broker = None


def probe(broker: Mosquitto | Embedded, user: str | None, password: str | None = None, client_id: str = "",
          will: tuple[str, bytes] | None = None) -> tuple[mqtt.Client, object, threading.Event]:
    """A bare MQTT client (what an attacker on the host would use): (client, CONNACK reason, disconnected)."""
    version = mqtt.MQTTv5 if broker.protocol == 5 else mqtt.MQTTv311
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"probe-{time.monotonic_ns()}",
                         protocol=version)
    if user is not None:
        client.username_pw_set(user, password if password is not None else broker.password(user))
    if will is not None:
        client.will_set(will[0], will[1], qos=1)
    result: dict[str, object] = {}
    done = threading.Event()
    gone = threading.Event()

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        result["reason"] = reason
        done.set()

    client.on_connect = on_connect
    client.on_disconnect = lambda *_a: gone.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    if not done.wait(5):
        result["reason"] = "no CONNACK"
    return client, result["reason"], gone
