"""PostgreSQL for the tests: the one at RIDGELINE_TEST_PG if it answers, else one the tests
start themselves on a free port with Debian's server binaries (``make test-deps`` installs
the ``postgresql`` package), so the PostgreSQL tests always run.

Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from functools import cache

from .broker import free_port

PG_URL = os.environ.get("RIDGELINE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def unreachable(url: str = PG_URL) -> str | None:
    """Why ``url`` does not answer, or None when it does."""
    try:
        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3, autocommit=True):
            return None
    except Exception as exc:  # any reason at all: it is reported
        return f"PostgreSQL not reachable at {url} ({str(exc).splitlines()[0][:120]})"


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _start_own() -> str:
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bindirs:
        raise RuntimeError(
            f"{unreachable()}, and no PostgreSQL server is installed to start one "
            "(Debian package postgresql; `make test-deps` installs it)"
        )
    bindir = bindirs[-1]
    data = tempfile.mkdtemp(prefix="ridgeline-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]),
                   check=True, capture_output=True)
    subprocess.run(
        _as_postgres([f"{bindir}/pg_ctl", "-D", data, "-w", "-l", f"{data}/log", "-o",
                      f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
        check=True, capture_output=True,
    )

    def stop() -> None:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


@cache
def admin_url() -> str:
    """A PostgreSQL the tests may create databases on: the configured one, or their own."""
    return PG_URL if unreachable() is None else _start_own()


def fresh_database(admin: str | None = None) -> tuple[str, str]:
    """Create an empty database; returns (its URL, its name)."""
    import psycopg

    admin = admin or admin_url()
    name = f"ridgeline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(name: str, admin: str | None = None) -> None:
    import psycopg

    with psycopg.connect((admin or admin_url()).replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
