"""A real Mosquitto broker on a free port, from ``deploy/mosquitto/``, for the tests.

Users: ``centre`` and one per site (user name = site id), passwords ``pw-<user>``.  The
broker can be killed (SIGKILL) and restarted on the same port with the same files.
"""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
            f"\nuser {getpass.getuser()}\nlistener {self.port} 127.0.0.1\npassword_file {passwd}\nacl_file {DEPLOY / 'acl'}\n"
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
