"""One loop judges an AIS source: the edge's adapter and `ridgeline ais` find the same behaviours."""

from __future__ import annotations

from pathlib import Path

import pytest

from ridgeline.app.edge_site import load_adapter
from ridgeline.app.vessels import AisRequest, judge_ais
from ridgeline.config.maritime import MaritimeConfig
from ridgeline.errors import NoVesselReportsError
from ridgeline.maritime.judging import BehaviourStream
from ridgeline.maritime.sources import AisSource
from ridgeline.model import Event, MessageType
from tests.maritime.scenario import COAST_LAT, Voyage, coast, offshore, write_csv
from tests.maritime.test_behaviour import A, B, C, D, meeting


def test_the_adapter_and_the_use_case_judge_a_file_alike(tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "meeting.csv", *meeting(offshore(30), 10.0))
    adapter = load_adapter("ais", "harbour-mast", source=str(csv), chunk=1000, global_land=False)
    last: dict[str, Event] = {}
    for kind, m in adapter.messages():
        if kind == MessageType.EVENTS:
            assert isinstance(m, Event)
            last[str(m.detail["key"])] = m
    adapter.close()
    report = judge_ais(AisRequest(str(csv), global_land=False, chunk=1000))
    assert sorted(last) == sorted(b.key for b in report.behaviours)
    assert all(not e.detail["ongoing"] for e in last.values())  # every one ended, as the file did
    assert report.counts["encounter"] == 1 and report.counts["loitering"] == 2


def test_a_file_is_fed_in_time_order_in_chunks_then_the_engine_has_its_last_word(tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "meeting.csv", *meeting(offshore(30), 10.0))
    stream = BehaviourStream(AisSource(str(csv)), MaritimeConfig(), lambda _: None, chunk=1000)
    steps = list(stream.steps())
    fed = [s for s in steps if s.chunk is not None]
    assert len(fed) == -(-len(stream.positions) // 1000) and steps[-1].chunk is None
    assert [s.done for s in fed] == [min(1000 * (k + 1), len(stream.positions)) for k in range(len(fed))]
    times = [float(t) for s in fed for t in s.chunk.time]  # type: ignore[union-attr]
    assert times == sorted(times)


def judged(csv: Path) -> tuple[list[tuple[str, tuple[str, ...], int, int]], BehaviourStream]:
    """Every behaviour of a file (its last word), as (kind, vessels as the file wrote them, start, end)."""
    stream = BehaviourStream(AisSource(str(csv)), MaritimeConfig(), lambda _: coast(), chunk=500)
    last = {b.key: b for step in stream.steps() for b in step.behaviours}
    ids = stream.source.ids
    return sorted((b.kind, tuple(sorted(ids.label(v) for v in b.vessels)), round(b.start), round(b.end))
                  for b in last.values()), stream


def voyages() -> list[Voyage]:
    """A and B meet 30 km out, C goes silent for 13 h, D stops at a cove: three kinds of behaviour."""
    a, b = meeting(offshore(30), 10.0)
    c = Voyage(C, offshore(150), 9.0).leg(2, 12, 90).leg(13, 12, 90, report=False).leg(2, 12, 90)
    d = Voyage(D, offshore(20), 10.5).leg(1.3, 8, 0).leg(1.0, 0.0, 0).leg(1.3, 8, 180)
    return [a, b, c, d]


@pytest.mark.parametrize("names", [
    {A: "1", B: "2", C: "3", D: "4"},  # numbered in order
    {A: "3", B: "1", C: "4", D: "2"},  # numbered in another order
    {A: "9f86d081884c7d65", B: "60303ae22b998861", C: "fd61a03af4f77d87", D: "a665a45920422f9d"},  # hashed
])
def test_anonymised_ids_find_the_vessels_and_behaviours_the_mmsis_find(tmp_path: Path, names: dict[int, str]) -> None:
    with_mmsi, mmsi_stream = judged(write_csv(tmp_path / "mmsi.csv", *voyages()))
    anonymised, anon_stream = judged(write_csv(tmp_path / "anon.csv", *voyages(), ids=names))
    assert [k for k, *_ in with_mmsi] == ["ais_gap", "encounter", "landing"]
    back = {v: str(k) for k, v in names.items()}
    assert [(k, tuple(sorted(back[v] for v in vs)), s, e) for k, vs, s, e in anonymised] == with_mmsi
    assert mmsi_stream.source.ids.are_mmsis and not anon_stream.source.ids.are_mmsis
    assert mmsi_stream.engine is not None and anon_stream.engine is not None
    assert len(anon_stream.engine.tracks.slots) == len(mmsi_stream.engine.tracks.slots) == 4


def test_a_file_whose_every_row_is_refused_is_an_error_that_counts_the_reasons(tmp_path: Path) -> None:
    csv = tmp_path / "beacons.csv"
    rows = [f"{1000 + k},992191001,55.0,10.0" for k in range(5)] + ["1000,2190067,55.1,10.0", "1001,219000001,95,10"]
    csv.write_text("time,mmsi,lat,lon\n" + "\n".join(rows) + "\n")
    stream = BehaviourStream(AisSource(str(csv)), MaritimeConfig(), lambda _: None, chunk=1000)
    with pytest.raises(NoVesselReportsError, match=r"beacons\.csv: no vessel positions kept: all 7 rows rejected: "
                                                   r"not_a_vessel 6, out_of_range 1$"):
        list(stream.steps())


def test_without_mmsis_an_aid_to_navigation_is_told_by_its_type(tmp_path: Path) -> None:
    """A light on the shore for 12 h: by its MMSI (99…) not a vessel, and with ids hidden by its type, so
    neither file reports it as a landing; an unnamed type at the same place is taken as a vessel."""
    light = 992191001
    beacon = Voyage(light, COAST_LAT - 0.002, 10.2).leg(12, 0.0, 0)
    types = {light: "Light, without Sectors", A: "Fishing", B: "Fishing", C: "Cargo", D: "Fishing"}
    names = {A: "1", B: "2", C: "3", D: "4", light: "5"}
    with_mmsi, _ = judged(write_csv(tmp_path / "mmsi.csv", *voyages(), beacon, types=types))
    anonymised, stream = judged(write_csv(tmp_path / "anon.csv", *voyages(), beacon, ids=names, types=types))
    back = {v: str(k) for k, v in names.items()}
    assert [(k, tuple(sorted(back[v] for v in vs)), s, e) for k, vs, s, e in anonymised] == with_mmsi
    assert [k for k, *_ in with_mmsi] == ["ais_gap", "encounter", "landing"]
    assert stream.engine is not None and stream.engine.tracks.dropped["not_a_vessel"] == len(beacon.rows)
    untyped, _ = judged(write_csv(tmp_path / "untyped.csv", *voyages(), beacon, ids=names, types={**types, light: ""}))
    assert [(k, vs) for k, vs, *_ in untyped if "5" in vs] == [("landing", ("5",))]
