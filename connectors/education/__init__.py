"""Education connector: the pupil database's CSV export (see FORMAT.md)."""

from connectors.education.records import EducationBackend, InvalidExport

__all__ = ["EducationBackend", "InvalidExport"]
