"""Anchorages learned where several vessels stop; listed ports with their own radius."""

from __future__ import annotations

from ridgeline.config.maritime import Port
from ridgeline.maritime.anchorages import Anchorages


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
