"""Evaluations on data the project may not ship: scripts read it from a --data path."""
