"""Siting: lazy greedy against the exact integer program and against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.terrain.siting import exact_siting, greedy_siting


def brute_force(sees: np.ndarray, weights: np.ndarray, blind: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(sees.shape[0]), min(k, sees.shape[0])):
        covered = sees[list(combo)].any(axis=0) & blind
        best = max(best, float(weights[covered].sum()))
    return best


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 7).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=n, max_size=n),
            st.lists(st.floats(1, 100), min_size=12, max_size=12),
            st.lists(st.booleans(), min_size=12, max_size=12),
            st.integers(1, 3),
        )
    )
)
def test_exact_is_optimal_and_greedy_close(case) -> None:  # type: ignore[no-untyped-def]
    sees_l, w_l, blind_l, k = case
    sees = np.array(sees_l, dtype=bool)
    weights = np.array(w_l)
    blind = np.array(blind_l, dtype=bool)
    best = brute_force(sees, weights, blind, k)
    exact = exact_siting(sees, weights, blind, k)
    greedy = greedy_siting(sees, weights, blind, k)
    assert exact.total_gain_m == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert greedy.total_gain_m <= best + 1e-6
    assert greedy.total_gain_m >= (1 - 1 / np.e) * best - 1e-6
    assert len(greedy.chosen) <= k and len(set(greedy.chosen)) == len(greedy.chosen)
    assert all(g > 0 for g in greedy.gains_m)
    assert greedy.gains_m == sorted(greedy.gains_m, reverse=True)


def test_greedy_picks_the_big_one_first() -> None:
    sees = np.zeros((3, 10), dtype=bool)
    sees[0, :6] = True
    sees[1, 5:8] = True
    sees[2, 8:] = True
    plan = greedy_siting(sees, np.ones(10), np.ones(10, dtype=bool), 2)
    assert plan.chosen == [0, 1] and plan.gains_m == [6.0, 2.0]


def test_nothing_to_gain() -> None:
    sees = np.ones((4, 5), dtype=bool)
    plan = greedy_siting(sees, np.ones(5), np.zeros(5, dtype=bool), 3)
    assert plan.chosen == [] and plan.total_gain_m == 0.0
