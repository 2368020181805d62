"""Housing: the housing management system's CSV export, read as people and findings.

The files, columns and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from broker.identity import Identity
from connectors import native
from connectors.housing import findings
from connectors.housing.findings import RELATIONSHIPS, TENURES
from connectors.native import ISO_DAY, CsvRow, csv_rows
from connectors.records import AgencyRecord

AGENCY = "housing"
COLUMNS: dict[str, tuple[str, ...]] = {
    "tenancies.csv": (
        "tenancy_ref",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "uprn",
        "start_date",
        "end_date",
        "tenure",
        "bedrooms",
    ),
    "household.csv": (
        "tenancy_ref",
        "person_ref",
        "surname",
        "forename",
        "date_of_birth",
        "gender",
        "relationship",
        "lead_tenant",
        "moved_in",
        "moved_out",
    ),
    "rent_accounts.csv": ("tenancy_ref", "balance", "weeks_in_arrears", "as_at"),
    "possession.csv": ("tenancy_ref", "stage", "stage_date"),
    "homelessness.csv": (
        "case_ref",
        "person_ref",
        "surname",
        "forename",
        "date_of_birth",
        "gender",
        "approach_date",
        "priority_need",
        "age_16_17",
        "ta_type",
        "placed_from",
        "placed_to",
    ),
    "asb_and_da.csv": ("report_ref", "tenancy_ref", "report_date", "type", "summary"),
}
GENDERS = {"F": "FEMALE", "M": "MALE", "X": "OTHER", "U": "UNKNOWN", "": "UNKNOWN"}
TENANCY_REF = re.compile(r"[A-Z]{2,4}-T-\d{6}")
PERSON_REF = re.compile(r"[A-Z]{2,4}-P-\d{8}")
CASE_REF = re.compile(r"[A-Z]{2,4}-H-\d{6}")
REPORT_REF = re.compile(r"[A-Z]{2,4}-R-\d{6}")


class Row(CsvRow):
    """One CSV row of the export; a blank cell is a code where the code list allows ""."""

    days = ISO_DAY
    blank_is_a_code = True

    def reference(self, column: str, pattern: re.Pattern[str]) -> str:
        """A reference in the shape ``pattern`` gives."""
        value = self.text(column)
        if not pattern.fullmatch(value):
            raise self.fail(column, f"{value!r} is not a reference like {pattern.pattern}")
        return value

    def amount(self, column: str) -> Decimal:
        """A decimal number such as ``1240.50`` or ``-12.00``."""
        value = self.text(column)
        try:
            if not re.fullmatch(r"-?\d+(\.\d{1,2})?", value):
                raise InvalidOperation(value)
            return Decimal(value)
        except InvalidOperation:
            raise self.fail(column, f"{value!r} is not an amount such as 1240.50") from None


def rows(folder: Path, name: str) -> Iterator[Row]:
    """The rows of one file of the export, after checking its header."""
    yield from csv_rows(folder / name, COLUMNS[name], Row)


@dataclass
class Resident:
    """One person of the export and every row that names them."""

    person_ref: str
    memberships: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)


@dataclass
class Export:
    """The whole export, checked, with rows grouped by tenancy."""

    tenancies: dict[str, Row] = field(default_factory=dict)
    members: dict[str, list[Row]] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    rent: dict[str, Row] = field(default_factory=dict)
    possession: dict[str, list[Row]] = field(default_factory=dict)
    reports: dict[str, list[Row]] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Export:
        """Read and check every file of the export in ``folder``."""
        export = cls()
        for row in rows(folder, "tenancies.csv"):
            export._tenancy(row)
        for row in rows(folder, "household.csv"):
            export._member(row)
        for ref, members in export.members.items():
            leads = [row for row in members if row.values["lead_tenant"].strip() == "Y"]
            if len(leads) != 1:
                place = leads[1] if leads else members[0]
                raise place.fail("lead_tenant", f"tenancy {ref} needs one lead tenant")
        for row in rows(folder, "rent_accounts.csv"):
            ref = export.tenancy_of(row)
            if ref in export.rent:
                raise row.fail("tenancy_ref", f"a second rent account for {ref}")
            row.amount("balance")
            row.day("as_at")
            if row.amount("weeks_in_arrears") < 0:
                raise row.fail("weeks_in_arrears", "must not be negative")
            export.rent[ref] = row
        for row in rows(folder, "possession.csv"):
            ref, stage = export.tenancy_of(row), findings.stage(row)
            row.day("stage_date")
            stages = export.possession.setdefault(ref, [])
            if any(findings.stage(other) == stage for other in stages):
                raise row.fail("stage", f"{ref} reached {stage} twice")
            stages.append(row)
        cases: set[str] = set()
        for row in rows(folder, "homelessness.csv"):
            export._case(row, cases)
        reports: set[str] = set()
        for row in rows(folder, "asb_and_da.csv"):
            ref = row.reference("report_ref", REPORT_REF)
            if ref in reports:
                raise row.fail("report_ref", f"{ref} appears twice")
            reports.add(ref)
            row.day("report_date")
            row.code("type", findings.REPORT_TYPES)
            row.text("summary")
            export.reports.setdefault(export.tenancy_of(row), []).append(row)
        return export

    def tenancy_of(self, row: Row) -> str:
        """The row's ``tenancy_ref``, which must be a tenancy of ``tenancies.csv``."""
        ref = row.text("tenancy_ref")
        if ref not in self.tenancies:
            raise row.fail("tenancy_ref", f"{ref} is not in tenancies.csv")
        return ref

    def _tenancy(self, row: Row) -> None:
        ref = row.reference("tenancy_ref", TENANCY_REF)
        if ref in self.tenancies:
            raise row.fail("tenancy_ref", f"{ref} appears twice")
        row.text("address_line_1")
        row.text("postcode")
        row.code("tenure", TENURES)
        start, end = row.day("start_date"), row.optional_day("end_date")
        if end and end < start:
            raise row.fail("end_date", "is before the start date")
        if not row.text("bedrooms").isdigit():
            raise row.fail("bedrooms", f"{row.text('bedrooms')!r} is not a whole number")
        self.tenancies[ref] = row

    def _member(self, row: Row) -> None:
        ref = self.tenancy_of(row)
        person = _person_details(row)
        relationship = row.code("relationship", RELATIONSHIPS)
        lead = row.code("lead_tenant", ("Y", "N"))
        if (lead == "Y") != (relationship == "SELF"):
            raise row.fail("relationship", "is SELF exactly when the person is the lead tenant")
        moved_in, moved_out = row.optional_day("moved_in"), row.optional_day("moved_out")
        if moved_in and moved_out and moved_out < moved_in:
            raise row.fail("moved_out", "is before moved_in")
        members = self.members.setdefault(ref, [])
        if any(other.values["person_ref"].strip() == person for other in members):
            raise row.fail("person_ref", f"{person} is twice in tenancy {ref}")
        members.append(row)
        self.residents.setdefault(person, Resident(person)).memberships.append(row)

    def _case(self, row: Row, cases: set[str]) -> None:
        ref = row.reference("case_ref", CASE_REF)
        if ref in cases:
            raise row.fail("case_ref", f"{ref} appears twice")
        cases.add(ref)
        person = _person_details(row)
        approached = row.day("approach_date")
        row.code("priority_need", ("Y", "N", ""))
        born = row.optional_day("date_of_birth")
        if (
            row.code("age_16_17", ("Y", "N")) == "Y"
            and born
            and not (16 <= native.age_on(born, approached) <= 17)
        ):
            raise row.fail("age_16_17", "the date of birth does not make them 16 or 17")
        placement = row.code("ta_type", (*findings.PLACEMENTS, ""))
        placed_from, placed_to = row.optional_day("placed_from"), row.optional_day("placed_to")
        if bool(placement) != bool(placed_from):
            raise row.fail("placed_from", "is given exactly when ta_type is")
        if placed_from and placed_to and placed_to < placed_from:
            raise row.fail("placed_to", "is before placed_from")
        self.residents.setdefault(person, Resident(person)).cases.append(row)

    def joined(self, membership: Row) -> date:
        """When the person began to live at the tenancy."""
        start = self.tenancies[membership.text("tenancy_ref")].day("start_date")
        moved_in = membership.optional_day("moved_in")
        return max(start, moved_in) if moved_in else start

    def left(self, membership: Row) -> date | None:
        """When the person stopped living at the tenancy; None while they live there."""
        end = self.tenancies[membership.text("tenancy_ref")].optional_day("end_date")
        moved_out = membership.optional_day("moved_out")
        return min(day for day in (end, moved_out) if day) if end or moved_out else None

    def address(self, membership: Row) -> dict[str, Any]:
        """The tenancy's address as a ``uk.mash.v1.Address``, dated for this person."""
        tenancy = self.tenancies[membership.text("tenancy_ref")]
        return native.address(
            [
                line
                for column in ("address_line_1", "address_line_2")
                if (line := tenancy.optional_text(column))
            ],
            tenancy.optional_text("town"),
            native.normal_postcode(tenancy.optional_text("postcode")),
            uprn=tenancy.optional_text("uprn"),
            from_date=self.joined(membership),
            to_date=self.left(membership),
        )


