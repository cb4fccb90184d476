"""tools/world_ports.py: NGA's UpdatedPub150.csv in, the compact built-in list out, the same bytes each time."""

from __future__ import annotations

import csv
import gzip
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from ridgeline.maritime.worldports import read_world_ports

TOOL = Path(__file__).resolve().parents[2] / "tools" / "world_ports.py"
NGA_HEADER = ["OID_", "World Port Index Number", "Region Name", "Main Port Name", "Alternate Port Name",
              "UN/LOCODE", "Country Code", "Harbor Size", "Harbor Type", "Latitude", "Longitude"]


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("world_ports_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nga_csv(path: Path, rows: list[list[str]], header: list[str] = NGA_HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # NGA's file starts with a byte-order mark
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_nga_rows_become_the_compact_list_sorted_by_index_number(tmp_path: Path) -> None:
    source = nga_csv(tmp_path / "UpdatedPub150.csv", [
        ["1.0", "45730.0", "Spain -- 38320", "Ceuta", " ", "ES CEU", "Spain", "Medium", "Coastal (Breakwater)",
         "35.899999999999999", "-5.316667000000000"],
        ["0.0", "38310.0", "Spain -- 38320", "Algeciras", " ", "ES ALG", "Spain", "Small", "Coastal (Breakwater)",
         "36.133333000000000", "-5.433333000000000"],
    ])
    out = tmp_path / "ports.csv.gz"
    assert tool().convert(source, out) == 2
    assert gzip.decompress(out.read_bytes()).decode().splitlines() == [
        "wpi,name,country,lat,lon,harbour_size,harbour_type",
        "38310,Algeciras,Spain,36.133333,-5.433333,Small,Coastal (Breakwater)",
        "45730,Ceuta,Spain,35.900000,-5.316667,Medium,Coastal (Breakwater)",
    ]
    first = out.read_bytes()
    tool().convert(source, tmp_path / "again.csv.gz")
    assert (tmp_path / "again.csv.gz").read_bytes() == first  # no name or time in the header: same input, same bytes
    assert [p.name for p in read_world_ports(out)] == ["Algeciras", "Ceuta"]


def test_a_file_that_is_not_nga_s_is_refused_by_name(tmp_path: Path) -> None:
    source = nga_csv(tmp_path / "other.csv", [["1", "x"]], header=["id", "name"])
    with pytest.raises(SystemExit, match=r"other\.csv: not NGA's UpdatedPub150\.csv \(no column World Port Index"):
        tool().convert(source, tmp_path / "out.csv.gz")
