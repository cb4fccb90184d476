"""The console in a real browser (Debian's chromium) against a real centre: an event a site
sends is in the queue within 2 s, worked to an incident whose case file verifies; each role
sees only the actions it may take; the map draws the sector and the live site status; no
request leaves 127.0.0.1 (the ``page`` fixture fails any test that tries)."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import Browser, Page

from ridgeline.app.alerts import get_alert
from ridgeline.app.casefiles import verify_case
from ridgeline.app.incidents import get_incident, open_incident
from ridgeline.model import Alert
from tests.cli.runner import flat, run
from tests.conftest import wait_for

from .conftest import SCREENSHOTS, LiveCentre, guarded, log_in

#: the colours the console draws with (map.js, severity.js), as RGB
LINE = (0x38, 0xD9, 0xF5)
ONLINE = (0x3D, 0xDC, 0x84)
OFFLINE = (0xFF, 0x4D, 0x4D)
UNKNOWN = (0x8A, 0x94, 0x9C)
SEVERITY = {"low": (0x4A, 0xA3, 0xFF), "medium": (0xF2, 0xC2, 0x30), "high": (0xFF, 0x7A, 0x1A),
            "critical": (0xFF, 0x2D, 0x55)}


def pixels(png: bytes, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    """How many pixels of a PNG are within ``tolerance`` of a colour."""
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).astype(int)
    near = np.abs(img - np.array(rgb[::-1])).max(axis=2) <= tolerance
    return int(near.sum())


def alert(live: LiveCentre, alert_id: str) -> Alert:
    return get_alert(live.centre.store, alert_id).alert


def test_an_event_from_a_site_is_worked_to_a_verified_case_file(page: Page, live_centre: LiveCentre,
                                                                 tmp_path: Path) -> None:
    log_in(page, "supervisor")
    live_centre.status(online=True)
    rows = page.locator("#queue li.alert").count()
    event = live_centre.crossing("walker-1", lon=-71.16, lat=44.37)
    # the alert the centre opens is pushed to the page: in the queue within 2 s of publishing
    page.wait_for_function("n => document.querySelectorAll('#queue li.alert').length > n", arg=rows, timeout=2000)
    opened = live_centre.alert_of(event)
    row = page.locator(f'#queue li[data-id="{opened}"]')
    assert alert(live_centre, opened).severity.value == "high"  # the example sector's crossing rule
    assert row.count() == 1 and row.get_attribute("data-severity") == "high"

    # severity by shape as well as colour: high is a diamond
    assert row.locator("svg.mark polygon").get_attribute("points") == "0.5,0.02 0.98,0.5 0.5,0.98 0.02,0.5"
    row.click()
    page.wait_for_selector(f'#detail h3[data-id="{opened}"]')
    # its evidence image, fetched from the centre with the session cookie
    page.wait_for_function("() => { const i = document.querySelector('#detail img.evidence');"
                           " return i && i.complete && i.naturalWidth === 320; }")
    assert page.locator('#detail button[data-action="resolve-true"]').count() == 1  # a supervisor may resolve

    page.click('#detail button[data-action="acknowledge"]')
    page.wait_for_selector(f'#queue li[data-id="{opened}"] .flag:text-is("ACK")')
    assert alert(live_centre, opened).acknowledged_by == "supervisor"
    page.wait_for_selector('#detail button[data-action="acknowledge"]', state="detached")  # done: not offered again

    page.fill('#detail form[data-action="assign"] input', "operator")
    page.click('#detail form[data-action="assign"] button')
    page.wait_for_selector(f'#queue li[data-id="{opened}"] .flag:text-is("@operator")')
    assert alert(live_centre, opened).assignee == "operator"
    fact = page.locator("#detail dl.facts")
    fact.locator("dt:text-is('Assignee') + dd:text-is('operator')").wait_for()
    assert fact.locator("dt:text-is('Site') + dd").inner_text() == "gorham"
    assert fact.locator("dt:text-is('Position') + dd").inner_text() == "44.37000° N 71.16000° W"
    assert fact.locator("dt:text-is('Acknowledged') + dd").inner_text().endswith(" by supervisor")

    page.fill('#detail form[data-action="comment"] input', "<b>two</b> walkers, northbound")
    page.click('#detail form[data-action="comment"] button')
    page.wait_for_selector("#detail .comments li.person")
    # text stays text: the markup is shown, not obeyed
    assert page.locator("#detail .comments li.person .text").inner_text() == "<b>two</b> walkers, northbound"

    title = "Two walkers crossing near Gorham"
    page.fill('#detail form[data-action="open-incident"] input', title)
    page.click('#detail form[data-action="open-incident"] button')
    item = page.locator("#incidents li.incident", has_text=title)
    item.wait_for()
    incident = item.get_attribute("data-id")
    assert incident is not None and get_incident(live_centre.centre.store, incident).alerts == [opened]

    # the map: the watched line, gorham online (its status), the others never heard from, the alert's mark
    page.wait_for_function("() => document.querySelector('#map canvas') !== null")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => /N .*W/.test(document.getElementById('coords').textContent)")
    shown = re.fullmatch(r"([\d.]+)° N ([\d.]+)° W.*", page.locator("#coords").inner_text())
    assert shown is not None
    lat, lon = shown.groups()
    # the middle of the map fitted to the sector (the line and the sites: 44.06-44.39 N, 71.05-71.66 W)
    assert 44.06 < float(lat) < 44.39 and 71.05 < float(lon) < 71.66
    page.locator("#detail").evaluate("el => { el.scrollTop = 0; }")
    page.wait_for_timeout(500)  # the last frame drawn
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-2d-alert.png"))
    drawn = page.locator("#map canvas").screenshot()
    severity = alert(live_centre, opened).severity.value
    assert pixels(drawn, LINE) > 200, "no watched line on the map"
    assert pixels(drawn, ONLINE) > 20, "gorham is not drawn online"
    assert pixels(drawn, UNKNOWN) > 20 * 5, "the sites never heard from are not drawn"
    assert pixels(drawn, SEVERITY[severity]) > 20, f"no {severity} alert mark on the map"

    # the site's status is live too: gorham goes offline, and the map says so
    live_centre.status(online=False)
    page.wait_for_timeout(300)
    assert wait_for(lambda: pixels(page.locator("#map canvas").screenshot(), OFFLINE) > 20, timeout=5)
    assert pixels(page.locator("#map canvas").screenshot(), ONLINE) == 0

    with page.expect_download() as download:
        page.click(f'#incidents li[data-id="{incident}"] a.case')
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    verdict = verify_case(saved)
    assert verdict.ok, verdict.problems
    assert verdict.incident == incident and saved.name == f"case-{incident}.zip"
    # and as the receiver checks it: `ridgeline case verify` against the centre's public key
    public = tmp_path / "centre.pub"
    assert run("case", "key", "--key", str(live_centre.api.ctx.settings.case_key), "--out", str(public))[0] == 0
    code, said = run("case", "verify", str(saved), "--public-key", str(public))
    assert code == 0 and flat(said).startswith("ok: ") and "(trusted key)" in flat(said), said


def test_a_viewer_sees_no_action(page: Page, live_centre: LiveCentre) -> None:
    event = live_centre.crossing("walker-2", lon=-71.40, lat=44.20)
    seen = live_centre.alert_of(event)
    open_incident(live_centre.centre.store, [seen], "A viewer's view", "operator")
    log_in(page, "viewer")
    assert page.locator("#who").inner_text() == "viewer (viewer)"
    page.click(f'#queue li[data-id="{seen}"]')
    page.wait_for_selector(f'#detail h3[data-id="{seen}"]')
    page.locator("#incidents li.incident", has_text="A viewer's view").wait_for()
    assert page.locator("#detail [data-action]").count() == 0
    assert page.locator("#detail .actions, #detail form, #detail button").count() == 0
    assert page.locator("#incidents a.case").count() == 0  # supervisors only
    assert "null" not in page.locator("#detail").inner_text()  # no stray word where the actions would be
    page.keyboard.press("a")  # the shortcut does nothing for a viewer either
    page.wait_for_timeout(300)
    assert alert(live_centre, seen).acknowledged is None


def test_an_operator_works_the_queue_from_the_keyboard(page: Page, live_centre: LiveCentre) -> None:
    older = live_centre.alert_of(live_centre.crossing("walker-3", lon=-71.55, lat=44.14))
    newer = live_centre.alert_of(live_centre.crossing("walker-4", lon=-71.66, lat=44.06))
    log_in(page, "operator")
    page.locator(f'#queue li[data-id="{newer}"]').wait_for()
    ids = page.locator("#queue li.alert").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert ids[:2] == [newer, older]  # the same severity: newest first

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator("#queue li.selected").get_attribute("data-id") == ids[0]
    page.wait_for_selector(f'#detail h3[data-id="{ids[0]}"]')
    # an operator may not resolve, nor export a case file
    assert page.locator('#detail [data-action^="resolve"]').count() == 0
    assert page.locator("#incidents a.case").count() == 0
    page.keyboard.press("j")
    assert page.locator("#queue li.selected").get_attribute("data-id") == older
    page.wait_for_selector(f'#detail h3[data-id="{older}"]')
    assert alert(live_centre, older).acknowledged is None
    page.keyboard.press("a")
    page.wait_for_selector(f'#queue li[data-id="{older}"] .flag:text-is("ACK")')
    assert alert(live_centre, older).acknowledged_by == "operator"
    assert alert(live_centre, newer).acknowledged is None  # only the selected one


def test_a_wrong_password_is_told_and_nothing_opens(page: Page, live_centre: LiveCentre) -> None:
    page.goto("/")
    page.fill("#username", "operator")
    page.fill("#password", "not the password")
    page.click("#login-button")
    page.wait_for_selector("#login-error:not(:empty)")
    assert page.locator("#login-error").inner_text() == "wrong name or password, or the account is disabled"
    assert page.locator("#console").is_hidden()


def test_a_console_dropped_by_the_live_feed_reads_the_state_again(page: Page, live_centre: LiveCentre) -> None:
    log_in(page, "viewer")
    quiet = live_centre.alert_of(live_centre.stored_quietly("walker-5", lon=-71.25, lat=44.26))
    page.wait_for_timeout(300)
    assert page.locator(f'#queue li[data-id="{quiet}"]').count() == 0  # never announced: not known yet
    hub = live_centre.api.hub
    assert hub._loop is not None and hub.clients
    hub._loop.call_soon_threadsafe(lambda: [hub._drop(c) for c in list(hub.clients)])  # as if too slow
    page.wait_for_selector("#live-state:not([data-state='live'])")
    page.wait_for_selector("#live-state[data-state='live']", timeout=5000)  # connected again by itself
    page.locator(f'#queue li[data-id="{quiet}"]').wait_for(timeout=5000)  # and the state read again
    assert hub.dropped >= 1


def test_the_guard_catches_what_would_leave_and_what_the_policy_refuses(browser: Browser,
                                                                          live_centre: LiveCentre) -> None:
    context, page, guard = guarded(browser, live_centre.url)
    try:
        page.goto("/")
        page.wait_for_selector("#login:not([hidden])")
        assert guard.outside == [] and guard.errors == [] and guard.refused == []
        page.evaluate("""() => {
            const img = document.createElement('img');
            img.src = 'https://tiles.example.org/0/0/0.png';
            document.body.append(img);
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.append(script);
        }""")
        page.wait_for_timeout(300)
        # the policy stops both in the page: the image is never requested, the script never runs
        assert page.evaluate("() => window.injected === undefined")
        assert any("inline script" in text for text in guard.refused), guard.refused
        assert any("tiles.example.org" in text and "img-src" in text for text in guard.refused), guard.refused
        assert guard.outside == []
        # what no policy covers (a navigation away) the route catches
        page.evaluate("() => { location.href = 'https://tiles.example.org/'; }")
        page.wait_for_timeout(300)
        assert guard.outside == ["https://tiles.example.org/"]
    finally:
        context.close()


def test_logging_out_ends_the_session(page: Page, live_centre: LiveCentre) -> None:
    log_in(page, "operator")
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("() => fetch('/api/v1/session').then(r => r.status)") == 401
