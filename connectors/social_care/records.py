"""Children's social care: a case management CSV export mapped to people, findings, allocations.

The files, columns and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from broker.identity import Identity
from connectors import native
from connectors.native import UK_DAY_LOOSE, CsvRow, InvalidExport
from connectors.records import AgencyRecord
from connectors.social_care.findings import CATEGORIES, CP_CATEGORIES, Involvement, finding

AGENCY = "social_care"
PEOPLE_FILE = "people.csv"
ADDRESS_HISTORY_FILE = "address_history.csv"
INVOLVEMENTS_FILE = "involvements.csv"
ALLOCATIONS_FILE = "allocations.csv"

ADDRESS_COLUMNS = ("address_line_1", "address_line_2", "address_line_3", "town", "postcode")
PEOPLE_COLUMNS = (
    *("person_id", "forenames", "surname", "preferred_name", "former_surname"),
    *("date_of_birth", "dob_estimated", "gender", "nhs_number", "upn", "early_help_id"),
    *ADDRESS_COLUMNS,
    "address_from",
)
ADDRESS_HISTORY_COLUMNS = ("person_id", *ADDRESS_COLUMNS, "from_date", "to_date")
INVOLVEMENT_COLUMNS = (
    "involvement_id",
    "person_id",
    "type",
    "start_date",
    "end_date",
    "category",
    "team",
)
ALLOCATION_COLUMNS = (
    *("child_id", "case_id", "team_key", "plan_type", "allocated_since", "updated_at"),
    *("worker_name", "worker_role", "worker_team", "worker_phone", "worker_email"),
)
GENDERS = {"F": "FEMALE", "M": "MALE", "O": "OTHER", "N": "NOT_STATED", "U": "UNKNOWN"}
#: Column -> IdentifierScheme symbol of the other ids the authority holds.
OTHER_IDS = {
    "nhs_number": "NHS_NUMBER",
    "upn": "UNIQUE_PUPIL_NUMBER",
    "early_help_id": "LOCAL_EARLY_HELP_ID",
}

INVOLVEMENT_TYPES = frozenset(
    {"REFERRAL", "ASSESSMENT", "EARLY_HELP", "CIN", "CP_PLAN", "LOOKED_AFTER", "SECTION_47"}
    | {"PRIVATE_FOSTERING"}
)
#: Involvement type -> the PlanType of its allocation and of a previous plan.
PLAN_TYPES = {
    "EARLY_HELP": "EARLY_HELP",
    "ASSESSMENT": "ASSESSMENT",
    "CIN": "CHILD_IN_NEED",
    "CP_PLAN": "CHILD_PROTECTION",
    "LOOKED_AFTER": "LOOKED_AFTER",
}
ALLOCATION_PLAN_TYPES = frozenset({"OTHER", *PLAN_TYPES.values()})


class Row(CsvRow):
    """One CSV row of the export and its line in the file; an empty cell is a missing value."""

    missing = "is empty"
    days = UK_DAY_LOOSE

    def codes(self, name: str, allowed: Collection[str]) -> list[str]:
        """Codes from ``allowed`` separated by ";", each once; none if the cell is empty."""
        values = [code.strip() for code in (self.optional_text(name) or "").split(";")]
        for code in values:
            if code and code not in allowed:
                raise self.fail(name, f"{code!r} is not one of {', '.join(sorted(allowed))}")
        return list(dict.fromkeys(code for code in values if code))

    def instant(self, name: str) -> datetime:
        """An ISO 8601 timestamp with a time zone, to the millisecond, in UTC."""
        value = self.text(name)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(name, f"{value!r} is not an ISO 8601 timestamp") from None
        if moment.tzinfo is None:
            raise self.fail(name, f"{value!r} has no time zone")
        if moment.microsecond % 1000:
            raise self.fail(name, f"{value!r} is finer than a millisecond")
        return moment.astimezone(UTC)


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[Row]:
    """The rows of a CSV file with a header row naming at least ``columns``."""
    if not path.is_file():
        raise InvalidExport(path, None, None, "the file is missing from the export")
    with path.open(encoding="utf-8", newline="") as lines:
        reader = csv.DictReader(lines)
        missing = [column for column in columns if column not in (reader.fieldnames or ())]
        if missing:
            raise InvalidExport(path, 1, missing[0], "the header has no such column")
        for values in reader:
            if None in values or any(value is None for value in values.values()):
                raise InvalidExport(path, reader.line_num, None, "wrong number of cells")
            yield Row(values, path, reader.line_num)


def _address(row: Row, from_column: str, to_column: str | None) -> dict[str, Any] | None:
    lines = [line for line in map(row.optional_text, ADDRESS_COLUMNS[:3]) if line]
    town, postcode = row.optional_text("town"), row.optional_text("postcode")
    if not (lines or town or postcode):
        return None
    return native.address(
        lines,
        town,
        postcode,
        from_date=row.optional_day(from_column),
        to_date=row.optional_day(to_column) if to_column else None,
    )


class SocialCareBackend:
    """Reads a children's social care export: people, address history, involvements, allocations."""

    agency = AGENCY

    def __init__(self, authority: str = "Wigan Council") -> None:
        self.authority = authority

    def load(self, folder: Path) -> Iterator[AgencyRecord]:
        """Every person in the export under ``folder``, with their findings.

        Raises:
            InvalidExport: a file is missing or a row does not follow FORMAT.md.
        """
        people = self._people(folder)
        involvements = _involvements(folder, people)
        for record_id, person in people.items():
            findings = tuple(finding(record_id, each) for each in involvements.get(record_id, []))
            yield AgencyRecord(record_id, Identity.from_person(person), person, findings)

    def allocations(self, folder: Path) -> list[dict[str, Any]]:
        """The ``uk.mash.v1.Allocation`` values of children open to a team.

        Raises:
            InvalidExport: a file is missing or a row does not follow FORMAT.md.
        """
        people = self._people(folder)
        involvements = _involvements(folder, people)
        allocations = []
        for row in _rows(folder / ALLOCATIONS_FILE, ALLOCATION_COLUMNS):
            child_id = row.text("child_id")
            if child_id not in people:
                raise row.fail("child_id", f"{child_id} is not in {PEOPLE_FILE}")
            plan_type = row.code("plan_type", ALLOCATION_PLAN_TYPES)
            case_id = row.optional_text("case_id")
            try:
                case = uuid.UUID(case_id) if case_id else None
            except ValueError:
                raise row.fail("case_id", f"{case_id!r} is not a UUID") from None
            previous = [
                {
                    "plan_type": PLAN_TYPES[each.kind],
                    "start_date": each.start,
                    "end_date": each.end,
                    "categories": [CATEGORIES[code][0] for code in each.categories],
                }
                for each in involvements.get(child_id, [])
                if each.kind in ("CP_PLAN", "LOOKED_AFTER") and each.end is not None
            ]
            allocations.append(
                {
                    "child_id": child_id,
                    "case_id": case,
                    "child": {**people[child_id], "role": "CHILD"},
                    "team_key": row.text("team_key"),
                    "allocated_worker": self._worker(row, plan_type),
                    "allocated_since": row.day("allocated_since"),
                    "open_plan_type": plan_type,
                    "previous_child_protection_plans": previous,
                    "updated_at": row.instant("updated_at"),
                }
            )
        return allocations

    def _worker(self, row: Row, plan_type: str) -> dict[str, Any] | None:
        name = row.optional_text("worker_name")
        if name is None:
            return None
        phone, email = row.optional_text("worker_phone"), row.optional_text("worker_email")
        return {
            "name": name,
            "role": row.optional_text("worker_role"),
            "agency": "EARLY_HELP" if plan_type == "EARLY_HELP" else "SOCIAL_CARE",
            "organisation": self.authority,
            "team": row.optional_text("worker_team"),
            "contact_details": {"phone": phone, "email": email} if phone or email else None,
        }

    def _people(self, folder: Path) -> dict[str, dict[str, Any]]:
        people: dict[str, dict[str, Any]] = {}
        for row in _rows(folder / PEOPLE_FILE, PEOPLE_COLUMNS):
            record_id = row.text("person_id")
            if record_id in people:
                raise row.fail("person_id", f"{record_id} appears twice")
            people[record_id] = self._person(row, record_id)
        for row in _rows(folder / ADDRESS_HISTORY_FILE, ADDRESS_HISTORY_COLUMNS):
            record_id = row.text("person_id")
            if record_id not in people:
                raise row.fail("person_id", f"{record_id} is not in {PEOPLE_FILE}")
            address = _address(row, "from_date", "to_date")
            if address is None:
                raise row.fail("postcode", "the row has no address")
            people[record_id]["addresses"].append(address)
        for person in people.values():
            person["addresses"].sort(key=native.current_first)
        return people

    def _person(self, row: Row, record_id: str) -> dict[str, Any]:
        given, surname = row.optional_text("forenames"), row.optional_text("surname")
        names = [native.person_name(given, surname, "CURRENT")]
        preferred, former = row.optional_text("preferred_name"), row.optional_text("former_surname")
        if preferred:
            names.append(native.person_name(preferred, surname, "KNOWN_AS"))
        if former:
            names.append(native.person_name(given, former, "PREVIOUS"))
        born = row.optional_day("date_of_birth")
        names = [name for name in names if name["given_names"] or name["family_name"]]
        estimated = row.optional_code("dob_estimated", ("Y", "N")) == "Y"
        identifiers: list[dict[str, Any]] = [
            {"scheme": "LOCAL_SOCIAL_CARE_ID", "value": record_id, "issuer": self.authority}
        ]
        for column, scheme in OTHER_IDS.items():
            value = row.optional_text(column)
            if value:
                issuer = self.authority if scheme == "LOCAL_EARLY_HELP_ID" else None
                identifiers.append({"scheme": scheme, "value": value, "issuer": issuer})
        current = _address(row, "address_from", None)
        return native.person(
            AGENCY,
            record_id,
            names=names,
            date_of_birth=native.date_of_birth(born, "APPROXIMATE" if estimated else "DAY"),
            gender=GENDERS[row.optional_code("gender", GENDERS) or "U"],
            addresses=[current] if current else [],
            identifiers=identifiers,
        )


