"""The truth of a synthetic partnership, before any agency records it.

The generator (``connectors.synthetic.families``) decides who exists, which
agencies know whom and under what (noisy) details, and the family's story:
its level of need and concerns. Each agency's ``synthetic`` module then writes
that agency's native export from this model, inventing its own events from the
story with a random generator seeded from the partnership's seed, so the same
seed always gives the same files.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Address:
    """A home, and when the person lived there (``to_date`` None: still there)."""

    lines: tuple[str, ...]
    town: str
    postcode: str
    from_date: date
    to_date: date | None = None


@dataclass(frozen=True)
class SyntheticPerson:
    """A person as they really are.

    ``role`` is a ``uk.mash.v1.PersonRole`` symbol (CHILD, PARENT, CARER,
    SIBLING, OTHER_HOUSEHOLD_MEMBER, PERSON_OF_CONCERN); ``gender`` a
    ``uk.mash.v1.Gender`` symbol. ``addresses`` is the history, oldest first.
    """

    key: str
    family_key: str
    role: str
    given_names: str
    family_name: str
    date_of_birth: date
    gender: str
    nhs_number: str
    addresses: tuple[Address, ...]

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class AgencyView:
    """How one agency recorded one person: possibly misspelt, partial or out of date.

    ``record_id`` is the agency's own id for the person (police person id, NHS
    number, UPN, housing person reference, probation CRN, social-care id).
    ``identifiers`` holds the ids this agency knows, by ``uk.mash.v1.IdentifierScheme``
    symbol (an agency may not know the NHS number, say). ``addresses`` are the
    ones this agency knows of, which may be stale.
    """

    person_key: str
    record_id: str
    given_names: str
    family_name: str
    date_of_birth: date | None
    gender: str
    identifiers: dict[str, str]
    addresses: tuple[Address, ...]


@dataclass(frozen=True)
class Family:
    """A household and its story.

    ``level_of_need`` is 1 to 4 (Wigan continuum of need); ``concerns`` holds
    ``uk.mash.v1.ConcernCategory`` symbols that agencies' events should reflect
    (a family with DOMESTIC_ABUSE gets police incidents, perhaps a housing
    report; one with NEGLECT gets missed appointments and poor attendance).
    """

    key: str
    members: tuple[SyntheticPerson, ...]
    level_of_need: int
    concerns: frozenset[str]


@dataclass
class Partnership:
    """Everything generated for one seed.

    Attributes:
        views: agency (a ``uk.mash.v1.Agency`` symbol in lower case: police,
            health, education, housing, probation, social_care) to person key
            to that agency's view. A person absent from an agency's views is
            unknown to it.
        contacts: ``uk.mash.v1.Contact`` values across levels of need 1-4,
            consent states, office hours and out of hours.
        allocations: ``uk.mash.v1.Allocation`` values for children already open
            to a team.
        reference_date: "today" for the generated data; events lie before it.
    """

    seed: int
    reference_date: date
    families: list[Family] = field(default_factory=list)
    views: dict[str, dict[str, AgencyView]] = field(default_factory=dict)
    contacts: list[dict[str, object]] = field(default_factory=list)
    allocations: list[dict[str, object]] = field(default_factory=list)

    def people(self) -> dict[str, SyntheticPerson]:
        """Every person by key."""
        return {person.key: person for family in self.families for person in family.members}

    def rng_for(self, agency: str) -> random.Random:
        """A random generator for one agency's writer, fixed by the seed."""
        return random.Random(self.seed * 1_000_003 + zlib.crc32(agency.encode()))
