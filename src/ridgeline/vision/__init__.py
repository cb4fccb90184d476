"""Vision: video input, motion detection, tracking, zones and lines, pixel-to-map."""
