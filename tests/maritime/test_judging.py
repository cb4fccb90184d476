"""One loop judges an AIS source: the edge's adapter and `ridgeline ais` find the same behaviours."""

from __future__ import annotations

from pathlib import Path

from ridgeline.app.edge_site import load_adapter
from ridgeline.app.vessels import AisRequest, judge_ais
from ridgeline.config.maritime import MaritimeConfig
from ridgeline.maritime.judging import BehaviourStream
from ridgeline.maritime.sources import AisSource
from ridgeline.model import Event, MessageType
from tests.maritime.scenario import offshore, write_csv
from tests.maritime.test_behaviour import meeting


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
