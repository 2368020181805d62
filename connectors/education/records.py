"""Education: the pupil database's CSV export, read as people and findings.

The files, columns and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from broker.identity import Identity
from connectors import native
from connectors.education import findings
from connectors.native import UK_DAY, CsvRow, csv_rows
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


class Row(CsvRow):
    """One CSV row of the export; a blank cell is a code where the code list allows ""."""

    days = UK_DAY
    blank_is_a_code = True

    def count(self, column: str) -> int:
        """A whole number, zero or more."""
        value = self.text(column)
        if not value.isdigit():
            raise self.fail(column, f"{value!r} is not a whole number")
        return int(value)


def rows(folder: Path, name: str) -> Iterator[Row]:
    """The rows of one file of the export, after checking its header."""
    yield from csv_rows(folder / name, COLUMNS[name], Row)


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
        pupil.optional_text("Preferred Forename") or legal[0],
        pupil.optional_text("Preferred Surname") or legal[1],
    )
    names = [native.person_name(*legal, "CURRENT")]
    if preferred != legal:
        names.append(native.person_name(*preferred, "KNOWN_AS"))
    born = pupil.optional_day("DOB")
    lines = [
        line
        for column in ("Address Line 1", "Address Line 2", "Address Line 3")
        if (line := pupil.optional_text(column))
    ]
    postcode = pupil.optional_text("Postcode")
    addresses = []
    if lines or postcode:
        addresses.append(
            native.address(
                lines,
                pupil.optional_text("Town"),
                native.normal_postcode(postcode),
                from_date=pupil.optional_day("Address Start Date"),
                to_date=None,
            )
        )
    return native.person(
        AGENCY,
        upn,
        names=names,
        date_of_birth=native.date_of_birth(born),
        gender=GENDERS[pupil.code("Gender", GENDERS)],
        addresses=addresses,
        identifiers=[{"scheme": "UNIQUE_PUPIL_NUMBER", "value": upn, "issuer": None}],
    )
