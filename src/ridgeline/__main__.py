"""``python -m ridgeline``: the same as the ``ridgeline`` command."""

from ridgeline.cli import main

main()