def _involvements(folder: Path, people: Mapping[str, Any]) -> dict[str, list[Involvement]]:
    """Each person's involvements, in file order."""
    path = folder / INVOLVEMENTS_FILE
    by_person: dict[str, list[Involvement]] = {}
    seen: set[str] = set()
    for row in _rows(path, INVOLVEMENT_COLUMNS):
        involvement_id = row.text("involvement_id")
        if involvement_id in seen:
            raise row.fail("involvement_id", f"{involvement_id} appears twice")
        seen.add(involvement_id)
        record_id = row.text("person_id")
        if record_id not in people:
            raise row.fail("person_id", f"{record_id} is not in {PEOPLE_FILE}")
        kind = row.code("type", INVOLVEMENT_TYPES)
        start, end = row.day("start_date"), row.optional_day("end_date")
        if end is not None and end < start:
            raise row.fail("end_date", "is before the start date")
        categories = row.codes("category", CP_CATEGORIES if kind == "CP_PLAN" else CATEGORIES)
        if kind == "CP_PLAN" and not categories:
            raise row.fail("category", "a child protection plan needs its category")
        involvement = Involvement(
            involvement_id, kind, start, end, tuple(categories), row.optional_text("team")
        )
        by_person.setdefault(record_id, []).append(involvement)
    return by_person
