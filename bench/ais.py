"""AIS behaviours against the reference tools, in one run: stops vs MovingPandas, throughput vs pyais.

(1) Stops.  MovingPandas' ``TrajectoryStopDetector`` and ours, same diameter and minimum
    duration (ours' defaults: 300 m, 30 min), on the Baltic CSV (11 h, 387 vessels) and the two
    DMA drift files (one vessel each).  Agreement = stop time both call a stop, as a share of
    each one's stop time; speed ratio on the detection alone (both after parsing).
(2) Throughput.  The raw DMA file (``!BSVDM`` with tag blocks and ``$PGHP`` times) repeated
    until it holds >= 500,000 messages, each copy 5 minutes later than the one before (times
    rewritten, checksums recomputed).  pyais decode-only (its own stream assembling the
    sentences, ``decode()`` on each) against ours end to end: decoding with every reject
    counted, vessel tracks and every detector, in 50,000-line chunks.  Then the detectors
    alone on the decoded positions: positions per second.  Each run in its own process, so
    its peak RSS is its own.

Run from the repository root: ``.venv/bin/python -m bench.ais [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from functools import reduce
from operator import xor
from pathlib import Path

import numpy as np

from bench.common import DEFAULT_DATA

STOP_DIAMETER_M = 300.0
STOP_DURATION_S = 1800.0
REPEAT_SHIFT_S = 300
CHUNK_LINES = 50_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- (1) stops -------------------------------------------------------------------------------
def _stop_ranges_ours(track: np.ndarray, time_s: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> tuple[dict, float]:
    from ridgeline.maritime.stops import StopDetector

    ids, dense = np.unique(track, return_inverse=True)
    order = np.argsort(time_s, kind="stable")
    StopDetector().feed(dense[order][:5], time_s[order][:5], lat[order][:5], lon[order][:5], 1.0, 1.0, final=True)
    t0 = time.perf_counter()
    stops = StopDetector().feed(dense[order].astype(np.int64), time_s[order], lat[order], lon[order],
                                STOP_DIAMETER_M, STOP_DURATION_S, final=True)
    took = time.perf_counter() - t0
    out: dict[int, list[tuple[float, float]]] = {}
    for k in range(len(stops)):
        out.setdefault(int(ids[stops.track[k]]), []).append((float(stops.start[k]), float(stops.end[k])))
    return out, took


def _stop_ranges_mp(track: np.ndarray, time_s: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> tuple[dict, float]:
    warnings.filterwarnings("ignore")
    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd

    df = pd.DataFrame({"vessel": track, "t": pd.to_datetime(time_s, unit="s"), "lat": lat, "lon": lon})
    df = df.sort_values(["vessel", "t"]).drop_duplicates(["vessel", "t"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)
    collection = mpd.TrajectoryCollection(gdf, "vessel", t="t")
    t0 = time.perf_counter()
    ranges = mpd.TrajectoryStopDetector(collection).get_stop_time_ranges(
        max_diameter=STOP_DIAMETER_M, min_duration=timedelta(seconds=STOP_DURATION_S))
    took = time.perf_counter() - t0
    out: dict[int, list[tuple[float, float]]] = {}
    for r in ranges:
        out.setdefault(int(r.traj_id), []).append((r.t_0.timestamp(), r.t_n.timestamp()))
    return out, took


def _total(ranges: dict) -> float:
    return sum(e - s for v in ranges.values() for s, e in v)


def _overlap(a: dict, b: dict) -> float:
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for k in a for s1, e1 in a[k] for s2, e2 in b.get(k, []))


def _load(path: Path) -> tuple[np.ndarray, ...]:
    """A file's positions (NMEA or CSV, as ``ridgeline ais`` reads them) as columns."""
    from ridgeline.maritime.sources import AisSource

    p = AisSource(str(path)).read_file()
    return p.vessel, p.time, p.lat, p.lon


def stops(data: Path) -> None:
    print(f"(1) stops, max diameter {STOP_DIAMETER_M:.0f} m, min duration {STOP_DURATION_S / 60:.0f} min")
    cases = ["baltic_2018-04-01.csv", "dma_drift_538004030.nmea", "dma_drift_212123000.nmea"]
    all_ours: dict = {}
    all_mp: dict = {}
    t_ours = t_mp = 0.0
    points = 0
    for name in cases:
        cols = _load(data / "ais" / name)
        ours, a = _stop_ranges_ours(*cols)
        theirs, b = _stop_ranges_mp(*cols)
        t_ours += a
        t_mp += b
        points += len(cols[0])
        both = _overlap(ours, theirs)
        print(f"  {name}: {len(cols[0]):,} points; MovingPandas {sum(map(len, theirs.values()))} stops "
              f"{_total(theirs) / 3600:.1f} h in {b:.2f} s; ours {sum(map(len, ours.values()))} stops "
              f"{_total(ours) / 3600:.1f} h in {a * 1000:.1f} ms; agreement {both / max(_total(theirs), 1e-9):.2%} of "
              f"MovingPandas' stop time, {both / max(_total(ours), 1e-9):.2%} of ours; {b / a:.0f}x faster"
              + (" (neither finds a stop: the vessel drifts)" if not _total(theirs) and not _total(ours) else ""))
        all_ours |= {(name, k): v for k, v in ours.items()}
        all_mp |= {(name, k): v for k, v in theirs.items()}
    both = _overlap(all_ours, all_mp)
    print(f"  all: agreement {both / _total(all_mp):.2%} of MovingPandas' stop time, {both / _total(all_ours):.2%} of "
          f"ours (bar 95%); {points / t_mp:,.0f} vs {points / t_ours:,.0f} points/s: {t_mp / t_ours:.0f}x faster "
          f"(bar 100x)")


