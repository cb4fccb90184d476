"""Ridgeline: watch a long perimeter over hard terrain."""

__version__ = "0.1.0"
