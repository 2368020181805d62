"""An export's records read by field name, each value checked, each failure located."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Self

from connectors.native.days import ISO_DAY, ISO_DAY_LOOSE, DayFormat
from connectors.native.errors import InvalidExport


class Fields(ABC):
    """The values of one record of an export, read by name, each failure an InvalidExport."""

    #: What an error says of a required value that is absent.
    missing: ClassVar[str] = "is missing"
    #: How the export writes a day.
    days: ClassVar[DayFormat] = ISO_DAY

    @abstractmethod
    def fail(self, name: str, problem: str) -> InvalidExport:
        """An error naming this record's file and line, and the field ``name``."""

    @abstractmethod
    def optional_text(self, name: str) -> str | None:
        """The value as text; None if absent or empty."""

    def text(self, name: str) -> str:
        """Text that must be present."""
        value = self.optional_text(name)
        if value is None:
            raise self.fail(name, self.missing)
        return value

    def optional_code(self, name: str, allowed: Collection[str]) -> str | None:
        """A code from ``allowed``, or None if absent."""
        value = self.optional_text(name)
        if value is not None and value not in allowed:
            raise self.fail(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def code(self, name: str, allowed: Collection[str]) -> str:
        """A code from ``allowed`` that must be present."""
        value = self.optional_code(name, allowed)
        if value is None:
            raise self.fail(name, self.missing)
        return value

    def optional_day(self, name: str) -> date | None:
        """A day written as :attr:`days` says, or None if absent."""
        value = self.optional_text(name)
        if value is None:
            return None
        try:
            return self.days.read(value)
        except ValueError:
            raise self.fail(name, f"{value!r} is not a date {self.days.label}") from None

    def day(self, name: str) -> date:
        """A day that must be present."""
        value = self.optional_day(name)
        if value is None:
            raise self.fail(name, self.missing)
        return value


@dataclass(frozen=True)
class JsonFields(Fields):
    """One JSON object of an export; ``prefix`` places a nested one (``aliases[0].``)."""

    days = ISO_DAY_LOOSE

    values: Mapping[str, Any]
    path: Path
    line: int
    prefix: str = ""

    def fail(self, name: str, problem: str) -> InvalidExport:
        return InvalidExport(self.path, self.line, self.prefix + name, problem)

    def optional_text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {value!r}")
        return value

    def flag(self, name: str) -> bool:
        """true or false; absent is false."""
        value = self.values.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {value!r}")
        return value

    def objects(self, name: str) -> list[Self]:
        """A list of objects, each to be read like this one; absent is empty."""
        value = self.values.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail(name, "expected a list of objects")
        return [
            replace(self, values=item, prefix=f"{self.prefix}{name}[{index}].")
            for index, item in enumerate(value)
        ]

    def strings(self, name: str) -> list[str]:
        """A list of strings; absent is empty."""
        value = self.values.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, "expected a list of strings")
        return value


@dataclass(frozen=True)
class CsvRow(Fields):
    """One CSV row by column name, and its line in the file."""

    missing = "is blank"
    #: Whether a blank cell is a code like any other, allowed when a code list holds "".
    blank_is_a_code: ClassVar[bool] = False

    values: Mapping[str, str]
    path: Path
    line: int

    def fail(self, name: str, problem: str) -> InvalidExport:
        return InvalidExport(self.path, self.line, name, problem)

    def optional_text(self, name: str) -> str | None:
        return self.values[name].strip() or None

    def code(self, name: str, allowed: Collection[str]) -> str:
        if not self.blank_is_a_code:
            return super().code(name, allowed)
        value = self.values[name].strip()
        if value not in allowed:
            listed = ", ".join(sorted(code for code in allowed if code))
            raise self.fail(
                name, f"{value!r} is not one of {listed}" if listed else "must be blank"
            )
        return value
