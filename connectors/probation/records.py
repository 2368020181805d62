"""Probation: a case management system's JSON export, mapped to people and findings.

The file, fields and code lists are described in ``FORMAT.md`` beside this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from broker.identity import Identity
from connectors import native
from connectors.native import InvalidExport, JsonFields
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


class Fields(JsonFields):
    """One JSON object of the export and the line its offender starts on."""

    def number(self, name: str, allowed: Collection[int]) -> int:
        """A whole number from ``allowed``."""
        value = self.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise self.fail(name, f"expected one of {sorted(allowed)}, got {value!r}")
        return value

    def optional_months(self, name: str) -> int | None:
        """A whole number of months, or None if absent."""
        value = self.values.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(name, f"expected a whole number of months, got {value!r}")
        return value

    def nested(self, name: str) -> Fields | None:
        """An object, to be read like this one; None if absent."""
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(name, "expected an object")
        return Fields(value, self.path, self.line, f"{self.prefix}{name}.")


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
    names = [native.person_name(given or None, surname, "CURRENT")]
    for alias in row.objects("aliases"):
        alias_given, alias_family = alias.optional_text("firstName"), alias.optional_text("surname")
        names.append(native.person_name(alias_given, alias_family, "ALIAS"))
    previous = row.optional_text("previousSurname")
    if previous:
        names.append(native.person_name(given or None, previous, "PREVIOUS"))
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
    addresses = native.json_addresses(row, "addresses", since="startDate", until="endDate")
    gender = row.optional_text("gender")
    if gender is not None and gender not in GENDERS:
        raise row.fail("gender", f"{gender!r} is not one of {', '.join(GENDERS)}")
    return native.person(
        AGENCY,
        crn,
        names=names,
        date_of_birth=native.date_of_birth(born),
        gender=GENDERS[gender] if gender else "UNKNOWN",
        addresses=sorted(addresses, key=native.current_first),
        identifiers=identifiers,
    )
