"""A real centre for the browser tests, and Debian's chromium driven by Playwright.

The centre: Mosquitto with the shipped configuration, ``Centre`` with the example sector's
rules, and the API with the console (``serve_centre``) on 127.0.0.1; operators ``viewer``,
``operator`` and ``supervisor``; the site ``gorham`` publishes as an edge agent does (a
paho client with its own credentials, envelopes encoded by ``transport.wire``).

Every page runs in a context that aborts and records any request to a host other than
127.0.0.1 (and every WebSocket): each test fails if the record is not empty, if the page
threw, or if the Content-Security-Policy refused anything.  The browser itself is told that
every other host does not exist (``--host-resolver-rules``), so nothing could leave anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from ridgeline.api.context import ApiSettings
from ridgeline.api.server import ApiServer, serve_centre
from ridgeline.app.centre import Centre
from ridgeline.app.operators import add_operator
from ridgeline.config import load_sector
from ridgeline.config.sector import Sector
from ridgeline.model import (
    Envelope,
    Event,
    EventType,
    MessageType,
    Position,
    Role,
    SiteStatus,
    Snapshot,
    new_id,
    utc_now,
)
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.wire import encode
from tests.broker import Mosquitto, free_port
from tests.conftest import ROOT, wait_for

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (make test-deps); never a downloaded browser
PASSWORD = "a long enough passphrase"
SITE = "gorham"
SCREENSHOTS = ROOT / "out" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
LOCAL = "127.0.0.1"


def picture(width: int = 320, height: int = 180) -> bytes:
    """A JPEG a camera might send: sky, a ridge, a figure (what it shows matters only to the eye)."""
    import cv2
    import numpy as np

    img = np.zeros((height, width, 3), np.uint8)
    img[:] = (170, 140, 90)
    ridge = np.array([[0, 120], [70, 90], [150, 110], [230, 70], [320, 100], [320, 180], [0, 180]], np.int32)
    cv2.fillPoly(img, [ridge], (60, 90, 70))
    cv2.rectangle(img, (160, 110), (168, 140), (30, 30, 30), -1)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return bytes(buf.tobytes())


@dataclass
class LiveCentre:
    """The running centre, its API's address, and the site ``gorham`` that publishes to it."""

    url: str
    centre: Centre
    api: ApiServer
    site: mqtt.Client
    seq: int = 0
    events: list[str] = field(default_factory=list)

    def _send(self, kind: MessageType, payload: dict[str, object], seq: int) -> None:
        now = utc_now()
        env = Envelope(id=new_id(), site=SITE, seq=seq, type=kind, time=now, sent=now, payload=payload)
        self.site.publish(f"ridgeline/v1/{SITE}/{kind.value}", encode(env), qos=1,
                          retain=kind == MessageType.STATUS).wait_for_publish(5)

    def status(self, online: bool = True) -> None:
        """The site's presence (seq 0, outside the gap-free stream)."""
        self._send(MessageType.STATUS, SiteStatus(online=online, last_seq=self.seq).model_dump(mode="json"), 0)

    def crossing(self, obj: str, lon: float, lat: float) -> Event:
        """A line crossing by ``obj`` at (lon, lat), with its snapshot sent first."""
        now = utc_now()
        snap = Snapshot.of_jpeg(picture(), event=new_id(), sensor="ptz", time=now, width=320, height=180)
        event = Event(id=snap.event, type=EventType.LINE_CROSSING, time=now, sensor="ptz", object_id=obj,
                      position=Position(lon=lon, lat=lat), snapshot=snap.id)
        self.seq += 1
        self._send(MessageType.SNAPSHOTS, snap.model_dump(mode="json"), self.seq)
        self.seq += 1
        self._send(MessageType.EVENTS, event.model_dump(mode="json"), self.seq)
        self.events.append(event.id)
        return event

    def stored_quietly(self, obj: str, lon: float, lat: float) -> Event:
        """A crossing stored with the rules applied but never announced on the live feed (as
        if committed while a console was away): only a console reading REST again sees it."""
        now = utc_now()
        event = Event(type=EventType.LINE_CROSSING, time=now, sensor="ptz", object_id=obj,
                      position=Position(lon=lon, lat=lat))
        self.seq += 1
        env = Envelope(id=new_id(), site=SITE, seq=self.seq, type=MessageType.EVENTS, time=now, sent=now,
                       payload=event.model_dump(mode="json"))
        self.centre.store.ingest([env], hook=self.centre.alerts.apply)
        return event

    def alert_of(self, event: Event) -> str:
        """The alert the centre opened (or grew) for an event."""
        from ridgeline.app.alerts import list_alerts

        def found() -> str | None:
            for row in list_alerts(self.centre.store, None, 1000):
                if event.id in (row.alert.first_event, row.alert.last_event):
                    return row.alert.id
            return None

        assert wait_for(lambda: found() is not None)
        alert = found()
        assert alert is not None
        return alert


