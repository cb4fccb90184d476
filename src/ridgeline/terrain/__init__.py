"""Terrain engine: DEMs, viewsheds, coverage, blind spots, siting and radio line of sight."""
