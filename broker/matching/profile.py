"""An identity normalised once for comparing many times, and the evidence a comparison adds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from broker.identity import Identity
from broker.matching.names import tokens

_SHARED_SCHEMES = frozenset({"HOUSING_TENANCY_REFERENCE", "OTHER"})
# A given name starting with one of these is no given name: "Baby of Sarah Brown".
_PLACEHOLDER_GIVEN = frozenset({"baby", "unborn", "unknown", "infant", "newborn", "nk"})
_KNOWN_GENDERS = frozenset({"FEMALE", "MALE", "OTHER"})


class Evidence(NamedTuple):
    points: int
    fields: tuple[str, ...]


NO_EVIDENCE = Evidence(0, ())


@dataclass(frozen=True, order=True)
class Name:
    given: tuple[str, ...]
    family: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """An identity normalised once, for comparing many times."""

    names: tuple[Name, ...]
    born: date | None
    precision: str
    postcodes: frozenset[str]
    districts: frozenset[str]
    person_ids: dict[str, frozenset[str]]
    shared_references: frozenset[tuple[str, str]]
    gender: str | None


def _normalised_identifier(scheme: str, value: str) -> str:
    if scheme == "NHS_NUMBER":
        return "".join(char for char in value if char.isdigit())
    return "".join(value.split()).upper()


def build_profile(identity: Identity) -> Profile:
    names = []
    for given, family in identity.names:
        given_tokens = tokens(given)
        if given_tokens and given_tokens[0] in _PLACEHOLDER_GIVEN:
            given_tokens = ()
        if given_tokens or tokens(family):
            names.append(Name(given_tokens, tokens(family)))
    postcodes = {"".join(postcode.split()).upper() for postcode in identity.postcodes}
    person_ids: defaultdict[str, set[str]] = defaultdict(set)
    shared_references = set()
    for scheme, value in identity.identifiers:
        if not (normalised := _normalised_identifier(scheme, value)):
            continue
        if scheme in _SHARED_SCHEMES:
            shared_references.add((scheme, normalised))
        else:
            person_ids[scheme].add(normalised)
    return Profile(
        names=tuple(names),
        born=identity.date_of_birth,
        precision=identity.dob_precision,
        postcodes=frozenset(postcode for postcode in postcodes if len(postcode) >= 5),
        districts=frozenset(
            postcode[:-3] if len(postcode) >= 5 else postcode for postcode in postcodes
        ),
        person_ids={scheme: frozenset(values) for scheme, values in person_ids.items()},
        shared_references=frozenset(shared_references),
        gender=identity.gender if identity.gender in _KNOWN_GENDERS else None,
    )
