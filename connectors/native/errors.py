"""The one error of reading an export: where it breaks its format, and how."""

from __future__ import annotations

from pathlib import Path

from broker.errors import MashError


class InvalidExport(MashError):
    """An export does not follow its ``FORMAT.md``; names the file, line and field.

    ``line`` is None when the problem is the whole file or the format has no lines to
    speak of (a FHIR bundle); ``field`` is a column, a key, or the path to an element,
    e.g. ``aliases[0].surname`` or ``entry[2].resource.period.start``.
    """

    def __init__(self, path: Path, line: int | None, field: str | None, problem: str) -> None:
        where = (
            str(path) + (f", line {line}" if line else "") + (f", field {field}" if field else "")
        )
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
