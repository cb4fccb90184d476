"""The console's panels in a real browser against a real centre: the queue's filters and its
escalate action, the alert's track in its detail and on the map, an incident's timeline worked
by an operator and closed by a supervisor, the sites with their sensors and live status, open
incidents and radar plots on the map, the units with their ETAs to the selected alert and one
dispatched from there (the ``page`` fixture fails any test whose page sends a
request off 127.0.0.1)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page

from ridgeline.app.alerts import get_alert
from ridgeline.app.incidents import get_incident
from ridgeline.app.units import define_units
from ridgeline.config import load_sector
from ridgeline.model import ObjectClass, Position, Track, TrackPoint, utc_now

from .conftest import SCREENSHOTS, LiveCentre, guarded_page, log_in
from .test_tracks import publish_track


def shown(page: Page) -> list[str]:
    """The ids of the alerts the queue shows, in its order."""
    ids: list[str] = page.locator("#queue li.alert").evaluate_all("rows => rows.map(r => r.dataset.id)")
    return ids


def choose(page: Page, name: str, value: str) -> None:
    page.select_option(f"#queue-filters select[name={name}]", value)


def test_the_queue_filters_escalates_and_shows_the_alerts_track(page: Page, live_centre: LiveCentre) -> None:
    live_centre.status(online=True)
    # walker-20 came from the south for a minute before it crossed; walker-21 was not tracked
    start = utc_now() - timedelta(seconds=60)
    publish_track(live_centre, Track(id="walker-20", object_class=ObjectClass.PERSON, sources=["ptz"], points=[
        TrackPoint(time=start + timedelta(seconds=s), position=Position(lon=-71.2, lat=lat))
        for s, lat in ((0, 44.30), (30, 44.31), (55, 44.32))]))
    crossed = live_centre.alert_of(live_centre.crossing("walker-20", lon=-71.2, lat=44.325))
    other = live_centre.alert_of(live_centre.crossing("walker-21", lon=-71.25, lat=44.30))
    log_in(page, "operator")
    page.locator(f'#queue li[data-id="{other}"]').wait_for()
    assert set(shown(page)) >= {crossed, other}

    # the alert's track: in words in its detail, and drawn on the map from where it began
    page.click(f'#queue li[data-id="{crossed}"]')
    fact = page.locator("#detail dl.facts dt:text-is('Track') + dd")
    fact.wait_for()
    assert fact.inner_text().startswith("walker-20 (person): 3 position(s), ")
    page.wait_for_function("() => window.ridgeline.map.queryRenderedFeatures({ layers: ['alert-track'] }).length > 0")

    # escalate by hand: the queue flags it, the button goes, the centre records whom it went to
    page.click('#detail button[data-action="escalate"]')
    page.wait_for_selector(f'#queue li[data-id="{crossed}"] .flag.escalated')
    page.wait_for_selector('#detail button[data-action="escalate"]', state="detached")
    stored = get_alert(live_centre.centre.store, crossed)
    assert (stored.alert.escalated, stored.alert.escalated_to) == (True, "supervisor")
    assert ("escalated to supervisor", "operator") in [(c.text, c.author) for c in stored.comments]

    # the filters: escalated only; new only (after acknowledging the other); a severity none has
    choose(page, "view", "escalated")
    page.wait_for_function("id => [...document.querySelectorAll('#queue li.alert')].map(r => r.dataset.id)"
                           ".join() === id", arg=crossed)
    choose(page, "view", "open")
    page.click(f'#queue li[data-id="{other}"]')
    page.wait_for_selector(f'#detail h3[data-id="{other}"]')
    page.keyboard.press("a")
    page.wait_for_selector(f'#queue li[data-id="{other}"] .flag:text-is("ACK")')
    choose(page, "view", "new")
    page.wait_for_selector(f'#queue li[data-id="{other}"]', state="detached")
    assert crossed in shown(page)
    choose(page, "view", "all")
    choose(page, "severity", "critical")  # the example sector's crossings are high
    page.wait_for_selector("#queue li.more:text-is('No alert passes the filters.')")
    choose(page, "severity", "low")
    choose(page, "site", "shelburne")
    page.wait_for_selector("#queue li.more:text-is('No alert passes the filters.')")
    choose(page, "site", "gorham")
    page.wait_for_function("n => document.querySelectorAll('#queue li.alert').length >= n", arg=2)
    assert page.locator("#queue-filters select[name=type] option[value=line_crossing]").count() == 1


def test_an_incident_is_worked_from_its_timeline_and_closed_by_a_supervisor(page: Page, browser: Browser,
                                                                             live_centre: LiveCentre) -> None:
    alert = live_centre.alert_of(live_centre.crossing("walker-30", lon=-71.22, lat=44.33))
    log_in(page, "operator")
    page.click(f'#queue li[data-id="{alert}"]')
    page.wait_for_selector(f'#detail h3[data-id="{alert}"]')
    title = "Walker at the Androscoggin"
    page.fill('#detail form[data-action="open-incident"] input', title)
    page.click('#detail form[data-action="open-incident"] button')
    item = page.locator("#incidents li.incident", has_text=title)
    item.wait_for()
    incident = item.get_attribute("data-id")
    assert incident is not None
    # an open incident is ringed on the map at its alert
    page.wait_for_function("id => window.ridgeline.map.queryRenderedFeatures({ layers: ['incidents'] })"
                           ".some(f => f.properties.id === id)", arg=incident)

    item.locator("button.title").click()
    timeline = item.locator(".incident-timeline")
    timeline.locator("li.event").first.wait_for()
    assert timeline.locator("li.alert_added").count() == 1
    item.locator('form[data-action="incident-comment"] input').fill("team Bravo on the way")
    item.locator('form[data-action="incident-comment"] button').click()
    timeline.locator("li.comment", has_text="team Bravo on the way").wait_for()
    assert item.locator('[data-action="incident-close"]').count() == 0  # an operator may not close it

    with guarded_page(browser, live_centre.url) as lead:
        log_in(lead, "supervisor")
        row = lead.locator(f'#incidents li[data-id="{incident}"]')
        row.locator("button.title").click()
        row.locator('form[data-action="incident-close"] select').select_option("turned_back")
        row.locator('form[data-action="incident-close"] input').fill("went back over the river")
        row.locator('form[data-action="incident-close"] button').click()
        row.locator('form[data-action="incident-reopen"]').wait_for()
        assert "Outcome: turned back — went back over the river" in row.inner_text()
    closed = get_incident(live_centre.centre.store, incident)
    assert (closed.state.value, closed.outcome.value if closed.outcome else None) == ("closed", "turned_back")
    # the operator's console hears it closed: read-only for them, and no longer ringed on the map
    page.wait_for_selector(f'#incidents li.state-closed[data-id="{incident}"]')
    page.wait_for_function("id => !window.ridgeline.map.queryRenderedFeatures({ layers: ['incidents'] })"
                           ".some(f => f.properties.id === id)", arg=incident)


def test_the_sites_panel_shows_each_site_its_sensors_and_live_status(page: Page, live_centre: LiveCentre) -> None:
    live_centre.status(online=True)
    log_in(page, "viewer")
    page.click("#tab-sites")
    gorham = page.locator('#sites li.site[data-id="gorham"]')
    gorham.wait_for()
    page.wait_for_selector('#sites li.site[data-id="gorham"][data-status="online"]')
    assert "heard " in gorham.inner_text() and " s ago" in gorham.inner_text()
    assert gorham.locator(".sensors li").count() == 1 and "ptz" in gorham.locator(".sensors").inner_text()
    washington = page.locator('#sites li.site[data-id="mt-washington"]')
    assert washington.get_attribute("data-status") == "unknown" and "never heard from" in washington.inner_text()
    assert washington.locator(".sensors li").count() == 2
    assert page.locator("#incidents").is_hidden()
    live_centre.status(online=False)
    page.wait_for_selector('#sites li.site[data-id="gorham"][data-status="offline"]')


def test_a_track_only_radars_saw_is_drawn_as_a_radar_plot(page: Page, live_centre: LiveCentre) -> None:
    log_in(page, "viewer")
    page.wait_for_function("() => window.ridgeline && window.ridgeline.map.getLayer('tracks')"
                           " && window.ridgeline.tracks.radars.size > 0")
    now = utc_now().isoformat()
    page.evaluate("""([now]) => {
      const t = window.ridgeline.tracks;
      t.upsert({ kind: 'track', id: 'plot-1', site: 'mt-washington', data: { object_class: 'vessel', time: now,
        position: { lon: -71.31, lat: 44.28 }, sources: ['radar'] } });
      t.upsert({ kind: 'track', id: 'seen-1', site: 'mt-washington', data: { object_class: 'person', time: now,
        position: { lon: -71.29, lat: 44.27 }, sources: ['radar', 'ptz'] } });
    }""", [now])
    drawn = "() => window.ridgeline.tracks.marks.rendered()"
    page.wait_for_function(f"() => {{ const f = ({drawn})(); return ['plot-1', 'seen-1']"
                           ".every(id => f.some(x => x.properties.id === id)); }")
    classes = page.evaluate(f"() => Object.fromEntries(({drawn})().map(f => [f.properties.id, f.properties.cls]))")
    assert (classes["plot-1"], classes["seen-1"]) == ("radar", "person")


def test_the_console_fits_a_laptop_and_grows_on_a_wall_screen(page: Page, live_centre: LiveCentre) -> None:
    live_centre.alert_of(live_centre.crossing("walker-40", lon=-71.21, lat=44.31))
    sizes = {}
    log_in(page, "operator")
    for name, viewport in (("laptop", {"width": 1366, "height": 768}), ("wall", {"width": 2560, "height": 1440})):
        page.set_viewport_size(viewport)
        page.reload()  # the session holds: the console opens at once
        page.wait_for_selector("#live-state[data-state='live']")
        page.locator("#queue li.alert").first.wait_for()
        page.locator("#queue li.alert").first.click()
        page.locator("#detail h3").wait_for()
        page.wait_for_timeout(300)
        sizes[name] = page.evaluate("""() => {
          const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
            return [r.width, r.height]; };
          return { font: parseFloat(getComputedStyle(document.querySelector('#queue li.alert')).fontSize),
            scroll: [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight],
            map: box('#map'), queue: box('#queue'), detail: box('#detail'), incidents: box('#incidents-panel') };
        }""")
        page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"))
        # nothing spills out of the window, and each panel has room to show something
        assert sizes[name]["scroll"] == [viewport["width"], viewport["height"]], sizes[name]
        for panel in ("queue", "detail", "incidents"):
            assert sizes[name][panel][1] >= 80, (name, panel, sizes[name])
        assert sizes[name]["map"][0] >= viewport["width"] * 0.6, sizes[name]
    assert sizes["wall"]["font"] > sizes["laptop"]["font"] >= 13  # the wall screen's text is larger


def test_units_show_their_eta_to_the_selected_alert_and_one_is_dispatched(page: Page, live_centre: LiveCentre,
                                                                           example_sector_path: Path) -> None:
    sector = load_sector(example_sector_path)
    define_units(live_centre.centre.store, sector.units, sector.unit_statuses)
    # a walker crossing near Pinkham Notch, where Patrol 1 is based
    alert = live_centre.alert_of(live_centre.crossing("walker-50", lon=-71.262, lat=44.262))
    log_in(page, "operator")
    page.click("#tab-units")
    page.locator('#units li.unit[data-id="patrol-1"]').wait_for()
    page.wait_for_function("() => window.ridgeline.map.queryRenderedFeatures({ layers: ['units'] }).length === 3")
    page.click(f'#queue li[data-id="{alert}"]')
    page.locator("#units li.unit .eta .minutes").first.wait_for()
    page.wait_for_function("() => document.querySelectorAll('#units li.unit .eta').length === 3")
    shown = {row.get_attribute("data-id"): row.locator(".eta .minutes").get_attribute("data-minutes")
             for row in page.locator("#units li.unit").all()}
    answer = live_centre.api.ctx.responders
    assert answer is not None  # the console's request made the terrain ready
    expected = answer.etas(live_centre.centre.store, alert)
    for row in expected.etas:
        assert row.minutes is not None
        assert float(shown[row.unit.id] or "nan") == row.minutes
        print(f"{row.unit.id}: {row.minutes:.1f} min ({row.mode}, {row.straight_m:.0f} m away)")
    # fastest first, the fastest available recommended, and sent from the panel
    order = page.locator("#units li.unit").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert order == [r.unit.id for r in expected.etas]
    recommended = page.locator("#units li.unit.recommended")
    assert recommended.get_attribute("data-id") == expected.recommended
    recommended.locator('button[data-action="dispatch"]').click()
    page.wait_for_selector(f'#units li.unit[data-id="{expected.recommended}"][data-base="dispatched"]')
    page.wait_for_selector(f'#queue li[data-id="{alert}"] .state:text-is("dispatched")')
    assert get_alert(live_centre.centre.store, alert).alert.state.value == "dispatched"
    assert page.locator(f'#units li.unit[data-id="{expected.recommended}"] button[data-action="dispatch"]').count() == 0