def _person_details(row: Row) -> str:
    """Check a row's person columns; returns the person reference."""
    person = row.reference("person_ref", PERSON_REF)
    row.text("surname")
    row.text("forename")
    row.optional_day("date_of_birth")
    row.code("gender", GENDERS)
    return person


class HousingBackend:
    """Reads the housing export: tenancies, households, rent, possession, homelessness, reports."""

    agency = AGENCY

    def load(self, folder: Path) -> Iterator[AgencyRecord]:
        """Every person of ``household.csv`` and then ``homelessness.csv``, in the files' order.

        Raises:
            InvalidExport: a file is missing or a row does not follow FORMAT.md.
        """
        export = Export.read(folder)
        for ref, resident in export.residents.items():
            person = recorded_person(export, resident)
            yield AgencyRecord(
                record_id=ref,
                identity=Identity.from_person(person),
                person=person,
                findings=findings.resident_findings(export, resident),
            )


def recorded_person(export: Export, resident: Resident) -> dict[str, Any]:
    """The person as a ``uk.mash.v1.Person`` value: the latest details first."""
    latest_first = sorted(resident.memberships, key=export.joined, reverse=True)
    names: dict[tuple[str, str], dict[str, Any]] = {}
    for row in [*latest_first, *resident.cases]:
        given, family = row.text("forename"), row.text("surname")
        name_type = "PREVIOUS" if names else "CURRENT"
        names.setdefault((given, family), native.person_name(given, family, name_type))
    latest = [*latest_first, *resident.cases][0]
    born = latest.optional_day("date_of_birth")
    addresses = [export.address(row) for row in latest_first]
    addresses.sort(key=lambda address: address["to_date"] is not None)
    tenancies = dict.fromkeys(
        row.text("tenancy_ref")
        for row in sorted(latest_first, key=lambda row: export.left(row) is not None)
    )
    return native.person(
        AGENCY,
        resident.person_ref,
        names=list(names.values()),
        date_of_birth=native.date_of_birth(born),
        gender=GENDERS[latest.code("gender", GENDERS)],
        addresses=addresses,
        identifiers=[
            *(
                {"scheme": "HOUSING_TENANCY_REFERENCE", "value": ref, "issuer": None}
                for ref in tenancies
            ),
            {"scheme": "OTHER", "value": resident.person_ref, "issuer": "housing person reference"},
        ],
    )
