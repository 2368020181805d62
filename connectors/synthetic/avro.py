"""Parts of ``uk.mash.v1`` Avro values: stable ids, names, addresses, people, practitioners."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from connectors.synthetic import names
from connectors.synthetic.draws import _chance
from connectors.synthetic.households import _heritage
from connectors.synthetic.model import Address, AgencyView

_NAMESPACE = uuid.UUID("0e66e06a-8098-4155-a440-e311dd0bb1c5")
_ISSUERS = {
    "POLICE_PERSON_ID": "Greater Manchester Police",
    "LOCAL_SOCIAL_CARE_ID": "Wigan Council",
    "HOUSING_TENANCY_REFERENCE": "Wigan Council",
    "PROBATION_CASE_REFERENCE": "Probation Service",
}


def _uuid(seed: int, *parts: str) -> uuid.UUID:
    """A stable id: the same seed and parts always give the same UUID."""
    return uuid.uuid5(_NAMESPACE, "/".join((str(seed), *parts)))


def _name(given: str | None, family: str | None, name_type: str = "CURRENT") -> dict[str, object]:
    return {"given_names": given, "family_name": family, "name_type": name_type}


def _address(address: Address, dated: bool = True) -> dict[str, object]:
    return {
        "lines": list(address.lines),
        "town": address.town,
        "postcode": address.postcode,
        "uprn": None,
        "from_date": address.from_date if dated else None,
        "to_date": address.to_date if dated else None,
    }


def _identifiers(identifiers: Mapping[str, str]) -> list[dict[str, object]]:
    return [
        {"scheme": scheme, "value": value, "issuer": _ISSUERS.get(scheme)}
        for scheme, value in sorted(identifiers.items())
    ]


def _person(
    person_id: uuid.UUID,
    role: str,
    person_names: list[dict[str, object]],
    born: date | None,
    precision: str,
    gender: str,
    addresses: list[dict[str, object]],
    identifiers: list[dict[str, object]],
    responsibility: bool | None = None,
    relationship: str | None = None,
) -> dict[str, object]:
    return {
        "person_id": person_id,
        "role": role,
        "names": person_names,
        "date_of_birth": None if born is None else {"date": born, "precision": precision},
        "gender": gender,
        "addresses": addresses,
        "identifiers": identifiers,
        "parental_responsibility": responsibility,
        "relationship_to_child": relationship,
    }


def _person_from_view(
    person_id: uuid.UUID,
    role: str,
    view: AgencyView,
    relationship: str | None = None,
    responsibility: bool | None = None,
) -> dict[str, object]:
    return _person(
        person_id,
        role,
        [_name(view.given_names, view.family_name)],
        view.date_of_birth,
        "DAY",
        view.gender,
        [_address(address) for address in reversed(view.addresses)],
        _identifiers(view.identifiers),
        responsibility,
        relationship,
    )


def _slug(text: str) -> str:
    return "".join(c for c in names.fold_diacritics(text).lower() if c.isalnum() or c == "-")


def _practitioner(
    rng: random.Random, agency: str, role: str, organisation: str, team: str | None, domain: str
) -> dict[str, object]:
    """An invented professional with a drama-range telephone number and an .example e-mail."""
    pool = _heritage(rng)
    female = _chance(rng, 0.4 if agency in ("POLICE", "PROBATION") else 0.75)
    given = pool.given(rng, female, "adult")
    family = names.gendered_family_name(rng.choice(pool.family), female)
    return {
        "name": f"{given} {family}",
        "role": role,
        "agency": agency,
        "organisation": organisation,
        "team": team,
        "contact_details": {
            "phone": f"0161 496 0{rng.randrange(1000):03d}",
            "email": f"{_slug(given)}.{_slug(family)}@{domain}",
        },
    }


def _utc(day: date, rng: random.Random) -> datetime:
    """A whole-millisecond UTC instant during the working day ``day``."""
    at = time(rng.randint(8, 17), rng.randrange(60), rng.randrange(60), rng.randrange(1000) * 1000)
    return datetime.combine(day, at, tzinfo=UTC)
