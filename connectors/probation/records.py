"""Probation: a case management system's JSON export, mapped to people and findings.

The file, fields and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from broker.errors import MashError
from connectors.identity import Identity
from connectors.probation.findings import all_findings
from connectors.records import AgencyRecord

AGENCY = "probation"
OFFENDERS_FILE = "offenders.json"

GENDERS = {
    "Female": "FEMALE",
    "Male": "MALE",
    "Other": "OTHER",
    "Not Specified": "NOT_STATED",
    "Unknown": "UNKNOWN",
}
#: ``otherIds`` key -> (IdentifierScheme symbol, issuer).
OTHER_IDS: dict[str, tuple[str, str | None]] = {
    "pncNumber": ("POLICE_PERSON_ID", "Police National Computer"),
    "policePersonId": ("POLICE_PERSON_ID", None),
    "nhsNumber": ("NHS_NUMBER", None),
    "nomsNumber": ("OTHER", "HM Prison and Probation Service prison number"),
}

_SPACE = re.compile(r"\s*")


class InvalidExport(MashError):
    """The probation export does not follow FORMAT.md; names the file, line and field."""

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
    """One JSON object of the export and the line its offender starts on."""

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

    def code(self, name: str, allowed: Collection[str]) -> str:
        value = self.text(name)
        if value not in allowed:
            raise self.fail(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def number(self, name: str, allowed: Collection[int]) -> int:
        value = self.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise self.fail(name, f"expected one of {sorted(allowed)}, got {value!r}")
        return value

    def optional_months(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(name, f"expected a whole number of months, got {value!r}")
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

    def nested(self, name: str) -> Fields | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(name, "expected an object")
        return Fields(value, self.path, self.line, f"{self.prefix}{name}.")

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


def _offenders(path: Path) -> Iterator[Fields]:
    """Each offender of the JSON array, with the line its object starts on."""
    if not path.is_file():
        raise InvalidExport(path, None, None, "the file is missing from the export")
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    position, line, counted = _skip(text, 0), 1, 0

    def where() -> int:
        nonlocal line, counted
        line += text.count("\n", counted, position)
        counted = position
        return line

    if not text.startswith("[", position):
        raise InvalidExport(path, where(), None, "expected a JSON array of offenders")
    position = _skip(text, position + 1)
    if text.startswith("]", position) and not text[position + 1 :].strip():
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise InvalidExport(path, exc.lineno, None, f"not valid JSON: {exc.msg}") from exc
        if not isinstance(value, dict):
            raise InvalidExport(path, where(), None, "expected an offender object")
        yield Fields(value, path, where())
        position = _skip(text, end)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif text.startswith("]", position) and not text[position + 1 :].strip():
            return
        elif position == len(text):
            position = end
            raise InvalidExport(path, where(), None, "the file ends before the array's ']'")
        else:
            raise InvalidExport(path, where(), None, "expected ',' or the array's closing ']'")


def _skip(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


class ProbationBackend:
    """Reads a probation export: ``offenders.json``, one object per offender."""

    agency = AGENCY

    def load(self, folder: Path) -> Iterator[AgencyRecord]:
        """Every offender in the export under ``folder``, with their findings.

        Raises:
            InvalidExport: the file is missing or an offender does not follow FORMAT.md.
        """
        seen: set[str] = set()
        for row in _offenders(folder / OFFENDERS_FILE):
            crn = row.text("crn")
            if crn in seen:
                raise row.fail("crn", f"{crn} appears twice")
            seen.add(crn)
            person = _person(row, crn)
            findings = tuple(all_findings(row, crn))
            yield AgencyRecord(crn, Identity.from_person(person), person, findings)


def _person(row: Fields, crn: str) -> dict[str, Any]:
    given = " ".join(
        filter(None, (row.optional_text("firstName"), row.optional_text("middleNames")))
    )
    surname = row.optional_text("surname")
    names = [_name(given or None, surname, "CURRENT")]
    for alias in row.objects("aliases"):
        names.append(
            _name(alias.optional_text("firstName"), alias.optional_text("surname"), "ALIAS")
        )
    previous = row.optional_text("previousSurname")
    if previous:
        names.append(_name(given or None, previous, "PREVIOUS"))
    names = [name for name in names if name["given_names"] or name["family_name"]]
    born = row.optional_day("dateOfBirth")
    identifiers: list[dict[str, Any]] = [
        {"scheme": "PROBATION_CASE_REFERENCE", "value": crn, "issuer": None}
    ]
    other_ids = row.nested("otherIds")
    for key, (scheme, issuer) in OTHER_IDS.items():
        value = other_ids.optional_text(key) if other_ids else None
        if value:
            identifiers.append({"scheme": scheme, "value": value, "issuer": issuer})
    addresses = [
        {
            "lines": address.strings("lines"),
            "town": address.optional_text("town"),
            "postcode": address.optional_text("postcode"),
            "uprn": None,
            "from_date": address.optional_day("startDate"),
            "to_date": address.optional_day("endDate"),
        }
        for address in row.objects("addresses")
    ]
    gender = row.optional_text("gender")
    if gender is not None and gender not in GENDERS:
        raise row.fail("gender", f"{gender!r} is not one of {', '.join(GENDERS)}")
    return {
        "person_id": uuid.uuid5(uuid.NAMESPACE_URL, f"mash:{AGENCY}:person:{crn}"),
        "role": "OTHER",
        "names": names,
        "date_of_birth": {"date": born, "precision": "DAY"} if born else None,
        "gender": GENDERS[gender] if gender else "UNKNOWN",
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
