"""A synthetic housing export: the housing management system's CSV files.

Everyone in ``partnership.views["housing"]`` is written as a member of their family's
tenancy, at the lead tenant's address (and a previous tenancy where the landlord knows
an earlier home). The family's story decides the rest: arrears and possession action for
POVERTY_OR_DEBT, temporary accommodation and homelessness cases for
HOUSING_OR_HOMELESSNESS (a young person's own case at 16 or 17), domestic abuse reports
for DOMESTIC_ABUSE and antisocial behaviour reports at the higher levels of need. Only
``partnership.rng_for("housing")`` supplies randomness, so a seed always gives the same
files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from connectors.housing.records import COLUMNS
from connectors.native import age_on, write_csv_files
from connectors.synthetic.model import Address, AgencyView, Family, Partnership, SyntheticPerson

AGENCY = "housing"
_GENDERS = {"FEMALE": "F", "MALE": "M", "OTHER": "X"}
_ADULT_ROLES = ("PARENT", "CARER")
_STAGES = ("NOSP", "COURT", "POSSESSION_ORDER", "WARRANT", "EVICTED")
_ASB = (
    "Neighbours report loud music and shouting late at night.",
    "Young people gathering outside the flat; a car window was smashed.",
    "Rubbish dumped in the shared garden after a warning letter.",
    "Visitors at all hours and a strong smell of cannabis on the landing.",
)
_DOMESTIC_ABUSE = (
    "A neighbour called the housing officer after hearing screaming and a door being kicked.",
    "The tenant told her housing officer that her partner had pushed her; referred to the"
    " domestic abuse service.",
    "The front door was damaged; the tenant said her former partner tried to force his way in.",
)


def write(partnership: Partnership, folder: Path) -> int:
    """Write the six CSV files for everyone in ``partnership.views["housing"]``.

    Returns:
        How many people were written.
    """
    rng = partnership.rng_for(AGENCY)
    views = partnership.views.get(AGENCY, {})
    tables: dict[str, list[list[str]]] = {name: [] for name in COLUMNS}
    given = {v.identifiers.get("HOUSING_TENANCY_REFERENCE") for v in views.values()}
    references = _References({ref for ref in given if ref})
    written = 0
    for family in partnership.families:
        members = [(person, views[person.key]) for person in family.members if person.key in views]
        if members:
            household = _Household(rng, partnership.reference_date, family, members)
            written += household.write(tables, references)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv_files(folder, COLUMNS, tables)
    return written


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


class _References:
    """Issues tenancy, case and report references that do not clash with given ones."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.counters = {"T": 900_000, "H": 0, "R": 0}
        self.written: set[str] = set()

    def tenancy(self, given: str | None) -> str:
        """The tenancy reference to write: ``given`` unless a household has it already."""
        ref = given if given and given not in self.written else self.new("T")
        self.written.add(ref)
        return ref

    def new(self, kind: str) -> str:
        while True:
            self.counters[kind] += 1
            ref = f"WHT-{kind}-{self.counters[kind]:06d}"
            if ref not in self.taken:
                self.taken.add(ref)
                return ref


