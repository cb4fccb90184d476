"""Word on the log when a numba kernel compiles instead of loading from numba's cache.

The kernels (``@njit(cache=True)`` in terrain and maritime) are compiled once per argument
type and kept in numba's on-disk cache; ``make setup`` fills that cache ahead
(:mod:`ridgeline.warm`).  A compile that still happens at run time (a cache emptied, a
source edited, a DEM type not seen before) keeps a command waiting, so it is said once per
package and process, on the ``ridgeline.jit`` logger (stderr when logging is not set up).

A low layer: it imports nothing of ours; the kernel modules that import it import numba anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from numba.core import event

log = logging.getLogger("ridgeline.jit")

Describe = Callable[[str, tuple[Any, ...]], str]
"""A package's words for one compile: (kernel name, numba argument types) -> ``for int16 DEMs``."""

_packages: dict[str, tuple[str, Describe | None]] = {}
_said: set[str] = set()
_lock = threading.Lock()
_registered = False


def announce_compiles(module: str, what: str, describe: Describe | None = None) -> None:
    """Say once when a kernel of the modules under ``module`` compiles: ``compiling {what} kernels``.

    ``describe`` adds what the compile is for (``for int16 DEMs``).  Safe to call many times.
    """
    global _registered
    with _lock:
        _packages[module] = (what, describe)
        if _registered:
            return
        event.register("numba:compile", _Listener())  # type: ignore[no-untyped-call]
        _registered = True


def for_grids(noun: str) -> Describe:
    """Words for kernels whose first argument is a grid: ``for int16 DEMs``."""

    def describe(name: str, args: tuple[Any, ...]) -> str:
        dtype = getattr(args[0], "dtype", None) if args else None
        return f"for {dtype} {noun}" if dtype is not None and getattr(args[0], "ndim", 0) == 2 else ""

    return describe


def said() -> frozenset[str]:
    """The packages whose compiles this process has announced (for tests)."""
    return frozenset(_said)


def _announce(dispatcher: Any, args: tuple[Any, ...]) -> None:
    func = getattr(dispatcher, "py_func", None)
    module = getattr(func, "__module__", "") or ""
    with _lock:
        packages = list(_packages.items())
    for prefix, (what, describe) in packages:
        if module != prefix and not module.startswith(prefix + "."):
            continue
        with _lock:
            if prefix in _said:
                return
            _said.add(prefix)
        detail = describe(func.__name__, args) if describe is not None and func is not None else ""
        log.warning(
            "compiling %s kernels%s (first run only; `make setup` or `python -m ridgeline.warm` "
            "does this ahead)...", what, f" {detail}" if detail else "",
        )
        return


class _Listener(event.Listener):
    """numba's compile events: the start of one is a cache miss (a cache hit fires none)."""

    def on_start(self, ev: Any) -> None:
        data = ev.data or {}
        _announce(data.get("dispatcher"), tuple(data.get("args") or ()))

    def on_end(self, ev: Any) -> None:
        pass
