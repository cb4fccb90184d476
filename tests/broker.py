"""A real Mosquitto broker on a free port, from ``deploy/mosquitto/``, for the tests.

Users: ``centre`` and one per site (user name = site id), passwords ``pw-<user>``.  The
broker can be killed (SIGKILL) and restarted on the same port with the same files.
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

from ridgeline.transport.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "mosquitto"


def mosquitto_path() -> str | None:
    for candidate in ("mosquitto", "/usr/sbin/mosquitto"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Mosquitto:
    """One broker process with the project's configuration."""

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
        conf += (
            f"\nuser {getpass.getuser()}\nlistener {self.port} 127.0.0.1\n"
            f"password_file {passwd}\nacl_file {DEPLOY / 'acl'}\n"
            f"persistence_location {workdir}/\nlog_dest file {workdir / 'mosquitto.log'}\n"
        )
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(conf)

    def url(self, user: str | None = None) -> str:
        auth = f"{user}:pw-{user}@" if user else ""
        return f"mqtt://{auth}127.0.0.1:{self.port}"

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
