"""Reading a centre's /metrics as Prometheus does: with a viewer's bearer token."""

from __future__ import annotations

import urllib.request

from ridgeline.app.operators import add_operator
from ridgeline.app.sessions import issue_bearer_token
from ridgeline.model import Role
from ridgeline.store.db import Store


def scraper_token(store: Store) -> str:
    """A bearer token of a viewer account made for scraping."""
    add_operator(store, "prometheus", Role.VIEWER, "a long enough passphrase", by="setup")
    return issue_bearer_token(store, "prometheus", "scraping", "setup")


def metrics(port: int, token: str) -> str:
    """The Prometheus text of the centre on ``port``."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return str(answer.read().decode())
