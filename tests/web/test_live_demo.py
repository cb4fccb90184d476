"""``ridgeline live`` (what ``make demo`` ends with) in a real browser: log in with the demo
login it printed, and watch the simulated walkers' alerts arrive in the queue while it runs."""

from __future__ import annotations

import signal
from pathlib import Path

from playwright.sync_api import Browser

from ridgeline.app.alerts import list_alerts
from ridgeline.app.database import opened
from ridgeline.transport.embedded import free_port
from tests.cli.runner import live_process

from .conftest import SCREENSHOTS, guarded_page, log_in

QUEUE = "#queue li.alert"


def test_the_console_of_a_live_run_shows_its_alerts_arriving(browser: Browser, tmp_path: Path) -> None:
    # all sites, simulated 4x faster than by default: the first crossings come within seconds
    with live_process("--seconds", "120", "--rate", "20", "--http-port", str(free_port()),
                      "--out", str(tmp_path)) as live:
        url, password = live.console()
        with guarded_page(browser, url) as page:
            log_in(page, "demo", password)
            at_login = page.locator(QUEUE).count()
            # pushed over the live feed after logging in, not read at login
            page.wait_for_function(f"n => document.querySelectorAll('{QUEUE}').length > n",
                                   arg=at_login, timeout=90_000)
            shown = {page.locator(QUEUE).nth(i).get_attribute("data-id")
                     for i in range(page.locator(QUEUE).count())}
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "live-demo.png"))
        live.proc.send_signal(signal.SIGINT)  # ends it early, as Ctrl-C does
        code, out = live.finish()
    assert code == 0, out
    with opened(f"sqlite:///{tmp_path / 'centre.db'}") as store:
        stored = {row.alert.id for row in list_alerts(store, limit=1000)}
    assert shown and shown <= stored  # what the page showed is what the centre raised
