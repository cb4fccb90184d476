"""Vessels: AIS and radar input, vessel tracks, and behaviour detectors (encounter, loitering,
AIS gap, landing, restricted waters, dark targets)."""
