"""CSV positions: common column names found, --columns for the rest, bad rows counted, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ridgeline.errors import AisInputError, DataFileNotFoundError
from ridgeline.maritime.csvinput import ColumnMap, CsvReader
from ridgeline.maritime.positions import Positions


def read(path: Path, columns: str | None = None) -> tuple[Positions, CsvReader]:
    reader = CsvReader(path, ColumnMap.parse(columns) if columns else None)
    return Positions.concat(list(reader.chunks())), reader


def test_baltic_style_header_epoch_milliseconds(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text('"timestamp";"mmsi";"lat";"long";"sog";"cog";"shipType";"name"\n'
                 '1522559988000;205366000;54.53;10.31;4;159.9;"TANKER";"TEMSE"\n'
                 'oops;205366000;54.53;10.31;4;159.9;"TANKER";"TEMSE"\n'
                 '1522559999000;205366000;95.0;10.31;4;159.9;"TANKER";"TEMSE"\n')
    p, reader = read(f)
    assert p.time.tolist() == [1522559988.0] and p.lon.tolist() == [10.31]
    assert dict(reader.rejected) == {"bad_field": 1, "out_of_range": 1}
    assert reader.statics[205366000].name == "TEMSE" and reader.statics[205366000].ship_type == "tanker"


def test_gibraltar_style_header_speed_times_ten_and_text_times(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    f.write_text("MMSI;STATUS;SPEED_KNOTSx10;LON;LAT;COURSE;TIMESTAMP_UTC;VESSEL_TYPE;LENGTH\n"
                 "224205230;7;30;-5.15;36.38;189;2016-06-01 04:43:49;Fishing;17.0\n")
    p, reader = read(f)
    assert p.sog_kn.tolist() == [pytest.approx(3.0)]
    assert p.time.tolist() == [1464756229.0]
    assert reader.statics[224205230].length_m == 17.0


def test_explicit_columns_scale_and_time_format(tmp_path: Path) -> None:
    f = tmp_path / "odd.csv"
    f.write_text("when,who,north,east,v\n25/11/2026 10:00:00,123456789,55.5,10.5,200\n")
    p, _ = read(f, "time=when,mmsi=who,lat=north,lon=east,sog=v*0.01,time_format=%d/%m/%Y %H:%M:%S")
    assert p.sog_kn.tolist() == [pytest.approx(2.0)] and p.lat.tolist() == [55.5]


def test_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(AisInputError, match=r"x\.csv: no column for time, mmsi, lat, lon"):
        read(f)
    with pytest.raises(AisInputError, match="no such column"):
        read(f, "time=nope,mmsi=a,lat=b,lon=c")
    with pytest.raises(AisInputError, match="unknown field 'speed'"):
        ColumnMap.parse("speed=a")
    with pytest.raises(DataFileNotFoundError, match="not found"):
        read(tmp_path / "missing.csv")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=8), max_size=10))
@example(rows=[[";'", "'"]])  # a sniffer of the whole sample once split the header on this row's quote
def test_hostile_rows_never_raise(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]) -> None:
    f = tmp_path_factory.mktemp("csv") / "h.csv"
    body = "\n".join(",".join(c.replace("\n", " ").replace("\r", " ").replace(",", ";") for c in r) for r in rows)
    f.write_text("timestamp,mmsi,lat,lon,sog\n" + body + "\n", encoding="utf-8", errors="replace")
    p, reader = read(f)
    assert len(p) + sum(reader.rejected.values()) == reader.rows


def test_anonymised_ids_and_hashes_are_read_as_vessels_and_their_texts_kept(tmp_path: Path) -> None:
    f = tmp_path / "anon.csv"
    f.write_text("t,vessel_id,lat,lon\n"
                 "1000,1,55.0,10.0\n1000,2,55.1,10.0\n1060,1.0,55.0,10.001\n"
                 "1060,e3b0c44298fc,55.2,10.0\n1120,NULL,55.2,10.0\n")
    p, reader = read(f)
    assert p.vessel[:3].tolist() == [1, 2, 1] and reader.ids.label(int(p.vessel[3])) == "e3b0c44298fc"
    assert dict(reader.rejected) == {"bad_field": 1} and not reader.ids.are_mmsis
    mmsi = tmp_path / "mmsi.csv"
    mmsi.write_text("t,mmsi,lat,lon\n1000,219000001,55.0,10.0\n1000,992191001,55.1,10.0\n1060,219000002,55.0,10.0\n")
    assert read(mmsi)[1].ids.are_mmsis
