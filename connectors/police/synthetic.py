"""Writes a synthetic police export (FORMAT.md) for a synthetic partnership.

Each family's story becomes police events: domestic abuse incidents with a DASH
grading that rises with the level of need, child concern reports, missing
episodes, exploitation intelligence, antisocial behaviour, arrests. Only people
the force knows (``partnership.views["police"]``) appear, and every random choice
comes from ``partnership.rng_for("police")``, so a seed always gives the same files.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connectors.native import address_objects
from connectors.police.records import (
    AGENCY,
    CUSTODY_FILE,
    GENDERS,
    OCCURRENCES_FILE,
    PERSONS_FILE,
    REFERENCES,
)
from connectors.synthetic.model import AgencyView, Family, Partnership, SyntheticPerson

FORCE_PREFIX = "GMP"
CODE_FOR_GENDER = {symbol: code for code, symbol in GENDERS.items()}
CODE_FOR_SCHEME = {scheme: code for code, (scheme, _) in REFERENCES.items()}
#: Events lie within this many days before the reference date.
HISTORY_DAYS = 6 * 365
#: Level of need -> (fewest, most) incidents of one kind.
INCIDENTS = {1: (0, 1), 2: (1, 1), 3: (1, 2), 4: (2, 4)}
#: Level of need -> the risk gradings (DASH and the others) an incident may get.
RISK_BY_LEVEL = {
    1: ("STANDARD",),
    2: ("STANDARD",),
    3: ("STANDARD", "MEDIUM"),
    4: ("MEDIUM", "HIGH"),
}
CHILD_CONCERN_FOR = {
    "NEGLECT": "NEGLECT",
    "PHYSICAL_ABUSE": "PHYSICAL",
    "EMOTIONAL_ABUSE": "EMOTIONAL",
    "SEXUAL_ABUSE": "SEXUAL",
    "PARENTAL_SUBSTANCE_MISUSE": "SUBSTANCE_MISUSE",
    "PARENTAL_MENTAL_HEALTH": "MENTAL_HEALTH",
}
OFFENCES = (
    "theft from a shop",
    "burglary of a dwelling",
    "criminal damage",
    "possession of a controlled drug",
    "driving while disqualified",
    "handling stolen goods",
)
OFFENCES_AGAINST_CHILDREN = ("child cruelty or neglect", "assault on a child", "cruelty to a child")
YOUTH_OFFENCES = ("criminal damage", "theft from a shop", "possession of an offensive weapon")
ALIAS_SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Walsh", "Hughes", "Kelly", "Ward")
DA_ACCOUNTS = (
    "Neighbour reported shouting and banging; both parties at the address on arrival.",
    "Victim called 999 after an argument; officers saw damage to the kitchen door.",
    "Third-party report of a verbal argument in the street outside the address.",
    "Victim disclosed controlling behaviour over money and phone use.",
)


class _Export:
    """The rows of one export while they are being invented."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.persons: dict[str, dict[str, Any]] = {}
        self.occurrences: list[dict[str, Any]] = []
        self.custody: list[dict[str, Any]] = []

    def person(self, view: AgencyView, truth: SyntheticPerson | None) -> None:
        """The person row, aliases included, before any event touches it."""
        aliases = []
        adult = truth is None or truth.age_on(self.today) >= 18
        if adult and self.rng.random() < 0.08:
            surname = self.rng.choice(ALIAS_SURNAMES)
            aliases.append({"surname": surname, "forenames": view.given_names})
        references = [
            {"type": CODE_FOR_SCHEME[scheme], "value": value}
            for scheme, value in sorted(view.identifiers.items())
            if scheme in CODE_FOR_SCHEME
            and not (scheme == "POLICE_PERSON_ID" and value == view.record_id)
        ]
        self.persons[view.person_key] = {
            "person_id": view.record_id,
            "surname": view.family_name,
            "forenames": view.given_names,
            "aliases": aliases,
            "date_of_birth": view.date_of_birth.isoformat() if view.date_of_birth else None,
            "gender": CODE_FOR_GENDER.get(view.gender, "U"),
            "addresses": address_objects(view.addresses, since="from", until="to"),
            "markers": [],
            "person_of_concern": False,
            "references": references,
        }

    def day_after(self, *people: SyntheticPerson, aged: int = 0) -> date:
        """A day in the history window when every one of ``people`` was at least ``aged``."""
        earliest = self.today - timedelta(days=HISTORY_DAYS)
        for person in people:
            earliest = max(earliest, person.date_of_birth + timedelta(days=aged * 366 + 1))
        span = (self.today - earliest).days - 1
        if span < 0:
            return self.today - timedelta(days=1)
        return earliest + timedelta(days=self.rng.randint(0, span))

    def occurrence(
        self, kind: str, when: date, involved: Sequence[tuple[SyntheticPerson, str]], **extra: Any
    ) -> None:
        if not involved:
            return
        number = len(self.occurrences) + 1
        self.occurrences.append(
            {
                "occurrence_id": f"{FORCE_PREFIX}-OCC-{when:%Y%m%d}-{number:06d}",
                "type": kind,
                "date": when.isoformat(),
                **extra,
                "involved": [
                    {"person_id": self.persons[person.key]["person_id"], "role": role}
                    for person, role in involved
                ],
            }
        )

    def arrest(
        self,
        person: SyntheticPerson,
        offence: str,
        *,
        against_child: bool = False,
        domestic: bool = False,
    ) -> None:
        when = self.day_after(person, aged=18)
        number = len(self.custody) + 1
        outcomes = ("CHARGED", "CAUTION", "NFA", "RELEASED_UNDER_INVESTIGATION")
        self.custody.append(
            {
                "custody_id": f"{FORCE_PREFIX}-CUS-{when:%Y%m%d}-{number:06d}",
                "person_id": self.persons[person.key]["person_id"],
                "arrest_date": when.isoformat(),
                "offence": offence,
                "against_child": against_child,
                "domestic": domestic,
                "outcome": self.rng.choice(outcomes),
            }
        )

    def marker(self, person: SyntheticPerson, code: str, *, aged: int) -> None:
        markers = self.persons[person.key]["markers"]
        if all(marker["code"] != code for marker in markers):
            added = self.day_after(person, aged=aged)
            markers.append({"code": code, "added": added.isoformat()})


