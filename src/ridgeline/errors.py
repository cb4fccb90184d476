"""The one exception hierarchy of Ridgeline.

Every error a user can cause is a ``RidgelineError``; each subclass also inherits the
built-in exception it resembles, so callers that catch ``ValueError`` or
``FileNotFoundError`` keep working.  The message always names the file, field or value
at fault, because it is printed to the operator as it is.

This module imports nothing of ours, so every layer may use it.
"""

from __future__ import annotations


class RidgelineError(Exception):
    """Base of every error Ridgeline raises on purpose."""


class ConfigError(RidgelineError, ValueError):
    """A sector file (or another configuration) is invalid."""


class DataFileNotFoundError(RidgelineError, FileNotFoundError):
    """A file named by the user or a sector file does not exist."""


class TerrainError(RidgelineError, ValueError):
    """A DEM cannot be used: wrong size, no CRS, all voids, unreadable."""


class OutsideTerrainError(RidgelineError, ValueError):
    """A point or line lies outside the terrain it is meant to be on."""


class SitingError(RidgelineError, ValueError):
    """A siting problem cannot be set up or solved."""


class AisInputError(RidgelineError, ValueError):
    """An AIS or radar input (file, columns, feed) cannot be read as asked."""
