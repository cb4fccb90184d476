"""The sector file: schema and loading."""

from ridgeline.config.sector import Sector, load_sector

__all__ = ["Sector", "load_sector"]
