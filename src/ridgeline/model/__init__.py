"""Domain types of the flow (detection, track, event, alert, incident, dispatch)."""
