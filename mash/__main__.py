"""``python -m mash`` runs the ``mash`` command."""

from mash.cli import main

main()
