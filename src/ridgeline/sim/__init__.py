"""Scenario simulation: actors moving over the terrain, and the sensors that sense them."""
