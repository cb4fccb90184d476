"""The built-in World Port Index: read once, every port with a radius by harbour size; bad files named."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ridgeline.config.maritime import WorldPortRadii
from ridgeline.errors import DataFileNotFoundError, PortListError
from ridgeline.maritime.worldports import COLUMNS, read_world_ports, world_ports


def test_the_built_in_list_has_the_index_and_knows_the_strait_of_gibraltar() -> None:
    ports = read_world_ports()
    assert len(ports) == 3803  # NGA's UpdatedPub150.csv as shipped
    assert len({p.wpi for p in ports}) == 3799  # NGA gives four index numbers to two entries each
    by_name = {p.name: p for p in ports}
    ceuta = by_name["Ceuta"]
    assert (ceuta.wpi, ceuta.country, ceuta.harbour_size) == (45730, "Spain", "Medium")
    assert (ceuta.lat, ceuta.lon) == pytest.approx((35.9, -5.316667))
    assert by_name["Tangier-Mediterranean"].harbour_size == "Large"
    assert read_world_ports() is ports  # read once


def test_each_world_port_reaches_as_far_as_its_harbour_size_says() -> None:
    radii = WorldPortRadii(very_small=1000, small=2000, medium=4000, large=8000)
    ports = {p.name: p for p in world_ports(radii)}
    assert ports["Ceuta"].radius_m == 4000 and ports["Ceuta"].id == "wpi-45730"
    assert ports["Tangier-Mediterranean"].radius_m == 8000
    assert ports["Algeciras"].radius_m == 2000
    assert ports["Thorlakshofn"].radius_m == 2000  # no size given: as small
    assert radii.for_size("Very Small") == 1000


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ports.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(text)
    return path


def test_a_port_file_with_a_bad_number_names_the_file_line_and_field(tmp_path: Path) -> None:
    header = ",".join(COLUMNS) + "\n"
    path = _write(tmp_path, header + "1,Here,Spain,36.1,-5.3,Small,\n2,There,Spain,north,-5.3,Small,\n")
    with pytest.raises(PortListError, match=r"ports\.csv\.gz: line 3: field lat is 'north'"):
        read_world_ports(path)
    path = _write(tmp_path, header + "1,Here,Spain,96.1,-5.3,Small,\n")
    with pytest.raises(PortListError, match=r"line 2: field lat is 96.1, outside"):
        read_world_ports(path)


def test_a_port_file_with_a_wrong_header_or_row_or_not_gzipped_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PortListError, match="line 1: the header must be wpi,name"):
        read_world_ports(_write(tmp_path, "id,name,lat,lon\n1,Here,36.1,-5.3\n"))
    with pytest.raises(PortListError, match="line 2: 3 fields, expected 7"):
        read_world_ports(_write(tmp_path, ",".join(COLUMNS) + "\n1,Here,Spain\n"))
    plain = tmp_path / "plain.csv.gz"
    plain.write_text(",".join(COLUMNS) + "\n")
    with pytest.raises(PortListError, match=r"plain\.csv\.gz: not a gzipped UTF-8 CSV"):
        read_world_ports(plain)
    with pytest.raises(DataFileNotFoundError, match=r"missing\.csv\.gz: port list not found"):
        read_world_ports(tmp_path / "missing.csv.gz")
