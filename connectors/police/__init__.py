"""Police connector: a force records system's JSON Lines export (see FORMAT.md)."""

from connectors.native import InvalidExport
from connectors.police.records import PoliceBackend

__all__ = ["InvalidExport", "PoliceBackend"]
