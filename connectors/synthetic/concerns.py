"""Concerns that fit a level of need, the person of concern, and who offends."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.households import _adult, _born, _Draft, _heritage, _male_form
from connectors.synthetic.identifiers import SCHOOL_AGES
from connectors.synthetic.model import SyntheticPerson

#: (symbol, weight, what the index child must be: "school" 4-16, "carer" 8+, "teen" 10+,
#: "adolescent" 12+, or "" for anyone).
_Option = tuple[str, float, str]
_MILD: tuple[_Option, ...] = (
    ("PARENTAL_MENTAL_HEALTH", 3, ""),
    ("CHILD_HEALTH_OR_DEVELOPMENT", 3, ""),
    ("POVERTY_OR_DEBT", 2, ""),
    ("EDUCATION_ATTENDANCE_OR_EXCLUSION", 2, "school"),
    ("OTHER", 2, ""),
)
_ADDITIONAL: tuple[_Option, ...] = (
    ("CHILD_HEALTH_OR_DEVELOPMENT", 4, ""),
    ("EDUCATION_ATTENDANCE_OR_EXCLUSION", 4, "school"),
    ("PARENTAL_MENTAL_HEALTH", 4, ""),
    ("FAMILY_CONFLICT", 3, ""),
    ("CHILD_MENTAL_HEALTH_OR_SELF_HARM", 2, "teen"),
    ("YOUNG_CARER", 1, "carer"),
    ("HOUSING_OR_HOMELESSNESS", 2, ""),
    ("CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR", 1, "teen"),
    ("DOMESTIC_ABUSE", 2, ""),
    ("PARENTAL_SUBSTANCE_MISUSE", 1, ""),
    ("UNEXPLAINED_INJURY", 1, ""),
    ("CHILD_SUBSTANCE_MISUSE", 1, "adolescent"),
    ("DISABILITY_OR_COMPLEX_NEEDS", 1, ""),
    ("POVERTY_OR_DEBT", 1, ""),
)
_COMPLEX: tuple[_Option, ...] = (
    ("DOMESTIC_ABUSE", 5, ""),
    ("PARENTAL_SUBSTANCE_MISUSE", 3, ""),
    ("PARENTAL_MENTAL_HEALTH", 4, ""),
    ("PARENTAL_LEARNING_DISABILITY", 1, ""),
    ("FAMILY_CONFLICT", 3, ""),
    ("EDUCATION_ATTENDANCE_OR_EXCLUSION", 3, "school"),
    ("HOUSING_OR_HOMELESSNESS", 3, ""),
    ("POVERTY_OR_DEBT", 3, ""),
    ("PARENTAL_OFFENDING", 2, ""),
    ("CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR", 2, "teen"),
    ("MISSING_FROM_HOME", 2, "teen"),
    ("CHILD_MENTAL_HEALTH_OR_SELF_HARM", 2, "teen"),
    ("YOUNG_CARER", 1, "carer"),
    ("CHILD_SUBSTANCE_MISUSE", 1, "adolescent"),
    ("HARMFUL_SEXUAL_BEHAVIOUR", 1, "teen"),
    ("RADICALISATION_OR_EXTREMISM", 0.3, "adolescent"),
    ("UNEXPLAINED_INJURY", 1, ""),
    ("CHILD_HEALTH_OR_DEVELOPMENT", 2, ""),
)
_SIGNIFICANT_HARM: tuple[_Option, ...] = (
    ("NEGLECT", 6, ""),
    ("PHYSICAL_ABUSE", 4, ""),
    ("SEXUAL_ABUSE", 2, ""),
    ("EMOTIONAL_ABUSE", 3, ""),
    ("DOMESTIC_ABUSE", 6, ""),
    ("CHILD_SEXUAL_EXPLOITATION", 2, "teen"),
    ("CHILD_CRIMINAL_EXPLOITATION", 2, "teen"),
    ("RISK_FROM_ADULT", 2, ""),
    ("PARENTING_CAPACITY", 3, ""),
    ("HONOUR_BASED_ABUSE_OR_FORCED_MARRIAGE", 0.3, "teen"),
    ("CHILD_MISSING_EDUCATION", 0.7, "school"),
    ("FABRICATED_OR_INDUCED_ILLNESS", 0.2, ""),
    ("ORGANISED_OR_COMPLEX_ABUSE", 0.2, ""),
    ("DISABILITY_OR_COMPLEX_NEEDS", 0.5, ""),
    ("CHILD_ON_CHILD_ABUSE", 0.5, "teen"),
)
_ALONGSIDE_HARM: tuple[_Option, ...] = (
    ("PARENTAL_MENTAL_HEALTH", 4, ""),
    ("PARENTAL_SUBSTANCE_MISUSE", 4, ""),
    ("DOMESTIC_ABUSE", 3, ""),
    ("MISSING_FROM_HOME", 2, "teen"),
    ("PARENTAL_OFFENDING", 2, ""),
    ("HOUSING_OR_HOMELESSNESS", 2, ""),
    ("POVERTY_OR_DEBT", 2, ""),
    ("EDUCATION_ATTENDANCE_OR_EXCLUSION", 3, "school"),
    ("CHILD_MENTAL_HEALTH_OR_SELF_HARM", 2, "teen"),
    ("CHILD_SUBSTANCE_MISUSE", 1, "adolescent"),
    ("EMOTIONAL_ABUSE", 2, ""),
    ("NEGLECT", 2, ""),
    ("PARENTAL_LEARNING_DISABILITY", 1, ""),
    ("YOUNG_CARER", 0.5, "carer"),
)
_MINIMUM_AGE = {"": 0, "school": 4, "carer": 8, "teen": 10, "adolescent": 12}


def _pick(rng: random.Random, options: Sequence[_Option], age: int, count: int) -> list[str]:
    weights = {
        symbol: weight
        for symbol, weight, needs in options
        if age >= _MINIMUM_AGE[needs] and (needs != "school" or age in SCHOOL_AGES)
    }
    picked: list[str] = []
    while weights and len(picked) < count:
        symbol = _weighted(rng, weights)
        picked.append(symbol)
        del weights[symbol]
    return picked


def _concerns(rng: random.Random, level: int, index_age: int) -> frozenset[str]:
    if level == 1:
        return frozenset(_pick(rng, _MILD, index_age, 1) if _chance(rng, 0.4) else [])
    if level == 2:
        return frozenset(_pick(rng, _ADDITIONAL, index_age, rng.randint(1, 2)))
    if level == 3:
        return frozenset(_pick(rng, _COMPLEX, index_age, rng.randint(2, 3)))
    primary = _pick(rng, _SIGNIFICANT_HARM, index_age, 1)
    alongside = [c for c in _pick(rng, _ALONGSIDE_HARM, index_age, 3) if c not in primary]
    return frozenset(primary + alongside[: rng.randint(1, 3)])


_EXPLOITATION = frozenset({"CHILD_SEXUAL_EXPLOITATION", "CHILD_CRIMINAL_EXPLOITATION"})
_YOUNG_PEOPLE_POLICE_KNOW = frozenset(
    {
        "CHILD_SEXUAL_EXPLOITATION",
        "CHILD_CRIMINAL_EXPLOITATION",
        "MISSING_FROM_HOME",
        "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR",
        "HARMFUL_SEXUAL_BEHAVIOUR",
        "CHILD_ON_CHILD_ABUSE",
    }
)


def _person_of_concern(
    rng: random.Random, concerns: frozenset[str], lead: _Draft, index: _Draft, ref: date
) -> _Draft | None:
    """Someone outside the household who may present a risk, when the story has one."""
    chance = max(
        0.9 if "RISK_FROM_ADULT" in concerns else 0.0,
        0.6 if concerns & _EXPLOITATION else 0.0,
        0.5 if "SEXUAL_ABUSE" in concerns else 0.0,
        0.45 if "DOMESTIC_ABUSE" in concerns else 0.0,
    )
    if not _chance(rng, chance):
        return None
    pool = _heritage(rng)
    holder = "father's" if lead.relationship == "father" else "mother's"
    female = False
    if concerns & _EXPLOITATION and _chance(rng, 0.6):
        relationship = "older boyfriend" if index.female else "adult associate"
        age = rng.randint(18, 30)
    elif "DOMESTIC_ABUSE" in concerns:
        relationship = f"{holder} {rng.choice(('ex-partner', 'new partner'))}"
        age = max(18, ref.year - lead.born.year + round(rng.gauss(2, 5)))
        female = holder == "father's"
    else:
        relationship = rng.choice((f"{holder} new partner", "family friend", "uncle"))
        age = max(18, ref.year - lead.born.year + round(rng.gauss(1, 6)))
        female = holder == "father's" and "partner" in relationship
    surname = _male_form(lead.previous_family or lead.family) if relationship == "uncle" else None
    person = _adult(
        rng, pool, "PERSON_OF_CONCERN", female, _born(rng, ref, age), relationship, surname
    )
    person.resident, person.parental_responsibility = False, False
    return person


def _police_story(
    rng: random.Random,
    concerns: frozenset[str],
    drafts: list[_Draft],
    people: dict[int, SyntheticPerson],
    index: _Draft,
) -> tuple[tuple[str, ...], dict[str, float]]:
    """Who offends in this story, and how likely police are to know each person."""
    interest: dict[str, float] = {}
    for draft in drafts:
        adult = draft.role not in ("CHILD", "SIBLING")
        interest[people[id(draft)].key] = 0.08 if adult else 0.02
    carers = [d for d in drafts if d.role in ("PARENT", "CARER")]
    poc = next((d for d in drafts if d.role == "PERSON_OF_CONCERN"), None)
    men = [d for d in carers if not d.female]
    offenders: list[_Draft] = []
    if "DOMESTIC_ABUSE" in concerns:
        if poc is not None and "partner" in poc.relationship:
            offenders.append(poc)
        elif men:
            offenders.append(men[0])
        for draft in drafts:
            key = people[id(draft)].key
            if draft.role in ("CHILD", "SIBLING"):
                interest[key] = max(interest[key], 0.5)
            elif draft.female and draft.role in ("PARENT", "CARER"):
                interest[key] = 0.8
    if "PARENTAL_OFFENDING" in concerns and carers:
        offenders.append(men[0] if men and _chance(rng, 0.75) else carers[0])
    if concerns & (_EXPLOITATION | {"RISK_FROM_ADULT", "SEXUAL_ABUSE", "PHYSICAL_ABUSE"}):
        lodgers = [d for d in drafts if d.relationship in ("lodger", "family friend")]
        suspect = poc or (lodgers[0] if lodgers else None) or (men[0] if men else None)
        # A physical injury is often not attributed to anyone the police can name.
        if suspect is not None and ("PHYSICAL_ABUSE" not in concerns or _chance(rng, 0.5)):
            offenders.append(suspect)
    if "PARENTAL_SUBSTANCE_MISUSE" in concerns:
        for draft in carers:
            interest[people[id(draft)].key] = max(interest[people[id(draft)].key], 0.25)
    if concerns & _YOUNG_PEOPLE_POLICE_KNOW:
        interest[people[id(index)].key] = 0.85
    keys: list[str] = []
    for draft in offenders:
        key = people[id(draft)].key
        if key not in keys:
            keys.append(key)
            interest[key] = 0.9
    return tuple(keys), interest
