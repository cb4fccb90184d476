"""The warm-up reaches every numba kernel of the package, so no command compiles after it."""

from __future__ import annotations

import importlib
import pkgutil

from numba.core.registry import CPUDispatcher

import ridgeline
from ridgeline import warm


def _kernels() -> dict[str, CPUDispatcher]:
    """Every @njit function of the package, but those always inlined into their callers."""
    found: dict[str, CPUDispatcher] = {}
    for info in pkgutil.walk_packages(ridgeline.__path__, "ridgeline."):
        if not info.name.startswith(("ridgeline.terrain", "ridgeline.maritime")):  # the packages with kernels
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (isinstance(value, CPUDispatcher) and value.py_func.__module__ == info.name
                    and value.targetoptions.get("inline") != "always"):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_kernel_has_code_after_the_warm_up() -> None:
    kernels = _kernels()
    assert "ridgeline.terrain._sweep.sweep_viewshed" in kernels
    assert "ridgeline.maritime._passes.proximity_pass" in kernels
    steps: list[str] = []
    warm.warm(lambda name, i, n: steps.append(f"{i}/{n} {name}"))
    assert steps[0] == f"1/{len(warm.STEPS)} terrain kernels for float32 DEMs"
    # numba's on-disk index of each kernel (its own; numba is pinned) lists the compiled code kept
    # for the kernel's source as it is now: a kernel called only from other kernels is never
    # loaded by itself from the cache, so its in-memory signatures would not say
    cold = sorted(name for name, kernel in kernels.items() if not kernel._cache._cache_file._load_index())
    assert cold == []
    # the exact viewshed for each type of heights the DEM readers keep
    sweep = kernels["ridgeline.terrain._sweep.sweep_viewshed"]
    assert {str(sig[0].dtype) for sig in sweep.signatures} >= {"float32", "int16"}