@contextmanager
def running_centre(tmp: Path, sector: Sector, roles: tuple[Role, ...] = (Role.VIEWER, Role.OPERATOR, Role.SUPERVISOR),
                   **served: Any) -> Iterator[LiveCentre]:
    """Mosquitto, a centre with the sector's rules, operators of ``roles``, its API with the
    console (``served``: what else ``serve_centre`` is given) and the site's client, all stopped after."""
    broker = Mosquitto(tmp / "broker", ["centre", SITE])
    broker.start()
    centre = Centre(f"sqlite:///{tmp / 'centre.db'}", BrokerConfig.from_url(broker.url("centre")), rules=sector.rules,
                    retention=sector.retention)
    for role in roles:
        add_operator(centre.store, role.value, role, PASSWORD, by="setup")
    centre.start()
    api = serve_centre(centre, free_port(), settings=ApiSettings(secure_cookie=False, case_key=tmp / "centre.key"),
                       retention=sector.retention, sector=sector, **served)
    site = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=SITE, protocol=mqtt.MQTTv5)
    site.username_pw_set(SITE, broker.password(SITE))
    site.connect(LOCAL, broker.port)
    site.loop_start()
    try:
        assert wait_for(lambda: all(w.counters.connected for w in centre.workers) and site.is_connected())
        yield LiveCentre(api.url, centre, api, site)
    finally:
        site.loop_stop()
        site.disconnect()
        api.stop()
        centre.stop()
        broker.stop()


@pytest.fixture(scope="module")
def live_centre(tmp_path_factory: pytest.TempPathFactory, example_sector_path: Path) -> Iterator[LiveCentre]:
    with running_centre(tmp_path_factory.mktemp("console"), load_sector(example_sector_path)) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-deps` installs Debian's chromium")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox",  # the tests may run as root
            "--use-angle=swiftshader", "--enable-unsafe-swiftshader",  # WebGL on the CPU
            f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOCAL}",
        ])
        yield launched
        launched.close()


@dataclass
class Guard:
    """What a page tried that it must not: requests off this machine, errors, refusals by the CSP."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == LOCAL


def guarded(browser: Browser, base_url: str) -> tuple[BrowserContext, Page, Guard]:
    """A context and page whose requests off 127.0.0.1 are aborted and recorded, as are its
    errors and what the Content-Security-Policy refused."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=base_url)
    guard = Guard()

    def route(r: Route) -> None:
        if _local(r.request.url):
            r.continue_()
        else:
            guard.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("websocket", lambda ws: None if _local(ws.url) else guard.outside.append(ws.url))
    page.on("pageerror", lambda exc: guard.errors.append(str(exc)))
    page.on("console", lambda msg: guard.refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    return context, page, guard


@contextmanager
def guarded_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A page of its own context, failing on anything outside 127.0.0.1, a page error, or a refusal
    of the Content-Security-Policy."""
    context, page, guard = guarded(browser, base_url)
    try:
        yield page
    finally:
        context.close()
    assert guard.outside == [], f"requests to addresses outside {LOCAL}: {guard.outside}"
    assert guard.errors == [], f"the page threw: {guard.errors}"
    assert guard.refused == [], f"the Content-Security-Policy refused: {guard.refused}"


@pytest.fixture
def page(browser: Browser, live_centre: LiveCentre) -> Iterator[Page]:
    with guarded_page(browser, live_centre.url) as opened:
        yield opened


def log_in(page: Page, name: str, password: str = PASSWORD) -> None:
    """Log in through the form, and wait for the console with its live feed connected."""
    page.goto("/")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector("#console:not([hidden])", timeout=10_000)
    page.wait_for_selector("#live-state[data-state='live']", timeout=10_000)
