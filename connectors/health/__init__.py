"""Health connector: FHIR R4 patient bundles (``FORMAT.md``) mapped to people and findings."""

from connectors.health.records import HealthBackend
from connectors.native import InvalidExport

__all__ = ["HealthBackend", "InvalidExport"]
