"""Rules: events to alerts, correlation, schedules, the alert lifecycle and escalation."""
