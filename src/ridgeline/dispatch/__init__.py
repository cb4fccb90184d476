"""Dispatch: which unit reaches an alert first, and who goes where when several alerts are open.

:mod:`ridgeline.dispatch.eta` gives every unit's time to an alert from one reversed
travel-time search outward from the alert (per mode of travel); drones fly a straight
line.  :mod:`ridgeline.dispatch.assign` pairs several alerts with units so the total time
is least (the Hungarian method).  Results are dataclasses; nothing here prints.
"""
