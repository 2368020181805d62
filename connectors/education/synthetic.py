"""A synthetic education export: the pupil database's CSV files for everyone education knows.

Each pupil's record follows the family's story: the level of need sets attendance and how
often the pupil changes school; the concerns decide what else there is (suspensions for
CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR, an EHC plan for DISABILITY_OR_COMPLEX_NEEDS, a
CME report for CHILD_MISSING_EDUCATION, free school meals for POVERTY_OR_DEBT...). Only
``partnership.rng_for("education")`` supplies randomness, so a seed always gives the same
files. Schools come from ``connectors.synthetic.names``; their URNs are invented (9xxxxx).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from connectors.education.records import COLUMNS
from connectors.native import write_csv_files
from connectors.synthetic.model import AgencyView, Family, Partnership, SyntheticPerson
from connectors.synthetic.names import NURSERIES, SCHOOLS

AGENCY = "education"
_GENDERS = {"FEMALE": "F", "MALE": "M"}
_BEHAVIOUR = ("CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR", "CHILD_CRIMINAL_EXPLOITATION")
_LEAVING_REASONS = ("MOVED_HOUSE", "MOVED_HOUSE", "PARENTAL_CHOICE", "MANAGED_MOVE")
_REASONS = ("DB", "DB", "LD", "CB", "VA", "VP", "PP", "PA", "DM", "BU")
_REASONS_BY_CONCERN = {
    "CHILD_SUBSTANCE_MISUSE": "DR",
    "HARMFUL_SEXUAL_BEHAVIOUR": "SB",
    "CHILD_CRIMINAL_EXPLOITATION": "OW",
}
_CME_NOTES = (
    "Not seen at school since the half-term holiday; no answer at the home address.",
    "Neighbours say the family has moved away; no new school has asked for records.",
)


def write(partnership: Partnership, folder: Path) -> int:
    """Write the five CSV files for everyone in ``partnership.views["education"]``.

    Returns:
        How many pupils were written.
    """
    rng = partnership.rng_for(AGENCY)
    people = {
        person.key: (family, person) for family in partnership.families for person in family.members
    }
    tables: dict[str, list[list[str]]] = {name: [] for name in COLUMNS}
    views = partnership.views.get(AGENCY, {})
    for key, view in views.items():
        family, person = people[key]
        _Pupil(rng, partnership.reference_date, family, person, view, tables).write()
    folder.mkdir(parents=True, exist_ok=True)
    write_csv_files(folder, COLUMNS, tables)
    return len(views)


def _uk(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _sessions(start: date, end: date) -> int:
    """Possible sessions between two days: two a weekday, less school holidays."""
    days = (end - start).days + 1
    weeks, extra = divmod(max(days, 0), 7)
    weekdays = weeks * 5 + sum(1 for i in range(extra) if (start.weekday() + i) % 7 < 5)
    return max(2, round(weekdays * 0.83) * 2)


@dataclass
class _School:
    urn: str
    name: str


@dataclass
class _Pupil:
    """One pupil's invented school life, written into the tables."""

    rng: random.Random
    today: date
    family: Family
    person: SyntheticPerson
    view: AgencyView
    tables: dict[str, list[list[str]]]
    history: list[list[str]] = field(default_factory=list)
    year_start: date = field(init=False)
    #: Age on 31 August before this academic year: 4 in Reception, 11 in Year 7.
    school_age: int = field(init=False)
    expelled_on: date | None = None

    def __post_init__(self) -> None:
        self.year_start = date(self.today.year - (self.today.month < 9), 9, 1)
        self.school_age = self.person.age_on(self.year_start - timedelta(days=1))

    def write(self) -> None:
        """Add the pupil's rows to every table."""
        concerns, level = self.family.concerns, self.family.level_of_need
        troubled = bool(concerns & {*_BEHAVIOUR, "EDUCATION_ATTENDANCE_OR_EXCLUSION"})
        phase = self._phase()
        current: _School | None = None
        if phase is not None:
            expel = troubled and level == 4 and self.school_age >= 5 and self.rng.random() < 0.2
            current = self._history(phase, concerns, level, expel)
        self._pupil_row(current, concerns, level)
        if current is not None or self.history:
            self._attendance(concerns, level)
        if self.school_age >= 5:
            self._exclusions(concerns, level, troubled)

    def _phase(self) -> tuple[str, date] | None:
        """The school phase the pupil is in and when it began, if any."""
        start_year = self.year_start.year
        if self.school_age < 2 or self.person.date_of_birth > self.today:
            return None
        if self.school_age <= 3:
            return "nursery", max(
                self.person.date_of_birth + timedelta(days=3 * 365), date(start_year, 9, 1)
            )
        if self.school_age <= 10:
            return "primary", date(start_year - (self.school_age - 4), 9, 1)
        if self.school_age <= 17:
            return "secondary", date(start_year - (self.school_age - 11), 9, 1)
        return None

    def _school(self, phase: str, unlike: str = "") -> _School:
        if phase == "nursery":
            index = self.rng.randrange(len(NURSERIES))
            return _School(f"99{index + 1:04d}", NURSERIES[index])
        towns = {address.town for address in self.view.addresses}
        choices = [s for s in SCHOOLS if s.phase == phase and f"9{s.establishment:05d}" != unlike]
        local = [s for s in choices if s.town in towns] or choices
        chosen = self.rng.choice(local)
        return _School(f"9{chosen.establishment:05d}", chosen.name)

    def _history(
        self, phase: tuple[str, date], concerns: frozenset[str], level: int, expel: bool
    ) -> _School | None:
        """School history rows; returns the current school (None if off roll).

        With ``expel``, the last move is a permanent exclusion, written to exclusions.csv.
        """
        name, started = phase
        if name == "secondary" and self.school_age <= 16:
            primary = self._school("primary")
            left_primary = date(started.year, 7, 20)
            begun = date(started.year - 7, 9, 1)
            self._stay(primary, begun, left_primary, "END_OF_PHASE")
        moves = 0
        if concerns & {"HOUSING_OR_HOMELESSNESS", "CHILD_MISSING_EDUCATION"}:
            moves = self.rng.choice((1, 2, 3))
        elif level >= 3:
            moves = self.rng.choice((0, 0, 1, 2))
        elif self.rng.random() < 0.03:
            moves = 1
        moves = max(moves, int(expel))
        earliest = max(started + timedelta(days=30), self.today - timedelta(days=700))
        span = (self.today - timedelta(days=20) - earliest).days
        if name == "nursery" or span < 30 * (moves + 1):
            moves = 0
        # One move in each equal slot of the span, early in it: moves stay weeks apart.
        slot = span // max(moves, 1)
        leavings = [
            earliest + timedelta(days=slot * i + self.rng.randrange(slot // 2))
            for i in range(moves)
        ]
        school, entry = self._school(name), started
        for number, leaving in enumerate(leavings, start=1):
            reason = self.rng.choice(_LEAVING_REASONS)
            if expel and number == moves:
                reason, self.expelled_on = "PERMANENT_EXCLUSION", leaving
                row = [
                    self.view.record_id,
                    _uk(leaving),
                    "PERMANENT",
                    "",
                    self.rng.choice(_REASONS),
                ]
                self.tables["exclusions.csv"].append(row)
            self._stay(school, entry, leaving, reason)
            school, entry = (
                self._school(name, school.urn),
                leaving + timedelta(self.rng.randrange(1, 15)),
            )
        if "CHILD_MISSING_EDUCATION" in concerns:
            reported = self.today - timedelta(days=self.rng.randrange(10, 180))
            status = {4: "OPEN", 3: "TRACED"}.get(level, "RESOLVED")
            self.tables["cme.csv"].append(
                [self.view.record_id, _uk(reported), status, self.rng.choice(_CME_NOTES)]
            )
            off_roll = reported + timedelta(days=28)
            if status == "OPEN" and off_roll < self.today and entry < reported:
                self._stay(school, entry, off_roll, "CME")
                return None
        self._stay(school, entry, None, "")
        return school

    def _stay(self, school: _School, entry: date, leaving: date | None, reason: str) -> None:
        row = [self.view.record_id, school.urn, school.name, _uk(entry), _uk(leaving), reason]
        self.history.append(row)
        self.tables["school_history.csv"].append(row)

    def _pupil_row(self, current: _School | None, concerns: frozenset[str], level: int) -> None:
        view = self.view
        given = view.given_names
        first = given.replace("-", " ").split()[0] if given else ""
        preferred = first if first != given and self.rng.random() < 0.25 else ""
        parents = [m.family_name for m in self.family.members if m.role in ("PARENT", "CARER")]
        other_surname = next((name for name in parents if name != view.family_name), "")
        preferred_surname = other_surname if self.rng.random() < 0.3 else ""
        provision, need = "N", ""
        if "DISABILITY_OR_COMPLEX_NEEDS" in concerns:
            provision = "E" if self.rng.random() < 0.6 else "K"
            need = self.rng.choice(("ASD", "SLD", "PD", "HI"))
        elif "CHILD_MENTAL_HEALTH_OR_SELF_HARM" in concerns and self.rng.random() < 0.5:
            provision, need = "K", "SEMH"
        elif "CHILD_HEALTH_OR_DEVELOPMENT" in concerns and self.rng.random() < 0.4:
            provision, need = "K", "SLCN"
        elif self.rng.random() < 0.08 + 0.04 * level:
            provision, need = "K", self.rng.choice(("SPLD", "MLD", "SLCN", "SEMH", "NSA"))
        poor = "POVERTY_OR_DEBT" in concerns or (level >= 3 and self.rng.random() < 0.6)
        free_meals = "Y" if poor or self.rng.random() < 0.15 else "N"
        home = next((a for a in self.view.addresses if a.to_date is None), None)
        home = home or (self.view.addresses[-1] if self.view.addresses else None)
        lines = [*(home.lines if home else ()), "", "", ""][:3]
        self.tables["pupils.csv"].append(
            [
                view.record_id,
                view.family_name,
                given,
                preferred_surname,
                preferred,
                _uk(view.date_of_birth),
                _GENDERS.get(view.gender, ""),
                *lines,
                home.town if home else "",
                home.postcode if home else "",
                _uk(home.from_date if home else None),
                current.urn if current else "",
                current.name if current else "",
                free_meals,
                provision,
                "Y" if provision == "E" else "N",
                need,
            ]
        )

    def _rate(self, concerns: frozenset[str], level: int) -> float:
        low, high = ((94.0, 99.5), (89.0, 98.0), (80.0, 95.0), (60.0, 93.0))[level - 1]
        rate = self.rng.uniform(low, high)
        rate -= 15 if "EDUCATION_ATTENDANCE_OR_EXCLUSION" in concerns else 0
        rate -= 8 if "NEGLECT" in concerns else 0
        rate -= 30 if "CHILD_MISSING_EDUCATION" in concerns else 0
        return max(rate, 20.0) / 100

    def _attendance(self, concerns: frozenset[str], level: int) -> None:
        if self.school_age < 4:
            return
        years = [(self.year_start, self.today - timedelta(days=1))]
        if self.school_age >= 5:
            last_start = date(self.year_start.year - 1, 9, 1)
            years.append((last_start, date(self.year_start.year, 7, 22)))
        unauthorised_share = (0.1, 0.25, 0.4, 0.6)[level - 1]
        for start, end in sorted(years):
            possible = 380 if end.month == 7 else _sessions(start, end)
            attended = round(possible * self._rate(concerns, level))
            unauthorised = round((possible - attended) * unauthorised_share)
            label = f"{start.year}/{(start.year + 1) % 100:02d}"
            self.tables["attendance.csv"].append(
                [
                    self.view.record_id,
                    label,
                    _uk(start),
                    _uk(end),
                    str(possible),
                    str(attended),
                    str(possible - attended - unauthorised),
                    str(unauthorised),
                ]
            )

    def _exclusions(self, concerns: frozenset[str], level: int, troubled: bool) -> None:
        """Suspensions; a permanent exclusion is written with the school history."""
        count = 0
        if troubled and level >= 2:
            count = self.rng.choice(((0, 1), (1, 1, 2), (1, 2, 3), (2, 3, 4))[level - 1])
        elif self.rng.random() < 0.02:
            count = 1
        special = [code for concern, code in _REASONS_BY_CONCERN.items() if concern in concerns]
        taken = {_uk(self.expelled_on)}
        for number in range(count):
            start = self.today - timedelta(days=self.rng.randrange(14, 540))
            if _uk(start) in taken:
                continue
            taken.add(_uk(start))
            reason = special[0] if special and number == 0 else self.rng.choice(_REASONS)
            sessions = str(self.rng.choice((1, 2, 2, 4, 6, 10)))
            self.tables["exclusions.csv"].append(
                [self.view.record_id, _uk(start), "SUSPENSION", sessions, reason]
            )