def write(partnership: Partnership, folder: Path) -> int:
    """Write ``persons.jsonl``, ``occurrences.jsonl`` and ``custody.jsonl`` under ``folder``.

    Returns:
        The number of person records written.
    """
    rng = partnership.rng_for(AGENCY)
    views = partnership.views.get(AGENCY, {})
    export = _Export(rng, partnership.reference_date)
    for family in partnership.families:
        known = [member for member in family.members if member.key in views]
        for member in known:
            export.person(views[member.key], member)
        if known:
            _family_events(export, family, known)
    for key, view in views.items():
        if key not in export.persons:
            export.person(view, None)
    folder.mkdir(parents=True, exist_ok=True)
    _write_lines(folder / PERSONS_FILE, export.persons.values())
    _write_lines(folder / OCCURRENCES_FILE, export.occurrences)
    _write_lines(folder / CUSTODY_FILE, export.custody)
    return len(export.persons)


def _write_lines(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)


def _family_events(export: _Export, family: Family, known: list[SyntheticPerson]) -> None:
    """The police events of one family's story, among the members the force knows."""
    rng, today, level = export.rng, export.today, family.level_of_need
    adults = [person for person in known if person.age_on(today) >= 18]
    # An unborn child (a date of birth still to come) has no police history.
    children = [person for person in known if 0 <= person.age_on(today) < 18]
    older = [child for child in children if child.age_on(today) >= 11]
    perpetrator = _perpetrator(adults)
    others = [adult for adult in adults if adult is not perpetrator]
    carers = [adult for adult in others if adult.role in ("PARENT", "CARER")]
    victim = next(iter(carers + others), None)
    fewest, most = INCIDENTS[level]
    for concern in sorted(family.concerns):
        times = rng.randint(fewest, most)
        if concern in ("PHYSICAL_ABUSE", "SEXUAL_ABUSE") and perpetrator and level >= 3:
            _abuse_of_a_child(export, concern, perpetrator, children)
        if concern == "DOMESTIC_ABUSE":
            for _ in range(times):
                _domestic_abuse(export, level, perpetrator, victim, children)
            if perpetrator is not None and level >= 3:
                export.arrest(perpetrator, "assault by beating", domestic=True)
                if level == 4 and rng.random() < 0.4:
                    export.marker(perpetrator, "VIOLENCE", aged=18)
        elif concern == "RISK_FROM_ADULT" and perpetrator is not None:
            export.persons[perpetrator.key]["person_of_concern"] = True
            if level >= 3:
                offence = rng.choice(OFFENCES_AGAINST_CHILDREN)
                export.arrest(perpetrator, offence, against_child=True)
        elif concern == "PARENTAL_OFFENDING" and adults:
            for _ in range(max(times, 1)):
                export.arrest(rng.choice(adults), rng.choice(OFFENCES))
        elif concern in CHILD_CONCERN_FOR and children and level >= 3:
            _child_concern(export, level, CHILD_CONCERN_FOR[concern], children, perpetrator)
        elif concern == "MISSING_FROM_HOME" and older:
            child = rng.choice(older)
            for _ in range(max(times, 1)):
                hours = rng.choice((3, 8, 14, 26, 40, 75))
                when = export.day_after(child, aged=10)
                export.occurrence(
                    "MISSING_PERSON", when, [(child, "MISSING_PERSON")], hours_missing=hours
                )
        elif concern in ("CHILD_SEXUAL_EXPLOITATION", "CHILD_CRIMINAL_EXPLOITATION"):
            at_risk = rng.choice(older) if older else None
            exploiter = perpetrator if perpetrator and perpetrator.role != "PARENT" else None
            _exploitation(export, level, concern, at_risk, exploiter, times)
        elif concern == "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR" and older:
            _youth_offending(export, level, rng.choice(older))
    for adult in adults:
        if rng.random() < 0.04:
            export.occurrence(
                "CRIME",
                export.day_after(adult, aged=18),
                [(adult, "VICTIM")],
                offence="theft of a pedal cycle",
                outcome="UNDER_INVESTIGATION",
                summary="Bicycle taken from the front garden overnight.",
            )


