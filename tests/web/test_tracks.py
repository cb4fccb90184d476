"""Live tracks, the time slider and the coordinates on hover, in a real browser against a real
centre: a site publishes tracks (Mosquitto -> ingest -> change feed -> WebSocket), the console
draws each object's latest position in its class colour with a trail that grows, points a
vessel along its course; the slider replays a track stored 40 minutes ago (GET /api/v1/tracks);
the status bar's UTM and MGRS agree with pyproj and with the ``mgrs`` npm package."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import cv2
import numpy as np
import pytest
from playwright.sync_api import Page
from pyproj import Transformer

from ridgeline.model import Envelope, MessageType, ObjectClass, Position, Track, TrackPoint, new_id, utc_now

from .conftest import SITE, LiveCentre, log_in
from .test_console import pixels

#: the class colours of tracks.js, RGB
PERSON = (0xFF, 0x5C, 0xF0)
VESSEL = (0x7F, 0xFF, 0xD4)

#: MGRS at 1 m of (lat, lon), from the ``mgrs`` npm package 2.1 (proj4js's), as an oracle: the
#: Washington Monument and the Eiffel tower, (0, 0), Sydney, Patagonia, near 80° S, Bergen and
#: the North Sea edge of the Norway exception (zone 32 from 3° E), Svalbard and 84° N (zones 33X, 37X)
MGRS = [
    (38.8895, -77.0352, "18S UJ 23486 06483"), (48.8582, 2.2945, "31U DQ 48251 11932"),
    (0.0, 0.0, "31N AA 66021 00000"), (-33.8688, 151.2093, "56H LH 34368 50948"),
    (-45.0, -70.0, "19G DL 21184 16563"), (-79.5, 170.1, "59C MM 81690 74079"),
    (60.39, 5.32, "32V KN 97230 00510"), (56.1, 3.1, "32V JH 33226 32906"),
    (78.22, 15.65, "33X WG 14813 83004"), (83.9, 40.5, "37X EP 17793 17161"),
]


def publish_track(live: LiveCentre, track: Track) -> None:
    """The site sends a track message, as an edge agent does."""
    live.seq += 1
    live._send(MessageType.TRACKS, track.model_dump(mode="json"), live.seq)


#: the features a layer drew: the marks' custom layer (marks.js) says which marks its last draw
#: put in view; MapLibre's own layers answer ``queryRenderedFeatures``
DRAWN = """(layer) => layer === 'tracks' ? window.ridgeline.tracks.marks.rendered()
  : window.ridgeline.map.queryRenderedFeatures({ layers: [layer] })"""


def rendered(page: Page, layer: str, track_id: str) -> list[dict[str, Any]]:
    """The features of ``layer`` drawn for a track: geometry (trails as tiled: to ~10 m) and properties."""
    found: list[dict[str, Any]] = page.evaluate(
        f"""([layer, id]) => ({DRAWN})(layer)
            .filter((f) => f.properties.id === id)
            .map((f) => ({{ geometry: f.geometry, properties: f.properties }}))""", [layer, track_id])
    return found


def wait_drawn(page: Page, layer: str, track_id: str, points: int = 1, at: tuple[float, float] | None = None) -> None:
    """Until ``layer`` draws the track (a trail of at least ``points`` positions; a mark ``at`` lon, lat)."""
    page.wait_for_function(
        f"""([layer, id, n, at]) => ({DRAWN})(layer).some((f) =>
            f.properties.id === id && (f.geometry.type === 'Point' ? (!at || (
              Math.abs(f.geometry.coordinates[0] - at[0]) < 2e-4 && Math.abs(f.geometry.coordinates[1] - at[1]) < 2e-4))
              : f.geometry.coordinates.length >= n))""",
        arg=[layer, track_id, points, at], timeout=5000)


def test_live_tracks_are_drawn_with_trails_and_vessels_point_along_their_course(page: Page,
                                                                                 live_centre: LiveCentre) -> None:
    log_in(page, "viewer")
    page.wait_for_function("() => window.ridgeline && window.ridgeline.map.getLayer('tracks')")
    walker = Track(object_class=ObjectClass.PERSON, sources=["ptz"],
                   points=[TrackPoint(time=utc_now(), position=Position(lon=-71.30, lat=44.25))])
    publish_track(live_centre, walker)
    wait_drawn(page, "tracks", walker.id)
    [point] = rendered(page, "tracks", walker.id)
    assert point["properties"]["cls"] == "person"
    assert point["geometry"]["coordinates"] == pytest.approx([-71.30, 44.25], abs=2e-4)
    # drawn in the person colour at the projected point
    x, y = page.evaluate("() => { const p = window.ridgeline.map.project([-71.30, 44.25]); return [p.x, p.y]; }")
    page.wait_for_timeout(300)
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    png = page.screenshot(clip={"x": box["x"] + x - 12, "y": box["y"] + y - 12, "width": 24, "height": 24})
    assert pixels(png, PERSON, tolerance=10) > 30, "no person mark at the track's position"
    assert rendered(page, "track-trails", walker.id) == []  # one position: no trail yet

    # it walks on (east, then north: a corner, which the tiling keeps): the trail grows, the mark follows
    for step, (lon, lat) in enumerate([(-71.29, 44.25), (-71.29, 44.26)], start=1):
        moved = Track(id=walker.id, object_class=ObjectClass.PERSON, sources=["ptz"], points=[
            TrackPoint(time=utc_now() + timedelta(seconds=step), position=Position(lon=lon, lat=lat))])
        publish_track(live_centre, moved)
        wait_drawn(page, "track-trails", walker.id, points=step + 1)
    [trail] = rendered(page, "track-trails", walker.id)
    drawn = [c for xy in trail["geometry"]["coordinates"] for c in xy]
    assert drawn == pytest.approx([-71.30, 44.25, -71.29, 44.25, -71.29, 44.26], abs=2e-4)
    wait_drawn(page, "tracks", walker.id, at=(-71.29, 44.26))

    # a vessel heading east, then north-east: its mark is turned along its course
    boat = Track(object_class=ObjectClass.VESSEL, sources=["ais"],
                 points=[TrackPoint(time=utc_now(), position=Position(lon=-71.50, lat=44.10))])
    publish_track(live_centre, boat)
    wait_drawn(page, "tracks", boat.id)
    assert vessel_extent(page, (-71.50, 44.10)) < 0.8  # one position: north up, longer than wide
    east = Track(id=boat.id, object_class=ObjectClass.VESSEL, sources=["ais"], points=[
        TrackPoint(time=utc_now() + timedelta(seconds=1), position=Position(lon=-71.49, lat=44.10))])
    publish_track(live_centre, east)
    wait_drawn(page, "tracks", boat.id, at=(-71.49, 44.10))
    [vessel] = rendered(page, "tracks", boat.id)
    assert vessel["properties"]["cls"] == "vessel"
    assert vessel["properties"]["heading"] == pytest.approx(90.0, abs=0.1)
    assert vessel_extent(page, (-71.49, 44.10)) > 1.25  # turned east: wider than long


def vessel_extent(page: Page, at: tuple[float, float]) -> float:
    """Width over height of the vessel-coloured pixels around ``at`` (lon, lat) on the map."""
    page.wait_for_timeout(300)  # the frame drawn
    x, y = page.evaluate("at => { const p = window.ridgeline.map.project(at); return [p.x, p.y]; }", list(at))
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    png = page.screenshot(clip={"x": box["x"] + x - 16, "y": box["y"] + y - 16, "width": 32, "height": 32})
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).astype(int)
    rows, cols = np.nonzero(np.abs(img - np.array(VESSEL[::-1])).max(axis=2) <= 10)
    assert rows.size > 30, "no vessel mark drawn"
    return float((np.ptp(cols) + 1) / (np.ptp(rows) + 1))


def test_the_slider_replays_a_track_stored_40_minutes_ago(page: Page, live_centre: LiveCentre) -> None:
    start = utc_now() - timedelta(minutes=40)
    # a vehicle driving north for two minutes, one position each 10 s, stored (not live) 40 min ago
    points = [TrackPoint(time=start + timedelta(seconds=10 * i), position=Position(lon=-71.35, lat=44.20 + 0.001 * i))
              for i in range(13)]
    track = Track(object_class=ObjectClass.VEHICLE, sources=["ptz"], points=points)
    live_centre.seq += 1
    env = Envelope(id=new_id(), site=SITE, seq=live_centre.seq, type=MessageType.TRACKS, time=points[-1].time,
                   sent=points[-1].time, payload=track.model_dump(mode="json"))
    live_centre.centre.store.ingest([env])
    log_in(page, "viewer")
    page.wait_for_function("() => window.ridgeline && window.ridgeline.map.getLayer('tracks')")
    assert rendered(page, "tracks", track.id) == []  # live: long gone

    # the slider, moved by hand to 60 s into the drive
    slider = page.locator(".timeline-range")
    page.evaluate("() => window.ridgeline.timeline.load()")  # the window, read now: since = now - 2 h
    since_ms = page.evaluate("() => window.ridgeline.timeline.history.since")
    offset = round((start.timestamp() * 1000 + 60_500 - since_ms) / 1000)
    slider.fill(str(offset))
    page.wait_for_selector(".timeline[data-mode='replay']")
    wait_drawn(page, "tracks", track.id)
    t = page.evaluate("() => window.ridgeline.timeline.t") / 1000
    shown = max(i for i, p in enumerate(points) if p.time.timestamp() <= t)
    wait_drawn(page, "tracks", track.id, at=(-71.35, 44.20 + 0.001 * shown))
    [point] = rendered(page, "tracks", track.id)
    assert point["properties"]["cls"] == "vehicle"
    assert point["geometry"]["coordinates"] == pytest.approx([-71.35, 44.20 + 0.001 * shown], abs=2e-4)
    [trail] = rendered(page, "track-trails", track.id)
    # the trail: from its first position (under 2 min before) to the one shown (straight: tiled as two)
    ends = [*trail["geometry"]["coordinates"][0], *trail["geometry"]["coordinates"][-1]]
    assert ends == pytest.approx([-71.35, 44.20, -71.35, 44.20 + 0.001 * shown], abs=2e-4)
    assert int(page.locator(".timeline").get_attribute("data-tracks") or 0) >= 1

    # ten minutes before the drive: nothing of it
    page.evaluate("t => window.ridgeline.timeline.seekTime(t)", start.timestamp() * 1000 - 600_000)
    page.wait_for_function(f"id => !({DRAWN})('tracks').some((f) => f.properties.id === id)", arg=track.id)
    # and "Live" brings the live map back
    page.click(".timeline-live")
    page.wait_for_selector(".timeline[data-mode='live']")
    assert page.locator(".timeline-time").inner_text() == "live"


def test_coordinates_on_hover_in_utm_and_mgrs(page: Page, live_centre: LiveCentre) -> None:
    log_in(page, "viewer")
    page.wait_for_function("() => window.ridgeline && window.ridgeline.map.loaded()")
    box = page.locator("#map").bounding_box()
    assert box is not None
    px, py = round(box["width"] / 3), round(box["height"] / 2)
    page.mouse.move(box["x"] + px, box["y"] + py)
    page.wait_for_function("() => /MGRS/.test(document.getElementById('coords').textContent)")
    lon, lat = page.evaluate("([x, y]) => { const l = window.ridgeline.map.unproject([x, y]); return [l.lng, l.lat]; }",
                             [px, py])
    text = page.locator("#coords").inner_text()
    found = re.match(r"[\d.]+° N [\d.]+° W · UTM (\d+)N (\d+)E (\d+)N · MGRS (\d+)([C-X]) ([A-Z]{2}) (\d{5}) (\d{5})",
                     text)
    assert found is not None, text
    zone, east, north, mzone, band, _square, me, mn = found.groups()
    assert zone == mzone == "19" and band == "T"  # the White Mountains
    x, y = Transformer.from_crs(4326, 32619, always_xy=True).transform(lon, lat)
    assert abs(int(east) - int(x)) <= 1 and abs(int(north) - int(y)) <= 1, (text, x, y)
    assert me == east[-5:] and mn == north[-5:]

    # the module itself, evaluated in the page, against pyproj (UTM, to a millimetre) and the mgrs package
    got = page.evaluate("""(pts) => import('/coords.js').then((c) => pts.map(([lat, lon]) =>
        [c.toUtm(lat, lon), c.toMgrs(lat, lon)]))""", [[lat, lon] for lat, lon, _ in MGRS])
    for (lat, lon, mgrs), (utm, mgrs_js) in zip(MGRS, got, strict=True):
        epsg = (32600 if lat >= 0 else 32700) + utm["zone"]
        x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
        assert utm["easting"] == pytest.approx(x, abs=1e-3) and utm["northing"] == pytest.approx(y, abs=1e-3)
        assert mgrs_js == mgrs, (lat, lon)
    # outside UTM (north of 84° N): no UTM, no MGRS (UPS is not computed)
    assert page.evaluate("() => import('/coords.js').then((c) => [c.toUtm(85, 10), c.toMgrs(85, 10)])") == [None,
                                                                                                           None]
