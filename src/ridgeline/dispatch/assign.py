"""Several alerts at once: which unit goes to which, so the total time to reach them is least.

The alerts' ETAs (:mod:`ridgeline.dispatch.eta`) form a cost matrix, alerts by units, and
:func:`scipy.optimize.linear_sum_assignment` (the Hungarian method) picks one unit per
alert, no unit twice.  A pair that cannot be travelled costs far more than any real
ETA, so the most alerts that can be reached are reached first and the total time of
those is least; an alert left with only such pairs (or with no unit left over) is
reported unassigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ridgeline.dispatch.eta import SceneEtas

#: the cost of a pair that cannot be travelled: above any sum of real ETAs, in minutes
_UNREACHABLE = 1e9


@dataclass(frozen=True)
class Assignment:
    """One unit sent to one alert, and its ETA."""

    alert_id: str
    unit_id: str
    minutes: float


@dataclass(frozen=True)
class DispatchPlan:
    """Who goes where: the pairs chosen, the alerts no unit can reach, and the total time."""

    assignments: list[Assignment]
    unassigned: list[str]
    """Alerts left without a unit (none reachable, or fewer units than alerts)."""

    @property
    def total_minutes(self) -> float:
        return sum(a.minutes for a in self.assignments)

    def unit_for(self, alert_id: str) -> str | None:
        return next((a.unit_id for a in self.assignments if a.alert_id == alert_id), None)


def eta_matrix(scenes: Sequence[SceneEtas]) -> tuple[np.ndarray, list[str]]:
    """Minutes, alerts by units (inf where a unit cannot reach an alert), and the units' ids in column order."""
    units = sorted({e.unit_id for s in scenes for e in s.etas})
    column = {u: j for j, u in enumerate(units)}
    cost = np.full((len(scenes), len(units)), np.inf)
    for i, s in enumerate(scenes):
        for e in s.etas:
            if e.minutes is not None:
                cost[i, column[e.unit_id]] = e.minutes
    return cost, units


def assign_units(scenes: Sequence[SceneEtas]) -> DispatchPlan:
    """One unit per alert, no unit twice, the least total ETA (the Hungarian method)."""
    from scipy.optimize import linear_sum_assignment

    cost, units = eta_matrix(scenes)
    if cost.size == 0:
        return DispatchPlan([], [s.scene.id for s in scenes])
    rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, _UNREACHABLE))
    chosen = {int(i): int(j) for i, j in zip(rows, cols, strict=True) if np.isfinite(cost[i, j])}
    assignments = [Assignment(scenes[i].scene.id, units[j], float(cost[i, j])) for i, j in sorted(chosen.items())]
    unassigned = [s.scene.id for i, s in enumerate(scenes) if i not in chosen]
    return DispatchPlan(assignments, unassigned)
