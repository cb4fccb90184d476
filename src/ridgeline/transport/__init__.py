"""Transport: the wire format, the edge's durable outbox, MQTT publishing and central ingest."""
