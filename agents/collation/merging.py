"""How two views of one person are merged into the picture's person.

Names the person does not have yet become aliases (an agency's own alias, previous or
known-as name keeps its type); identifiers and addresses are added without duplicates
(an identifier by scheme and value, an address by postcode and first line); a more
precise date of birth replaces a rougher one; a field the person lacks is filled in.
Otherwise nothing the person already holds is overwritten: the contact's details come
first, then each agency's in the order they answered.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

#: Date-of-birth precisions from most to least precise (uk.mash.v1.DatePrecision).
PRECISION_ORDER = ("DAY", "MONTH", "YEAR", "EXPECTED", "APPROXIMATE", "UNKNOWN")
PERSON_DEFAULTS: dict[str, Any] = {
    "role": "OTHER",
    "names": [],
    "date_of_birth": None,
    "gender": "UNKNOWN",
    "addresses": [],
    "identifiers": [],
    "parental_responsibility": None,
    "relationship_to_child": None,
}


def normal(text: str | None) -> str:
    """Text as names are compared: case folded, runs of white space made one space."""
    return " ".join((text or "").casefold().split())


def name_key(name: Mapping[str, Any]) -> tuple[str, str]:
    """A name as compared for duplicates: given names and family name."""
    return normal(name.get("given_names")), normal(name.get("family_name"))


def complete(person: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of a ``uk.mash.v1.Person`` value with every field present."""
    filled = {
        key: copy.deepcopy(person.get(key, default)) for key, default in PERSON_DEFAULTS.items()
    }
    return {"person_id": person["person_id"], **filled}


def merge_into(person: dict[str, Any], other: Mapping[str, Any]) -> None:
    """Add to ``person`` what ``other`` (a view of the same person) knows that it does not."""
    names = {name_key(name) for name in person["names"]}
    for name in other.get("names", []):
        if name_key(name) not in names:
            names.add(name_key(name))
            kind = "ALIAS" if name.get("name_type", "CURRENT") == "CURRENT" else name["name_type"]
            person["names"].append({**copy.deepcopy(dict(name)), "name_type": kind})
    add_identifiers(person["identifiers"], other.get("identifiers", []))
    _add_addresses(person["addresses"], other.get("addresses", []))
    born, theirs = person["date_of_birth"], other.get("date_of_birth")
    if theirs and (born is None or _precision(theirs) < _precision(born)):
        person["date_of_birth"] = copy.deepcopy(dict(theirs))
    if person["gender"] == "UNKNOWN" and other.get("gender"):
        person["gender"] = other["gender"]
    if person["role"] == "OTHER" and other.get("role"):
        person["role"] = other["role"]
    for key in ("parental_responsibility", "relationship_to_child"):
        if person[key] is None and other.get(key) is not None:
            person[key] = other[key]


def _precision(born: Mapping[str, Any]) -> int:
    precision = born.get("precision", "DAY")
    return (
        PRECISION_ORDER.index(precision) if precision in PRECISION_ORDER else len(PRECISION_ORDER)
    )


def _identifier_key(identifier: Mapping[str, Any]) -> tuple[str, str, str]:
    issuer = normal(identifier.get("issuer")) if identifier["scheme"] == "OTHER" else ""
    return identifier["scheme"], "".join(str(identifier["value"]).upper().split()), issuer


def add_identifiers(identifiers: list[dict[str, Any]], more: Iterable[Mapping[str, Any]]) -> None:
    """Append to ``identifiers`` each of ``more`` not there yet (same scheme and value)."""
    known = {_identifier_key(identifier): identifier for identifier in identifiers}
    for identifier in more:
        key = _identifier_key(identifier)
        if key not in known:
            known[key] = {
                "scheme": identifier["scheme"],
                "value": identifier["value"],
                "issuer": identifier.get("issuer"),
            }
            identifiers.append(known[key])
        elif known[key].get("issuer") is None and identifier.get("issuer"):
            known[key]["issuer"] = identifier["issuer"]


def _address_key(address: Mapping[str, Any]) -> tuple[str, ...]:
    postcode = "".join(str(address.get("postcode") or "").upper().split())
    lines = [normal(line) for line in address.get("lines", [])]
    return (postcode, lines[0]) if postcode and lines else (postcode, *lines)


def _add_addresses(addresses: list[dict[str, Any]], more: Iterable[Mapping[str, Any]]) -> None:
    known = {_address_key(address): address for address in addresses}
    for address in more:
        key = _address_key(address)
        if key not in known:
            known[key] = copy.deepcopy(dict(address))
            addresses.append(known[key])
            continue
        for part in ("uprn", "town", "from_date"):
            if known[key].get(part) is None and address.get(part) is not None:
                known[key][part] = address[part]
    # Current addresses first (Person.addresses), otherwise in the order learnt.
    addresses.sort(key=lambda address: address.get("to_date") is not None)
