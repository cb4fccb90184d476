"""Broker settings from what a user gives: a URL, then a user name, a password or a password file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.errors import DataFileNotFoundError

if TYPE_CHECKING:
    from ridgeline.transport.broker import BrokerConfig


def broker_config(url: str, username: str | None = None, password: str | None = None, ca_file: Path | None = None,
                  password_file: Path | None = None, default_user: str | None = None) -> BrokerConfig:
    """Broker settings from ``url``, then the options (a password file wins over ``password``).

    ``default_user`` (a site's id) logs in where a password is given but no user name.
    """
    from ridgeline.transport.broker import BrokerConfig

    cfg = BrokerConfig.from_url(url, ca_file=str(ca_file) if ca_file else None)
    if password_file is not None:
        if not password_file.is_file():
            raise DataFileNotFoundError(f"password file {password_file} does not exist")
        password = password_file.read_text().strip()
    user = username or cfg.username or (default_user if password or cfg.password else None)
    if user is not None:
        cfg = cfg.with_credentials(user, password if password is not None else cfg.password)
    return cfg
