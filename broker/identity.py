"""Who a person is, as far as finding them in an agency's records needs.

The same type describes a request's subject and an agency's record, so that
matching compares like with like and can be symmetric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Identity:
    """A person's identifying details.

    Attributes:
        names: every (given names, family name) pair known: current, known-as,
            aliases, previous and birth names.
        date_of_birth: None when unknown.
        dob_precision: a ``uk.mash.v1.DatePrecision`` symbol (DAY, MONTH, YEAR,
            APPROXIMATE, EXPECTED); anything coarser than DAY is compared loosely.
        postcodes: every postcode the person is known at, current first.
        identifiers: (scheme, value) pairs, scheme a ``uk.mash.v1.IdentifierScheme``
            symbol, value as recorded (normalised by matching).
        gender: a ``uk.mash.v1.Gender`` symbol, or None.
    """

    names: tuple[tuple[str, str], ...]
    date_of_birth: date | None = None
    dob_precision: str = "DAY"
    postcodes: tuple[str, ...] = ()
    identifiers: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    gender: str | None = None

    @classmethod
    def from_person(cls, person: Mapping[str, Any]) -> Identity:
        """The identity in a ``uk.mash.v1.Person`` value."""
        names = tuple(
            (name.get("given_names") or "", name.get("family_name") or "")
            for name in person.get("names", [])
        )
        born = person.get("date_of_birth")
        return cls(
            names=names,
            date_of_birth=born["date"] if born else None,
            dob_precision=born["precision"] if born else "DAY",
            postcodes=tuple(
                address["postcode"]
                for address in person.get("addresses", [])
                if address.get("postcode")
            ),
            identifiers=frozenset(
                (identifier["scheme"], identifier["value"])
                for identifier in person.get("identifiers", [])
            ),
            gender=person.get("gender"),
        )
