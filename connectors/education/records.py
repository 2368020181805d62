"""Education: the pupil database's CSV export, read as people and findings.

The files, columns and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from broker.errors import MashError
from connectors.education import findings
from connectors.identity import Identity
from connectors.records import AgencyRecord

AGENCY = "education"
#: Each file of the export and the columns it must have.
COLUMNS: dict[str, tuple[str, ...]] = {
    "pupils.csv": (
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Surname",
        "Preferred Forename",
        "DOB",
        "Gender",
        "Address Line 1",
        "Address Line 2",
        "Address Line 3",
        "Town",
        "Postcode",
        "Address Start Date",
        "School URN",
        "School Name",
        "FSM Eligible",
        "SEN Provision",
        "EHCP",
        "Primary SEN Need",
    ),
    "attendance.csv": (
        "UPN",
        "Academic Year",
        "Period Start",
        "Period End",
        "Possible Sessions",
        "Attended Sessions",
        "Authorised Absence",
        "Unauthorised Absence",
    ),
    "exclusions.csv": ("UPN", "Start Date", "Category", "Sessions", "Reason"),
    "school_history.csv": (
        "UPN",
        "School URN",
        "School Name",
        "Entry Date",
        "Leaving Date",
        "Leaving Reason",
    ),
    "cme.csv": ("UPN", "Date Reported", "Status", "Notes"),
}
GENDERS = {"F": "FEMALE", "M": "MALE", "": "UNKNOWN"}
_UPN = re.compile(r"[A-Z]\d{11}[0-9A-Z]")
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


class InvalidExport(MashError):
    """The education export does not follow FORMAT.md; names the file, line and column."""

    def __init__(self, path: Path, line: int | None, field: str | None, problem: str) -> None:
        where = (
            str(path) + (f", line {line}" if line else "") + (f", field {field}" if field else "")
        )
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Row:
    """One CSV row by column name, and where it is, for errors."""

    path: Path
    line: int
    values: dict[str, str]

    def fail(self, column: str | None, problem: str) -> InvalidExport:
        """An error naming this row's file, line and ``column``."""
        return InvalidExport(self.path, self.line, column, problem)

    def optional(self, column: str) -> str | None:
        """The value, stripped; None if blank."""
        return self.values[column].strip() or None

    def text(self, column: str) -> str:
        """A value that must not be blank."""
        value = self.optional(column)
        if value is None:
            raise self.fail(column, "is blank")
        return value

    def code(self, column: str, allowed: Collection[str]) -> str:
        """A value from a code list (blank only if the list allows "")."""
        value = self.values[column].strip()
        if value not in allowed:
            listed = ", ".join(sorted(code for code in allowed if code))
            raise self.fail(
                column, f"{value!r} is not one of {listed}" if listed else "must be blank"
            )
        return value

    def optional_day(self, column: str) -> date | None:
        """A DD/MM/YYYY date, or None if blank."""
        value = self.optional(column)
        if value is None:
            return None
        try:
            if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):
                raise ValueError(value)
            return datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            raise self.fail(column, f"{value!r} is not a date DD/MM/YYYY") from None

    def day(self, column: str) -> date:
        """A DD/MM/YYYY date that must be present."""
        value = self.optional_day(column)
        if value is None:
            raise self.fail(column, "is blank")
        return value

    def count(self, column: str) -> int:
        """A whole number, zero or more."""
        value = self.text(column)
        if not value.isdigit():
            raise self.fail(column, f"{value!r} is not a whole number")
        return int(value)


def rows(folder: Path, name: str) -> Iterator[Row]:
    """The rows of one file of the export, after checking its header."""
    path = folder / name
    if not path.is_file():
        raise InvalidExport(path, None, None, "the file is missing from the export")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [column.strip() for column in next(reader, [])]
            missing = [column for column in COLUMNS[name] if column not in header]
            if missing:
                raise InvalidExport(path, 1, missing[0], "the column is missing from the header")
            start = reader.line_num + 1
            for values in reader:
                line, start = start, reader.line_num + 1
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(header):
                    raise InvalidExport(
                        path, line, None, f"expected {len(header)} fields, found {len(values)}"
                    )
                yield Row(path, line, dict(zip(header, values, strict=True)))
        except csv.Error as exc:
            raise InvalidExport(path, reader.line_num, None, f"not valid CSV: {exc}") from exc


