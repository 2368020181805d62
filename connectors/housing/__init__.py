"""Housing connector: the housing management system's CSV export (see FORMAT.md)."""

from connectors.housing.records import HousingBackend
from connectors.native import InvalidExport

__all__ = ["HousingBackend", "InvalidExport"]
