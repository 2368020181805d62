"""Police: a force records system's JSON Lines export, mapped to people and findings.

The files, fields and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from broker.errors import MashError
from connectors.identity import Identity
from connectors.police.findings import custody_finding, marker_findings, occurrence_findings
from connectors.records import AgencyRecord

AGENCY = "police"
PERSONS_FILE = "persons.jsonl"
OCCURRENCES_FILE = "occurrences.jsonl"
CUSTODY_FILE = "custody.jsonl"

GENDERS = {"F": "FEMALE", "M": "MALE", "X": "OTHER", "N": "NOT_STATED", "U": "UNKNOWN"}
#: Other systems' ids the force holds: code -> (IdentifierScheme symbol, issuer).
REFERENCES: dict[str, tuple[str, str | None]] = {
    "PNC": ("POLICE_PERSON_ID", "Police National Computer"),
    "NHS": ("NHS_NUMBER", None),
    "UPN": ("UNIQUE_PUPIL_NUMBER", None),
    "CRN": ("PROBATION_CASE_REFERENCE", None),
    "CSC": ("LOCAL_SOCIAL_CARE_ID", None),
    "EHM": ("LOCAL_EARLY_HELP_ID", None),
    "TENANCY": ("HOUSING_TENANCY_REFERENCE", None),
}


class InvalidExport(MashError):
    """The police export does not follow FORMAT.md; names the file, line and field."""

    def __init__(self, path: Path, line: int | None, field: str | None, problem: str) -> None:
        where = (
            str(path) + (f", line {line}" if line else "") + (f", field {field}" if field else "")
        )
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Fields:
    """One JSON object of the export and where it was read, for error messages."""

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

    def text(self, name: str) -> str:
        value = self.optional_text(name)
        if value is None:
            raise self.fail(name, "is missing")
        return value

    def optional_code(self, name: str, allowed: Collection[str]) -> str | None:
        value = self.optional_text(name)
        if value is not None and value not in allowed:
            raise self.fail(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def code(self, name: str, allowed: Collection[str]) -> str:
        value = self.optional_code(name, allowed)
        if value is None:
            raise self.fail(name, "is missing")
        return value

    def optional_day(self, name: str) -> date | None:
        value = self.optional_text(name)
        if value is None:
            return None
        try:
            if len(value) != len("YYYY-MM-DD"):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(name, f"{value!r} is not a date YYYY-MM-DD") from None

    def day(self, name: str) -> date:
        value = self.optional_day(name)
        if value is None:
            raise self.fail(name, "is missing")
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {value!r}")
        return value

    def count(self, name: str) -> int:
        value = self.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(name, f"expected a whole number of 0 or more, got {value!r}")
        return value

    def objects(self, name: str) -> list[Fields]:
        value = self.values.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail(name, "expected a list of objects")
        return [
            Fields(item, self.path, self.line, f"{self.prefix}{name}[{index}].")
            for index, item in enumerate(value)
        ]

    def strings(self, name: str) -> list[str]:
        value = self.values.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, "expected a list of strings")
        return value


def _json_lines(path: Path) -> Iterator[Fields]:
    """Every object in a JSON Lines file, blank lines skipped."""
    if not path.is_file():
        raise InvalidExport(path, None, None, "the file is missing from the export")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidExport(path, number, None, f"not valid JSON: {exc.msg}") from exc
            if not isinstance(value, dict):
                raise InvalidExport(path, number, None, "expected a JSON object")
            yield Fields(value, path, number)


class PoliceBackend:
    """Reads a force's export: ``persons.jsonl``, ``occurrences.jsonl``, ``custody.jsonl``."""

    agency = AGENCY

    def __init__(self, force: str = "Greater Manchester Police") -> None:
        self.force = force

    def load(self, folder: Path) -> Iterator[AgencyRecord]:
        """Every person in the export under ``folder``, with their findings.

        Raises:
            InvalidExport: a file is missing or a line does not follow FORMAT.md.
        """
        people: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        for row in _json_lines(folder / PERSONS_FILE):
            record_id = row.text("person_id")
            if record_id in people:
                raise row.fail("person_id", f"{record_id} appears twice")
            people[record_id] = (self._person(row), marker_findings(row, record_id))
        born = {key: _born(person) for key, (person, _) in people.items()}
        for row in _json_lines(folder / OCCURRENCES_FILE):
            for record_id, finding in occurrence_findings(row, born):
                people[record_id][1].append(finding)
        for row in _json_lines(folder / CUSTODY_FILE):
            record_id, finding = custody_finding(row, born)
            people[record_id][1].append(finding)
        for record_id, (person, findings) in people.items():
            yield AgencyRecord(record_id, Identity.from_person(person), person, tuple(findings))

    def _person(self, row: Fields) -> dict[str, Any]:
        record_id = row.text("person_id")
        names = [_name(row.optional_text("forenames"), row.optional_text("surname"), "CURRENT")]
        for alias in row.objects("aliases"):
            names.append(
                _name(alias.optional_text("forenames"), alias.optional_text("surname"), "ALIAS")
            )
        born = row.optional_day("date_of_birth")
        names = [name for name in names if name["given_names"] or name["family_name"]]
        identifiers: list[dict[str, Any]] = [
            {"scheme": "POLICE_PERSON_ID", "value": record_id, "issuer": self.force}
        ]
        for reference in row.objects("references"):
            scheme, issuer = REFERENCES[reference.code("type", REFERENCES)]
            identifiers.append(
                {"scheme": scheme, "value": reference.text("value"), "issuer": issuer}
            )
        addresses = [
            {
                "lines": address.strings("lines"),
                "town": address.optional_text("town"),
                "postcode": address.optional_text("postcode"),
                "uprn": None,
                "from_date": address.optional_day("from"),
                "to_date": address.optional_day("to"),
            }
            for address in row.objects("addresses")
        ]
        return {
            "person_id": uuid.uuid5(uuid.NAMESPACE_URL, f"mash:{AGENCY}:person:{record_id}"),
            # The force's own flag is the exchange's role; otherwise the case role is unknown.
            "role": "PERSON_OF_CONCERN" if row.flag("person_of_concern") else "OTHER",
            "names": names,
            "date_of_birth": {"date": born, "precision": "DAY"} if born else None,
            "gender": GENDERS[row.optional_code("gender", GENDERS) or "U"],
            "addresses": sorted(addresses, key=_current_first),
            "identifiers": identifiers,
            "parental_responsibility": None,
            "relationship_to_child": None,
        }


def _name(given: str | None, family: str | None, name_type: str) -> dict[str, Any]:
    return {"given_names": given, "family_name": family, "name_type": name_type}


def _current_first(address: Mapping[str, Any]) -> tuple[bool, int]:
    latest = address["to_date"] or address["from_date"] or date.min
    return address["to_date"] is not None, -latest.toordinal()


def _born(person: Mapping[str, Any]) -> date | None:
    born = person["date_of_birth"]
    return born["date"] if born else None
