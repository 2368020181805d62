"""Police: a force records system's JSON Lines export, mapped to people and findings.

The files, fields and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from broker.identity import Identity
from connectors import native
from connectors.native import InvalidExport, JsonFields
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


class Fields(JsonFields):
    """One JSON object of the force's export, and the line it was read from."""

    def count(self, name: str) -> int:
        """A whole number, zero or more."""
        value = self.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(name, f"expected a whole number of 0 or more, got {value!r}")
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
        given, family = row.optional_text("forenames"), row.optional_text("surname")
        names = [native.person_name(given, family, "CURRENT")]
        for alias in row.objects("aliases"):
            given, family = alias.optional_text("forenames"), alias.optional_text("surname")
            names.append(native.person_name(given, family, "ALIAS"))
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
        addresses = native.json_addresses(row, "addresses", since="from", until="to")
        return native.person(
            AGENCY,
            record_id,
            # The force's own flag is the exchange's role; otherwise the case role is unknown.
            role="PERSON_OF_CONCERN" if row.flag("person_of_concern") else "OTHER",
            names=names,
            date_of_birth=native.date_of_birth(born),
            gender=GENDERS[row.optional_code("gender", GENDERS) or "U"],
            addresses=sorted(addresses, key=native.current_first),
            identifiers=identifiers,
        )


def _born(person: Mapping[str, Any]) -> date | None:
    born = person["date_of_birth"]
    return born["date"] if born else None