@dataclass
class _Household:
    """One family's tenancies and what happened in them."""

    rng: random.Random
    today: date
    family: Family
    members: list[tuple[SyntheticPerson, AgencyView]]

    def write(self, tables: dict[str, list[list[str]]], references: _References) -> int:
        """Add the household's rows to the tables; returns how many people were written."""
        lead, lead_view = self._lead()
        known = [
            view.addresses for view in (lead_view, *(v for _, v in self.members)) if view.addresses
        ]
        if not known:
            return 0  # a landlord always has an address: no address, no tenancy
        homes = sorted(known[0], key=lambda address: address.from_date)
        concerns, level = self.family.concerns, self.family.level_of_need
        given = [v.identifiers.get("HOUSING_TENANCY_REFERENCE") for _, v in self.members]
        ref = references.tenancy(next((ref for ref in given if ref), None))
        current = homes[-1]
        tenure = self._tenure(current)
        adults = sum(1 for person, _ in self.members if person.age_on(self.today) >= 18)
        bedrooms = max(1, (len(self.members) - adults + 1) // 2 + (adults > 0))
        if "HOUSING_OR_HOMELESSNESS" in concerns and self.rng.random() < 0.5:
            bedrooms = max(0, bedrooms - 1)
        tables["tenancies.csv"].append(_tenancy(ref, current, None, tenure, bedrooms))
        for person, view in self.members:
            tables["household.csv"].append(self._member(ref, lead, person, view, current))
        weeks = self._arrears(ref, tables)
        if weeks >= 8 and "POVERTY_OR_DEBT" in concerns and level >= 3:
            steps = 1 + sum(self.rng.random() < 0.4 for _ in range(level - 2))
            self._possession(ref, steps, self.today - timedelta(days=150), tables)
        if len(homes) > 1:
            self._previous(homes[-2], current, lead, references, tables)
        if "HOUSING_OR_HOMELESSNESS" in concerns:
            self._homeless(lead_view, current, tenure, references, tables)
            self._young_homeless(references, tables)
        self._reports(ref, current, references, tables)
        return len(self.members)

    def _lead(self) -> tuple[SyntheticPerson, AgencyView]:
        adults = [m for m in self.members if m[0].role in _ADULT_ROLES]
        if not adults:
            adults = sorted(self.members, key=lambda m: m[0].date_of_birth)
        return adults[0]

    def _tenure(self, home: Address) -> str:
        if "HOUSING_OR_HOMELESSNESS" in self.family.concerns and self.rng.random() < 0.5:
            return "TEMPORARY"
        if (self.today - home.from_date).days < 365:
            return "INTRODUCTORY"
        return "SECURE" if self.rng.random() < 0.8 else "ASSURED"

    def _member(
        self,
        ref: str,
        lead: SyntheticPerson,
        person: SyntheticPerson,
        view: AgencyView,
        home: Address,
    ) -> list[str]:
        own = [a for a in view.addresses if a.postcode == home.postcode]
        moved_in = None
        if own and own[0].from_date > home.from_date:
            moved_in = own[0].from_date
        elif person.date_of_birth > home.from_date:
            moved_in = person.date_of_birth
        return [
            ref,
            view.record_id,
            view.family_name,
            view.given_names,
            _iso(view.date_of_birth),
            _GENDERS.get(view.gender, "U"),
            "SELF" if person is lead else self._relationship(lead, person),
            "Y" if person is lead else "N",
            _iso(moved_in),
            "",
        ]

    def _relationship(self, lead: SyntheticPerson, person: SyntheticPerson) -> str:
        if person.role in _ADULT_ROLES or person.role == "PERSON_OF_CONCERN":
            return "SPOUSE" if self.rng.random() < 0.3 else "PARTNER"
        if person.role in ("CHILD", "SIBLING"):
            if lead.role == "PARENT":
                return "CHILD" if person.family_name == lead.family_name else "STEPCHILD"
            gap = person.date_of_birth.year - lead.date_of_birth.year
            return "SIBLING" if gap < 14 else "GRANDCHILD" if gap >= 40 else "OTHER_RELATIVE"
        return "LODGER" if self.rng.random() < 0.4 else "OTHER_RELATIVE"

    def _arrears(self, ref: str, tables: dict[str, list[list[str]]]) -> float:
        """The rent account of the current tenancy; returns the weeks in arrears."""
        level, concerns = self.family.level_of_need, self.family.concerns
        choices = ((0,) * 9 + (1,), (0, 0, 1, 2), (0, 2, 4, 6), (2, 5, 8, 12))[level - 1]
        weeks = self.rng.choice(choices) + self.rng.choice((0, 0.5))
        if "POVERTY_OR_DEBT" in concerns:
            weeks += self.rng.randrange(4, 11)
        weekly_rent = self.rng.randrange(8_500, 13_000) / 100
        balance = round(weeks * weekly_rent, 2) if weeks else -round(self.rng.random() * 20, 2)
        as_at = self.today - timedelta(days=self.rng.randrange(1, 8))
        tables["rent_accounts.csv"].append([ref, f"{balance:.2f}", f"{weeks:.1f}", _iso(as_at)])
        return weeks

    def _possession(
        self, ref: str, steps: int, first: date, tables: dict[str, list[list[str]]]
    ) -> date:
        """Possession stages on a tenancy from ``first``; returns the last stage's date."""
        day = first
        for number in range(steps):
            tables["possession.csv"].append([ref, _STAGES[number], _iso(day)])
            day += timedelta(days=self.rng.randrange(20, 45))
        return day

    def _previous(
        self,
        home: Address,
        current: Address,
        lead: SyntheticPerson,
        references: _References,
        tables: dict[str, list[list[str]]],
    ) -> None:
        """The tenancy before the current one; eviction ended it for some families in need."""
        ref = references.new("T")
        end = home.to_date or current.from_date - timedelta(days=1)
        if end < home.from_date:
            return
        tables["tenancies.csv"].append(_tenancy(ref, home, end, "SECURE", 2))
        for person, view in self.members:
            if person is lead or any(a.postcode == home.postcode for a in view.addresses):
                row = self._member(ref, lead, person, view, home)
                tables["household.csv"].append(row)
        evicted = (
            self.family.level_of_need >= 3 and "HOUSING_OR_HOMELESSNESS" in self.family.concerns
        )
        if evicted and self.rng.random() < 0.3 and (end - home.from_date).days > 400:
            weeks = self.rng.randrange(16, 40)
            balance = weeks * self.rng.randrange(8_500, 13_000) / 100
            tables["rent_accounts.csv"].append([ref, f"{balance:.2f}", f"{weeks}.0", _iso(end)])
            self._possession(ref, 4, end - timedelta(days=200), tables)
            tables["possession.csv"].append([ref, "EVICTED", _iso(end)])

    def _homeless(
        self,
        lead: AgencyView,
        home: Address,
        tenure: str,
        references: _References,
        tables: dict[str, list[list[str]]],
    ) -> None:
        approached = home.from_date - timedelta(days=self.rng.randrange(10, 60))
        placement, placed_from, placed_to = "", None, None
        if tenure == "TEMPORARY":
            placement = "REFUGE" if "DOMESTIC_ABUSE" in self.family.concerns else "SELF_CONTAINED"
            if placement == "SELF_CONTAINED" and self.rng.random() < 0.5:
                placement = self.rng.choice(("B_AND_B", "HOSTEL"))
            placed_from = approached + timedelta(days=self.rng.randrange(0, 5))
            placed_to = None if placement == "SELF_CONTAINED" else home.from_date
            placed_from = min(placed_from, home.from_date)
        priority = "Y" if tenure == "TEMPORARY" else self.rng.choice(("N", ""))
        tables["homelessness.csv"].append(
            [
                references.new("H"),
                lead.record_id,
                lead.family_name,
                lead.given_names,
                _iso(lead.date_of_birth),
                _GENDERS.get(lead.gender, "U"),
                _iso(approached),
                priority,
                "N",
                placement,
                _iso(placed_from),
                _iso(placed_to),
            ]
        )

    def _young_homeless(self, references: _References, tables: dict[str, list[list[str]]]) -> None:
        """A 16 or 17 year old's own homelessness case, in some families at Levels 3-4."""
        if self.family.level_of_need < 3 or self.rng.random() >= 0.4:
            return
        for person, view in self.members:
            approached = self.today - timedelta(days=self.rng.randrange(5, 90))
            if view.date_of_birth is None or not 16 <= person.age_on(approached) <= 17:
                continue
            hostel = self.rng.random() < 0.6
            tables["homelessness.csv"].append(
                [
                    references.new("H"),
                    view.record_id,
                    view.family_name,
                    view.given_names,
                    _iso(view.date_of_birth),
                    _GENDERS.get(view.gender, "U"),
                    _iso(approached),
                    "Y",
                    "Y" if 16 <= age_on(view.date_of_birth, approached) <= 17 else "N",
                    "HOSTEL" if hostel else "",
                    _iso(approached + timedelta(days=1)) if hostel else "",
                    "",
                ]
            )
            return

    def _reports(
        self, ref: str, home: Address, references: _References, tables: dict[str, list[list[str]]]
    ) -> None:
        level, concerns = self.family.level_of_need, self.family.concerns
        reports: list[tuple[str, tuple[str, ...]]] = []
        if "DOMESTIC_ABUSE" in concerns and self.rng.random() < (0, 0.3, 0.6, 0.9)[level - 1]:
            reports.append(("DOMESTIC_ABUSE_REPORT", _DOMESTIC_ABUSE))
        if "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR" in concerns or (
            level >= 3 and self.rng.random() < 0.2
        ):
            reports += [("ASB", _ASB)] * self.rng.randrange(1, 4)
        earliest = max(home.from_date, self.today - timedelta(days=540))
        span = (self.today - earliest).days
        for kind, texts in reports:
            when = earliest + timedelta(days=self.rng.randrange(max(span, 1)))
            row = [references.new("R"), ref, _iso(when), kind, self.rng.choice(texts)]
            tables["asb_and_da.csv"].append(row)


def _tenancy(ref: str, home: Address, end: date | None, tenure: str, bedrooms: int) -> list[str]:
    lines = [*home.lines, ""]
    second = ", ".join(lines[1:-1])
    return [
        ref,
        lines[0],
        second,
        home.town,
        home.postcode,
        "",
        _iso(home.from_date),
        _iso(end),
        tenure,
        str(bedrooms),
    ]
