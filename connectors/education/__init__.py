"""Education connector: the pupil database's CSV export (see FORMAT.md)."""

from connectors.education.records import EducationBackend
from connectors.native import InvalidExport

__all__ = ["EducationBackend", "InvalidExport"]
