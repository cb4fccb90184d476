"""Anchorages learned where several vessels stop; listed ports with their own radius."""

from __future__ import annotations

import pytest

from ridgeline.config.maritime import Port
from ridgeline.maritime.anchorages import Anchorages, occasions


def test_an_anchorage_needs_enough_distinct_vessels_nearby() -> None:
    places = Anchorages(min_vessels=3, cell_m=1000)
    assert places.add_stop(1, 55.0, 10.0) is None
    assert places.add_stop(1, 55.0001, 10.0) is None  # the same vessel again
    assert places.add_stop(2, 55.001, 10.001) is None
    learned = places.add_stop(3, 55.009, 10.0)  # the next cell north: neighbours count
    assert learned is not None and learned.learned and learned.vessels == 3
    assert places.within(55.003, 10.0, 3000) is not None
    assert places.within(55.2, 10.0, 3000) is None


def test_listed_ports_use_their_own_radius() -> None:
    places = Anchorages(ports=[Port(id="p", lon=10.0, lat=55.0, radius_m=500)], learn=False)
    assert places.within(55.003, 10.0, 3000) is not None  # 330 m
    assert places.within(55.01, 10.0, 3000) is None  # 1.1 km: outside its 500 m
    assert places.add_stop(1, 56.0, 10.0) is None


def test_occasions_are_groups_of_stops_that_overlap_in_time() -> None:
    assert occasions([]) == 0
    assert occasions([(0, 10), (5, 20), (30, 40)]) == 2
    assert occasions([(30, 40), (0, 100)]) == 1  # inside a longer one
    assert occasions([(0, 10), (10.5, 11), (12, 13)]) == 3


def test_a_place_one_vessel_comes_back_to_is_a_berth_but_two_boats_stopping_together_are_not() -> None:
    places = Anchorages(min_vessels=4, min_occasions=2)
    assert places.add_stop(1, 55.0, 10.0, 0.0, 3600.0) is None
    assert places.add_stop(1, 55.0, 10.0, 0.0, 7200.0) is None  # the same stop, told again when it ended
    assert places.add_stop(2, 55.0005, 10.0, 1800.0, 5000.0) is None  # a second boat, at the same time
    assert places.add_stop(3, 55.05, 10.0, 90_000.0, 95_000.0) is None  # another place
    berth = places.add_stop(1, 55.0002, 10.0, 86_400.0, 90_000.0)  # vessel 1 again, the next day
    assert berth is not None and berth.source == "learned" and berth.occasions == 2 and berth.vessels == 2
    assert places.within(55.0, 10.0, 3000, "learned") is berth
    assert places.within(55.0, 10.0, 3000, "listed") is None


def test_world_ports_are_their_own_source_and_the_deepest_place_wins() -> None:
    listed = Port(id="quay", lon=10.0, lat=55.0, radius_m=400)
    world = Port(id="wpi-1", name="Big Harbour", lon=10.02, lat=55.0, radius_m=5000)
    places = Anchorages(ports=[listed], world=[world], learn=False)
    assert [a.source for a in places.all()] == ["listed", "world"]
    assert places.within(55.0, 10.001, 3000) == places.all()[0]  # 64 m into 400 m: deeper than 1.2 km into 5 km
    assert places.within(55.0, 10.01, 3000) == places.all()[1]  # outside the quay
    d, radius, k = places.nearest(55.0, 10.001, "world")
    assert k == 1 and radius == 5000 and d == pytest.approx(1216, abs=5)