# ---- (2) throughput ----------------------------------------------------------------------------
def _with_checksum(body: bytes) -> bytes:
    return b"$" + body + b"*" + f"{reduce(xor, body, 0):02X}".encode()


def repeated_dma(src: Path, dst: Path, at_least: int) -> int:
    """The DMA sample repeated, each copy REPEAT_SHIFT_S later; returns the message count."""
    import calendar

    with gzip.open(src, "rb") as stream:
        lines = stream.read().splitlines()
    messages = sum(1 for line in lines if line.startswith(b"!"))
    copies = -(-at_least // messages)
    with dst.open("wb") as out:
        for k in range(copies):
            shift = k * REPEAT_SHIFT_S
            for line in lines:
                if line.startswith(b"$PGHP,1,") and shift:
                    f = line[1:line.rindex(b"*")].split(b",")
                    t = calendar.timegm(tuple(int(x) for x in f[2:8])) + shift  # type: ignore[arg-type]
                    g = time.gmtime(t)
                    f[2:8] = [str(v).encode() for v in (g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec)]
                    line = _with_checksum(b",".join(f))
                out.write(line + b"\n")
    return messages * copies


def worker(mode: str, path: str) -> None:
    """One measured run in its own process; prints one JSON line."""
    lines = Path(path).read_bytes().splitlines()
    if mode == "pyais":
        from pyais.stream import IterMessages

        t0 = time.perf_counter()
        n = 0
        for message in IterMessages(lines):
            message.decode()
            n += 1
        took = time.perf_counter() - t0
        print(json.dumps({"messages": n, "seconds": took, "peak_mb": _peak_mb()}))
        return
    from ridgeline.maritime.behaviour import BehaviourEngine
    from ridgeline.maritime.nmea import NmeaDecoder
    from ridgeline.maritime.positions import Positions

    engine = BehaviourEngine()
    engine.feed(Positions.empty())  # compiled code loaded before the clock starts (numba cache)
    if mode == "ours":
        decoder = NmeaDecoder()
        t0 = time.perf_counter()
        found = 0
        for start in range(0, len(lines), CHUNK_LINES):
            decoder.feed_lines(lines[start:start + CHUNK_LINES])
            found += len(engine.feed(decoder.take()))
        found += len(engine.finish())
        took = time.perf_counter() - t0
        messages = decoder.accepted + decoder.static_count + decoder.rejected_total
        print(json.dumps({"messages": messages, "positions": decoder.accepted, "seconds": took,
                          "behaviours": found, "rejected": decoder.rejected_total, "peak_mb": _peak_mb(),
                          "counts": engine.counts}))
        return
    decoder = NmeaDecoder()
    decoder.feed_lines(lines)
    positions = decoder.take()
    del lines
    chunk = 50_000
    t0 = time.perf_counter()
    for start in range(0, len(positions), chunk):
        engine.feed(positions.take(np.arange(start, min(start + chunk, len(positions)))))
    engine.finish()
    took = time.perf_counter() - t0
    print(json.dumps({"positions": len(positions), "seconds": took, "peak_mb": _peak_mb()}))


def run(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.ais", "--worker", mode, str(path)], capture_output=True,
                         text=True, check=True)
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def throughput(data: Path, at_least: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="ridgeline-bench-ais-"))
    path = work / "dma_repeated.nmea"
    messages = repeated_dma(data / "ais" / "dma_ais_sample_2013-11-12.nmea.gz", path, at_least)
    print(f"(2) throughput on the raw DMA file repeated: {messages:,} messages, "
          f"{path.stat().st_size / 1e6:.0f} MB, {sum(1 for _ in path.open('rb')):,} lines")
    best: dict[str, dict] = {}
    for mode in ("pyais", "ours", "pyais", "ours", "detectors", "detectors"):
        r = run(mode, path)
        if mode not in best or r["seconds"] < best[mode]["seconds"]:
            best[mode] = r
    p, o, d = best["pyais"], best["ours"], best["detectors"]
    p_rate, o_rate = p["messages"] / p["seconds"], o["messages"] / o["seconds"]
    print(f"  pyais decode-only: {p_rate:,.0f} messages/s, peak RSS {p['peak_mb']:.0f} MB")
    print(f"  ours (decode, reject counting, tracks, all detectors): {o_rate:,.0f} messages/s = "
          f"{o_rate / p_rate:.2f}x pyais (bar 0.8x), peak RSS {o['peak_mb']:.0f} MB; {o['positions']:,} positions, "
          f"{o['rejected']:,} rejected, behaviours {o['counts']}")
    print(f"  detectors alone: {d['positions'] / d['seconds']:,.0f} positions/s (bar 1,000,000), "
          f"peak RSS {d['peak_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--messages", type=int, default=500_000, help="at least this many messages in (2)")
    parser.add_argument("--only", choices=("stops", "throughput"), help="run one part")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if args.only in (None, "stops"):
        stops(args.data)
    if args.only in (None, "throughput"):
        throughput(args.data, args.messages)


if __name__ == "__main__":
    main()
