"""The ``uk.mash.v1`` Person, Address and Finding values every connector builds.

Ids are uuid5 of the agency and its own reference, so the same record gives the same
person and findings from one export to the next.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.native.fields import JsonFields
    from connectors.synthetic.model import Address


def person(
    agency: str,
    record_id: str,
    *,
    role: str = "OTHER",
    names: list[dict[str, Any]],
    date_of_birth: dict[str, Any] | None,
    gender: str,
    addresses: list[dict[str, Any]],
    identifiers: list[dict[str, Any]],
) -> dict[str, Any]:
    """A ``uk.mash.v1.Person`` value, its id the same for the agency's record every time."""
    return {
        "person_id": uuid.uuid5(uuid.NAMESPACE_URL, f"mash:{agency}:person:{record_id}"),
        "role": role,
        "names": names,
        "date_of_birth": date_of_birth,
        "gender": gender,
        "addresses": addresses,
        "identifiers": identifiers,
        "parental_responsibility": None,
        "relationship_to_child": None,
    }


def person_name(given: str | None, family: str | None, name_type: str) -> dict[str, Any]:
    """A ``uk.mash.v1.PersonName`` value."""
    return {"given_names": given, "family_name": family, "name_type": name_type}


def date_of_birth(born: date | None, precision: str = "DAY") -> dict[str, Any] | None:
    """A ``uk.mash.v1.DateOfBirth`` value, or None if the day is not known."""
    return {"date": born, "precision": precision} if born else None


def address(
    lines: list[str],
    town: str | None,
    postcode: str | None,
    *,
    uprn: str | None = None,
    from_date: date | None,
    to_date: date | None,
) -> dict[str, Any]:
    """A ``uk.mash.v1.Address`` value."""
    return {
        "lines": lines,
        "town": town,
        "postcode": postcode,
        "uprn": uprn,
        "from_date": from_date,
        "to_date": to_date,
    }


def json_addresses(row: JsonFields, name: str, *, since: str, until: str) -> list[dict[str, Any]]:
    """The ``name`` list of a JSON export's address objects as ``uk.mash.v1.Address`` values.

    Each object has ``lines``, ``town`` and ``postcode``, and its dates under ``since`` and
    ``until``; :func:`address_objects` writes them.
    """
    return [
        address(
            item.strings("lines"),
            item.optional_text("town"),
            item.optional_text("postcode"),
            from_date=item.optional_day(since),
            to_date=item.optional_day(until),
        )
        for item in row.objects(name)
    ]


def address_objects(
    addresses: Iterable[Address], *, since: str, until: str
) -> list[dict[str, Any]]:
    """Synthetic addresses as the objects :func:`json_addresses` reads."""
    return [
        {
            "lines": list(address.lines),
            "town": address.town,
            "postcode": address.postcode,
            since: address.from_date.isoformat(),
            until: address.to_date.isoformat() if address.to_date else None,
        }
        for address in addresses
    ]


def current_first(address: Mapping[str, Any]) -> tuple[bool, int]:
    """Sort key: current addresses first, then the most recently left."""
    latest = address["to_date"] or address["from_date"] or date.min
    return address["to_date"] is not None, -latest.toordinal()


def normal_postcode(postcode: str | None) -> str | None:
    """Upper case with one space before the inward code, as the schema asks."""
    if not postcode or not postcode.strip():
        return None
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def finding(
    agency: str,
    record_id: str,
    category: str,
    source_reference: str,
    *,
    concerns: Sequence[str],
    event_date: date | None,
    summary: str,
    severity: str,
    detail: str | None = None,
) -> dict[str, Any]:
    """A ``uk.mash.v1.Finding`` value; its id is stable for the record, source and category."""
    code = f"{agency}.{category}"
    key = f"mash:{agency}:finding:{source_reference}:{code}:{record_id}"
    return {
        "finding_id": uuid.uuid5(uuid.NAMESPACE_URL, key),
        "category": code,
        "concern_categories": list(dict.fromkeys(concerns)),
        "event_date": event_date,
        "summary": summary,
        "detail": detail,
        "severity": severity,
        "source_reference": source_reference,
    }