def _perpetrator(adults: list[SyntheticPerson]) -> SyntheticPerson | None:
    """Whom the family's story casts as the adult who harms, if the force knows them."""
    for role in ("PERSON_OF_CONCERN", "OTHER_HOUSEHOLD_MEMBER", "REGULAR_VISITOR"):
        for adult in adults:
            if adult.role == role:
                return adult
    men = [adult for adult in adults if adult.gender == "MALE"]
    return men[0] if men else (adults[0] if adults else None)


def _domestic_abuse(
    export: _Export,
    level: int,
    perpetrator: SyntheticPerson | None,
    victim: SyntheticPerson | None,
    children: list[SyntheticPerson],
) -> None:
    rng = export.rng
    adults = [person for person in (perpetrator, victim) if person is not None]
    when = export.day_after(*adults, aged=18)
    involved = [(victim, "VICTIM")] if victim is not None else []
    involved += [(perpetrator, "SUSPECT")] if perpetrator is not None else []
    involved += [
        (child, "CHILD_PRESENT")
        for child in children
        if child.date_of_birth < when and rng.random() < 0.7
    ]
    export.occurrence(
        "DOMESTIC_ABUSE",
        when,
        involved,
        dash_risk=rng.choice(RISK_BY_LEVEL[level]),
        summary=rng.choice(DA_ACCOUNTS),
    )


def _child_concern(
    export: _Export,
    level: int,
    concern: str,
    children: list[SyntheticPerson],
    perpetrator: SyntheticPerson | None,
) -> None:
    rng = export.rng
    child = rng.choice(children)
    when = export.day_after(child)
    involved = [(child, "SUBJECT")]
    if perpetrator is not None and concern in ("PHYSICAL", "SEXUAL"):
        involved.append((perpetrator, "SUSPECT"))
    export.occurrence(
        "CHILD_CONCERN",
        when,
        involved,
        concern=concern,
        risk_level=rng.choice(RISK_BY_LEVEL[level]),
        summary="Officers attending the address raised a concern for the child's welfare.",
    )
    if level == 4 and concern == "NEGLECT" and rng.random() < 0.25:
        export.occurrence(
            "POLICE_PROTECTION",
            export.day_after(child),
            [(child, "SUBJECT")],
            concern="NEGLECT",
            summary="Child found alone at home at night; removed to a place of safety.",
        )


def _exploitation(
    export: _Export,
    level: int,
    concern: str,
    child: SyntheticPerson | None,
    exploiter: SyntheticPerson | None,
    times: int,
) -> None:
    """Intelligence about a child at risk, naming the suspected exploiter if police know them."""
    rng = export.rng
    kind = "CSE" if concern == "CHILD_SEXUAL_EXPLOITATION" else "CCE"
    involved = [(child, "SUBJECT")] if child else []
    involved += [(exploiter, "SUSPECT")] if exploiter else []
    for _ in range(max(times, 1) if involved else 0):
        export.occurrence(
            "EXPLOITATION_INTELLIGENCE",
            export.day_after(child, aged=11) if child else export.day_after(),
            involved,
            exploitation_type=kind,
            risk_level=rng.choice(RISK_BY_LEVEL[level]),
            summary="Seen getting into cars with older males not known to the family."
            if kind == "CSE"
            else "Found out of area with cash and two phones; believed to be running drugs.",
        )
    if kind == "CCE" and level == 4 and child is not None:
        export.marker(child, "WEAPONS", aged=11)


def _abuse_of_a_child(
    export: _Export,
    concern: str,
    perpetrator: SyntheticPerson,
    children: list[SyntheticPerson],
) -> None:
    """A crime against a child of the family, with the adult the story blames as suspect."""
    rng = export.rng
    export.persons[perpetrator.key]["person_of_concern"] = True
    child = rng.choice(children) if children else None
    involved = [(perpetrator, "SUSPECT")] + ([(child, "VICTIM")] if child else [])
    export.occurrence(
        "CRIME",
        export.day_after(child) if child else export.day_after(perpetrator, aged=18),
        involved,
        offence="sexual assault on a child" if concern == "SEXUAL_ABUSE" else "assault on a child",
        outcome=rng.choice(("UNDER_INVESTIGATION", "CHARGED", "NFA")),
        against_child=True,
        summary="Disclosure made by the child at school; referred by the MASH.",
    )


def _youth_offending(export: _Export, level: int, child: SyntheticPerson) -> None:
    rng = export.rng
    export.occurrence(
        "ASB",
        export.day_after(child, aged=10),
        [(child, "SUBJECT")],
        summary="Group of youths throwing stones at buses; the child was identified on CCTV.",
    )
    if level >= 3:
        export.occurrence(
            "CRIME",
            export.day_after(child, aged=10),
            [(child, "SUSPECT")],
            offence=rng.choice(YOUTH_OFFENCES),
            outcome=rng.choice(("UNDER_INVESTIGATION", "COMMUNITY_RESOLUTION", "CHARGED")),
        )
