"""Vessel ids: MMSIs told from anonymised ids by their rows, hashes kept as stable keys that print as written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.maritime.vesselids import (
    MAX_ID_LENGTH,
    TEXT_KEY_BASE,
    VesselIds,
    integer_id,
    plausible_mmsi,
    station_type,
)


@pytest.mark.parametrize(("n", "plausible"), [
    (219000001, True),  # a Danish ship
    (775000001, True),  # the last MID, Venezuela
    (776000001, False),  # no such MID
    (200000001, False),
    (2190067, True),  # 00 219 0067: a Danish coast station
    (21900007, True),  # 0 219 00007: a group of Danish ships
    (111219001, True),  # a SAR aircraft
    (992191001, True),  # an aid to navigation
    (982191001, True),  # a craft with a parent ship
    (970123456, True),  # a SART
    (971123456, False),
    (991001001, False),  # 99 100…: no such MID
    (1, False), (42, False), (19999, False), (0, False), (10**9, False),
])
def test_mmsi_forms_and_mids(n: int, plausible: bool) -> None:
    assert plausible_mmsi(n) is plausible


@pytest.mark.parametrize(("text", "value"), [
    ("205366000", 205366000), ("205366000.0", 205366000), ("002190067", 2190067), ("0", 0), ("17", 17),
    ("0042", None), ("1e5", None), ("-3", None), ("+3", None), ("1_000", None), ("12.5", None), ("٣", None),
    (str(TEXT_KEY_BASE), None),
])
def test_what_counts_as_an_integer_id(text: str, value: int | None) -> None:
    assert integer_id(text) == value


def test_ids_one_to_n_are_not_mmsis_and_are_their_own_keys() -> None:
    ids = VesselIds()
    assert [ids.key(str(k)) for k in range(1, 501)] == list(range(1, 501))
    assert not ids.are_mmsis and ids.kind == "id"
    assert ids.note() == "ids are not MMSIs (500 integers, 1..500): MMSI rules not applied"


def test_a_real_feed_stays_mmsi_with_a_few_odd_ids_among_its_rows() -> None:
    ids = VesselIds()
    for k in range(60):
        ids.key(str(219000000 + k))
    for odd in ("1", "2190067", "992191001", "ffff", "123"):
        ids.key(odd)
    assert ids.are_mmsis and ids.note() is None and ids.kind == "mmsi"


def test_half_the_rows_is_not_most() -> None:
    ids = VesselIds()
    for k in range(10):
        ids.key(str(219000000 + k))
        ids.key(str(k + 1))
    assert not ids.are_mmsis


def test_hash_ids_have_stable_keys_above_every_integer_and_print_as_written() -> None:
    first, second = VesselIds(), VesselIds()
    hashes = ["9f86d081884c7d65", "60303ae22b998861", "fd61a03af4f77d87"]
    keys = [first.key(h) for h in hashes]
    assert [second.key(h) for h in reversed(hashes)] == keys[::-1]  # the same in any file, in any order
    assert len(set(keys)) == 3 and all(k is not None and k >= TEXT_KEY_BASE for k in keys)
    assert [first.label(k) for k in keys if k is not None] == hashes
    assert first.key('"9f86d081884c7d65"') == keys[0]  # quoted the same vessel
    assert first.note() == "ids are not MMSIs (3 hashes or names): MMSI rules not applied"
    first.key("5906083992264932")  # a hash that happens to be all digits
    assert first.note() == "ids are not MMSIs (3 hashes or names and 1 integer): MMSI rules not applied"


def test_missing_and_overlong_ids_are_refused_with_a_reason() -> None:
    ids = VesselIds()
    for bad in ("", "NULL", " nan ", "x" * (MAX_ID_LENGTH + 1), "a\x00b"):
        assert ids.key(bad) is None and ids.refused == "bad_field"
    assert ids.rows == 0 and ids.are_mmsis  # nothing read: nothing to change


def test_an_nmea_input_is_mmsi_whatever_its_numbers() -> None:
    ids = VesselIds.mmsi()
    ids.key("1")
    assert ids.are_mmsis


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=30))
def test_any_cell_gets_a_key_or_a_reason_and_the_same_cell_the_same_key(cells: list[str]) -> None:
    ids = VesselIds()
    keys: dict[str, int] = {}
    for cell in cells:
        key = ids.key(cell)
        if key is None:
            assert ids.refused in ("bad_field", "too_many_ids")
            continue
        assert 0 <= key < 2**63  # fits int64
        assert keys.setdefault(cell, key) == key
        text = cell.strip().strip('"').strip()
        if key >= TEXT_KEY_BASE:
            assert ids.label(key) == text  # a hash or a name round-trips
        else:
            assert integer_id(text) == key
    texts = {c.strip().strip('"').strip() for c, k in keys.items() if k >= TEXT_KEY_BASE}
    assert len({keys[c] for c in keys if keys[c] >= TEXT_KEY_BASE}) == len(texts)  # distinct texts, distinct keys


@pytest.mark.parametrize(("ship_type", "station"), [
    ("Light, without Sectors", True), ("Port Hand Mark", True), ("Manned VTS", True), ("Reference Point", True),
    ("beacon, starboard hand", True), ("Navigation Aid", True), ("BASE_STATION", True), ("Cardinal Mark N", True),
    ("Fishing", False), ("SAR", False), ("Tug", False), ("Light Tug", False), ("Pilot Vessel", False), (None, False),
    ("LIGHTERAGE", False),
])
def test_the_types_that_are_not_vessels(ship_type: str | None, station: bool) -> None:
    assert station_type(ship_type) is station
