"""Radar JSON lines: good plots kept, bad lines counted by reason."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.maritime.radar import RadarReader


def test_good_and_bad_lines() -> None:
    reader = RadarReader()
    plots = reader.read([
        b'{"track": 7, "time": 1700000000, "lat": 55.0, "lon": 10.0}',
        b'{"track": "R-2", "time": "2026-11-25T10:00:00Z", "lat": 55.1, "lon": 10.1, "speed_kn": 3}',
        b'{"track": 7, "time": "2026-11-25T10:00:00", "lat": 55.0, "lon": 10.0}',  # no time zone
        b'{"track": 7, "time": 1700000000, "lat": 95.0, "lon": 10.0}',
        b'{"track": 99999999999999999999999, "time": 1, "lat": 1, "lon": 1}',
        b'not json',
        b'[1, 2]',
    ])
    assert len(plots) == 2 and plots.track[0] == 7 and plots.time[1] == 1795600800.0
    assert dict(reader.rejected) == {"bad_field": 3, "malformed_json": 1, "not_an_object": 1}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=80), st.dictionaries(
    st.sampled_from(["track", "time", "lat", "lon"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)),
).map(lambda d: __import__("json").dumps(d).encode())), max_size=10))
def test_hostile_lines_never_raise(lines: list[bytes]) -> None:
    reader = RadarReader()
    plots = reader.read(lines)
    assert len(plots) + sum(reader.rejected.values()) == sum(1 for line in lines if line.strip())
