"""``python -m ridgeline.cli``: the ``ridgeline`` command."""

from ridgeline.cli import main

main()
