"""Probation connector: a probation case management system's JSON export (see FORMAT.md)."""

from connectors.probation.records import InvalidExport, ProbationBackend

__all__ = ["InvalidExport", "ProbationBackend"]
