"""Housing connector: the housing management system's CSV export (see FORMAT.md)."""

from connectors.housing.records import HousingBackend, InvalidExport

__all__ = ["HousingBackend", "InvalidExport"]
