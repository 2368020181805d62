"""Police connector: a force records system's JSON Lines export (see FORMAT.md)."""

from connectors.police.records import InvalidExport, PoliceBackend

__all__ = ["InvalidExport", "PoliceBackend"]
