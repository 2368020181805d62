"""The door of MASH Exchange: the ``mash`` command and the demo.

The only package that wires ``broker/``, ``agents/`` and ``connectors/`` together.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mash-exchange")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