def valid_upn(upn: str) -> bool:
    """A UPN's shape, and for a permanent UPN its check letter (DfE UPN guide)."""
    if not _UPN.fullmatch(upn):
        return False
    if not upn[-1].isdigit():  # a temporary UPN ends in a letter and has no check letter
        return True
    weighted = sum(int(digit) * weight for digit, weight in zip(upn[1:], range(2, 14), strict=True))
    return upn[0] == _UPN_CHECK_LETTERS[weighted % 23]


class EducationBackend:
    """Reads the pupil database export: pupils, attendance, exclusions, school history, CME."""

    agency = AGENCY

    def load(self, folder: Path) -> Iterator[AgencyRecord]:
        """Every pupil of ``pupils.csv``, in the file's order.

        Raises:
            InvalidExport: a file is missing or a row does not follow FORMAT.md.
        """
        pupils = {row.values["UPN"].strip(): row for row in _pupil_rows(folder)}
        events: dict[str, list[Row]] = defaultdict(list)
        for name in ("attendance.csv", "exclusions.csv", "school_history.csv", "cme.csv"):
            for row in rows(folder, name):
                upn = row.text("UPN")
                if upn not in pupils:
                    raise row.fail("UPN", f"{upn} is not in pupils.csv")
                events[upn].append(row)
        for upn, pupil in pupils.items():
            person = recorded_person(pupil)
            yield AgencyRecord(
                record_id=upn,
                identity=Identity.from_person(person),
                person=person,
                findings=findings.pupil_findings(pupil, events[upn]),
            )


def _pupil_rows(folder: Path) -> Iterator[Row]:
    seen: set[str] = set()
    for row in rows(folder, "pupils.csv"):
        upn = row.text("UPN")
        if not valid_upn(upn):
            raise row.fail("UPN", f"{upn!r} is not a unique pupil number")
        if upn in seen:
            raise row.fail("UPN", f"{upn} appears twice")
        seen.add(upn)
        yield row


def recorded_person(pupil: Row) -> dict[str, Any]:
    """The pupil as a ``uk.mash.v1.Person`` value."""
    upn = pupil.text("UPN")
    legal = (pupil.text("Legal Forename"), pupil.text("Legal Surname"))
    preferred = (
        pupil.optional("Preferred Forename") or legal[0],
        pupil.optional("Preferred Surname") or legal[1],
    )
    names = [{"given_names": legal[0], "family_name": legal[1], "name_type": "CURRENT"}]
    if preferred != legal:
        names.append(
            {"given_names": preferred[0], "family_name": preferred[1], "name_type": "KNOWN_AS"}
        )
    born = pupil.optional_day("DOB")
    lines = [
        line
        for column in ("Address Line 1", "Address Line 2", "Address Line 3")
        if (line := pupil.optional(column))
    ]
    postcode = pupil.optional("Postcode")
    addresses = []
    if lines or postcode:
        addresses.append(
            {
                "lines": lines,
                "town": pupil.optional("Town"),
                "postcode": normal_postcode(postcode),
                "uprn": None,
                "from_date": pupil.optional_day("Address Start Date"),
                "to_date": None,
            }
        )
    return {
        "person_id": uuid.uuid5(uuid.NAMESPACE_URL, f"mash:{AGENCY}:person:{upn}"),
        "role": "OTHER",
        "names": names,
        "date_of_birth": {"date": born, "precision": "DAY"} if born else None,
        "gender": GENDERS[pupil.code("Gender", GENDERS)],
        "addresses": addresses,
        "identifiers": [{"scheme": "UNIQUE_PUPIL_NUMBER", "value": upn, "issuer": None}],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }


def normal_postcode(postcode: str | None) -> str | None:
    """Upper case with one space before the inward code, as the schema asks."""
    if not postcode:
        return None
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
