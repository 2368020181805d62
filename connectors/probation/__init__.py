"""Probation connector: a probation case management system's JSON export (see FORMAT.md)."""

from connectors.native import InvalidExport
from connectors.probation.records import ProbationBackend

__all__ = ["InvalidExport", "ProbationBackend"]
