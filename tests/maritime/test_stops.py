"""Stops: MovingPandas' definition, the same answer in chunks as in one batch."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from ridgeline.maritime.feeds import file_lines
from ridgeline.maritime.nmea import NmeaDecoder
from ridgeline.maritime.stops import StopDetector, Stops
from tests.maritime.scenario import Voyage, offshore

DRIFT = Path(__file__).resolve().parents[1] / "data" / "ais" / "dma_drift_212123000.nmea"


def stops_in_chunks(track: np.ndarray, t: np.ndarray, lat: np.ndarray, lon: np.ndarray, size: int,
                    d: float, dur: float) -> Stops:
    det = StopDetector()
    parts = [det.feed(track[i:i + size], t[i:i + size], lat[i:i + size], lon[i:i + size], d, dur)
             for i in range(0, len(t), size)]
    parts.append(det.feed(track[:0], t[:0], lat[:0], lon[:0], d, dur, final=True))
    every = Stops.concat(parts)
    return Stops.concat([every]) if not len(every) else Stops(*(getattr(every, f)[~every.ongoing] for f in (
        "track", "start", "end", "lat", "lon", "points", "ongoing")))


def test_two_stops_of_one_voyage_in_one_batch_and_in_chunks() -> None:
    v = Voyage(1, offshore(40), 10.0).leg(1, 10, 90).leg(1, 0.1, 0).leg(1, 10, 90).leg(2, 0.05, 180).leg(0.5, 9, 0)
    p = v.positions()
    track = np.zeros(len(p), np.int64)
    batch = StopDetector().feed(track, p.time, p.lat, p.lon, 300.0, 1800.0, final=True)
    assert len(batch) == 2
    assert [round((e - s) / 3600, 1) for s, e in zip(batch.start, batch.end, strict=True)] == [1.0, 2.0]
    for size in (7, 60, 1000):
        chunked = stops_in_chunks(track, p.time, p.lat, p.lon, size, 300.0, 1800.0)
        assert chunked.start.tolist() == batch.start.tolist() and chunked.end.tolist() == batch.end.tolist()


def test_a_long_stop_is_carried_as_its_hull_not_its_reports() -> None:
    v = Voyage(1, offshore(40), 10.0, every_s=10).leg(0.2, 10, 90).leg(10, 0.0, 0)
    p = v.positions()
    det = StopDetector()
    for i in range(0, len(p), 500):
        det.feed(np.zeros(len(p.time[i:i + 500]), np.int64), p.time[i:i + 500], p.lat[i:i + 500],
                 p.lon[i:i + 500], 300.0, 1800.0)
    assert det.carried < 50  # 3,600 reports of a ten-hour stop, held as a handful


@pytest.mark.filterwarnings("ignore")
def test_agrees_with_movingpandas_on_a_real_drifting_vessel() -> None:
    warnings.filterwarnings("ignore")
    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd

    decoder = NmeaDecoder()
    decoder.feed_lines(file_lines(DRIFT))
    p = decoder.take().sorted_by_time()
    # (at 1 km / 60 min the two differ by a report or two at each end of five stops, 93 % overlap: our
    # rectangle is measured in metres, MovingPandas' in degrees, which stretches east-west at 56° N)
    for diameter, minutes in ((300.0, 30), (100.0, 10), (200.0, 20)):
        ours = StopDetector().feed(np.zeros(len(p), np.int64), p.time, p.lat, p.lon, diameter, minutes * 60.0,
                                   final=True)
        df = pd.DataFrame({"t": pd.to_datetime(p.time, unit="s"), "lat": p.lat, "lon": p.lon, "v": 1})
        df = df.drop_duplicates("t")
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)
        traj = mpd.Trajectory(gdf, 1, t="t")
        theirs = mpd.TrajectoryStopDetector(traj).get_stop_time_ranges(
            max_diameter=diameter, min_duration=timedelta(minutes=minutes))
        both = sum(max(0.0, min(e, r.t_n.timestamp()) - max(s, r.t_0.timestamp()))
                   for s, e in zip(ours.start, ours.end, strict=True) for r in theirs)
        total = sum(r.t_n.timestamp() - r.t_0.timestamp() for r in theirs)
        ours_total = float((ours.end - ours.start).sum())
        assert len(ours) == len(theirs)
        assert both >= 0.95 * total and both >= 0.95 * ours_total
