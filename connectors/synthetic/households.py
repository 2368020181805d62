"""Who lives in each household: parents or carers, children, sometimes others.

Also the story the generator keeps about a family beyond the model, which shapes
agency views and contacts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from connectors.synthetic import names
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.model import Family, SyntheticPerson


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _born(rng: random.Random, on: date, age: int) -> date:
    """A date of birth giving ``age`` whole years on ``on``."""
    return _years_before(on, age) - timedelta(days=rng.randrange(1, 365))


@dataclass
class _Draft:
    """A person while the household is put together."""

    role: str
    given: str
    family: str
    born: date
    female: bool
    relationship: str
    parental_responsibility: bool | None = None
    previous_family: str | None = None
    joined: date | None = None
    resident: bool = True


@dataclass
class _Story:
    """What the generator knows about a family beyond the model: it shapes views and contacts."""

    family: Family
    structure: str
    index_child: SyntheticPerson
    relationships: dict[str, str]
    parental_responsibility: dict[str, bool | None]
    previous_names: dict[str, str]
    town: str
    social_housing: bool
    social_care_history: bool
    allocated: bool
    offenders: tuple[str, ...]
    police_interest: dict[str, float]
    upns: dict[str, str] = field(default_factory=dict)


_STRUCTURES: dict[bool, dict[str, float]] = {
    # Complex needs: more lone parents, step-families and kinship care.
    False: {"couple": 58, "step": 10, "lone_mother": 24, "lone_father": 4, "kinship": 2, "two": 2},
    True: {"couple": 34, "step": 20, "lone_mother": 36, "lone_father": 4, "kinship": 5, "two": 1},
}
_CHILD_COUNTS: dict[int, float] = {1: 38, 2: 36, 3: 16, 4: 7, 5: 3}
_GAPS = (1, 2, 2, 2, 3, 3, 4, 5, 7)


def _child_ages(rng: random.Random) -> list[int]:
    """Ages of the children, eldest first; about 2% of siblings are twins."""
    count = _weighted(rng, _CHILD_COUNTS)
    gaps = [0 if _chance(rng, 0.02) else rng.choice(_GAPS) for _ in range(count - 1)]
    while sum(gaps) > 17:
        gaps.pop()
    ages = [rng.randint(0, 17 - sum(gaps))]
    for gap in gaps:
        ages.append(ages[-1] + gap)
    return sorted(ages, reverse=True)


def _heritage(rng: random.Random) -> names.NamePool:
    return names.POOLS[_weighted(rng, names.HERITAGE_WEIGHTS)]


def _adult(
    rng: random.Random,
    pool: names.NamePool,
    role: str,
    female: bool,
    born: date,
    relationship: str,
    family: str | None = None,
    generation: str = "adult",
) -> _Draft:
    surname = names.gendered_family_name(family or rng.choice(pool.family), female)
    return _Draft(role, pool.given(rng, female, generation), surname, born, female, relationship)


def _parent_born(rng: random.Random, eldest: date, span: int, mean: float, oldest: int) -> date:
    """A parent's birth date: mean age ``mean`` at the eldest's birth, at most ``oldest`` at
    the youngest's, never under 16."""
    age = max(16, min(round(rng.gauss(mean, 5.5)), 40, oldest - span))
    return _years_before(eldest, age) - timedelta(days=rng.randrange(0, 365))


def _double_barrelled(first: str, second: str) -> str:
    if "-" in first or "-" in second or first == second:
        return second
    return f"{first}-{second}"


def _compose(rng: random.Random, level: int, ref: date) -> tuple[list[_Draft], str]:
    """The household: parents or carers, then children eldest first, then other residents."""
    complex_needs = level >= 3
    structure = _weighted(rng, _STRUCTURES[complex_needs])
    pool = _heritage(rng)
    other_pool = pool if _chance(rng, 0.94) else _heritage(rng)
    ages = _child_ages(rng)
    births: list[date] = []
    for position, age in enumerate(ages):
        twin = position > 0 and age == ages[position - 1]
        births.append(births[-1] if twin else _born(rng, ref, age))
    eldest, span = births[0], ages[0] - ages[-1]
    mother_born = _parent_born(rng, eldest, span, 24.0 if complex_needs else 27.5, 45)
    father_born = _parent_born(rng, eldest, span, 30.0, 55)
    mother = _adult(rng, pool, "PARENT", True, mother_born, "mother")
    father = _adult(rng, other_pool, "PARENT", False, father_born, "father")
    mother.parental_responsibility = father.parental_responsibility = True
    surnames = [father.family] * len(ages)
    children_moved: date | None = None
    if structure in ("couple", "step"):
        adults = [mother, father]
        if _chance(rng, 0.55):
            mother.previous_family, mother.family = mother.family, _female_form(father.family)
        else:
            maiden = _male_form(mother.family)
            surnames = [
                _weighted(
                    rng,
                    {father.family: 55, maiden: 25, _double_barrelled(maiden, father.family): 20},
                )
            ] * len(ages)
        if structure == "step" and ages[0] >= 2:
            # The mother's partner joined after the eldest was born: children born since are
            # his and carry his name, the older ones their birth father's.
            joined = ref - timedelta(days=rng.randint(300, ages[0] * 365))
            birth_father = rng.choice(pool.family)
            surnames = [birth_father if born < joined else surnames[0] for born in births]
            father.joined, father.relationship = joined, "mother's partner"
            father.role, father.parental_responsibility = "CARER", False
    elif structure == "lone_mother":
        adults = [mother]
        name = mother.family if _chance(rng, 0.6) else rng.choice(other_pool.family)
        surnames = [_male_form(name)] * len(ages)
        if len(ages) > 1 and _chance(rng, 0.2):
            surnames[-1] = rng.choice(other_pool.family)
    elif structure == "lone_father":
        adults = [father]
    elif structure == "two":
        mother_age = ref.year - mother_born.year
        partner_age = max(ages[0] + 18, mother_age + round(rng.gauss(0, 4)))
        partner = _adult(
            rng, other_pool, "PARENT", True, _born(rng, ref, partner_age), "mother's partner"
        )
        partner.parental_responsibility = True
        maiden = _male_form(mother.family)
        both = _double_barrelled(maiden, _male_form(partner.family))
        surnames = [rng.choice((maiden, both))] * len(ages)
        adults = [mother, partner]
    else:
        adults = _grandparents(rng, pool, mother, father, ref)
        surnames = [father.family] * len(ages)
        children_moved = ref - timedelta(days=rng.randint(120, max(121, ages[0] * 365)))
    children: list[_Draft] = []
    child_pool = pool if _chance(rng, 0.7) else other_pool
    used: set[str] = set()
    for born, surname in zip(births, surnames, strict=True):
        female = _chance(rng, 0.49)
        given = child_pool.given(rng, female, "child")
        for _ in range(5):
            if given not in used:
                break
            given = child_pool.given(rng, female, "child")
        used.add(given)
        child = _Draft(
            "SIBLING",
            given,
            names.gendered_family_name(surname, female),
            born,
            female,
            "daughter" if female else "son",
        )
        if children_moved is not None and born < children_moved:
            child.joined = children_moved
        children.append(child)
    return adults + children + _other_residents(rng, pool, adults, children, ages, ref), structure


def _grandparents(
    rng: random.Random, pool: names.NamePool, mother: _Draft, father: _Draft, ref: date
) -> list[_Draft]:
    """Kinship carers: a grandmother, sometimes with the grandfather."""
    maternal = _chance(rng, 0.6)
    surname = _male_form(mother.family) if maternal else father.family
    side = "maternal" if maternal else "paternal"
    age = max(36, min(80, ref.year - mother.born.year + round(rng.gauss(25, 4))))
    responsibility = _chance(rng, 0.6)  # a special guardianship order gives it
    carers = [
        _adult(
            rng, pool, "CARER", True, _born(rng, ref, age), f"{side} grandmother", surname, "elder"
        )
    ]
    if _chance(rng, 0.5):
        born = _born(rng, ref, min(85, age + rng.randint(-2, 6)))
        carers.append(
            _adult(rng, pool, "CARER", False, born, f"{side} grandfather", surname, "elder")
        )
    for carer in carers:
        carer.parental_responsibility = responsibility
    return carers


def _female_form(name: str) -> str:
    return names.gendered_family_name(name, True)


def _male_form(name: str) -> str:
    """The dictionary form of a gendered surname (Kowalska -> Kowalski)."""
    return "-".join(
        part[:-1] + "i" if part.endswith(("ska", "cka", "dzka")) else part
        for part in name.split("-")
    )


def _other_residents(
    rng: random.Random,
    pool: names.NamePool,
    adults: list[_Draft],
    children: list[_Draft],
    ages: list[int],
    ref: date,
) -> list[_Draft]:
    """Sometimes a grandparent, an adult son or daughter, or a lodger; seven at most."""
    others: list[_Draft] = []
    room = 7 - len(adults) - len(children)
    lead = adults[0]
    kinship = "grand" in lead.relationship
    if room > 0 and not kinship and _chance(rng, 0.05):
        age = min(90, ref.year - lead.born.year + rng.randint(20, 32))
        female = _chance(rng, 0.65)
        relationship = f"{'maternal' if lead.female else 'paternal'} grand" + (
            "mother" if female else "father"
        )
        surname = _male_form(lead.previous_family or lead.family)
        gran = _adult(
            rng,
            pool,
            "OTHER_HOUSEHOLD_MEMBER",
            female,
            _born(rng, ref, age),
            relationship,
            surname,
            "elder",
        )
        gran.joined = ref - timedelta(days=rng.randint(60, 2500))
        others.append(gran)
        room -= 1
    if room > 0 and ages[0] >= 13 and not kinship and _chance(rng, 0.25):
        age = rng.randint(max(18, ages[0] + 1), 23)
        if ref.year - lead.born.year - age >= 17:
            female = _chance(rng, 0.5)
            relationship = "sister" if female else "brother"
            surname = _male_form(children[0].family)
            sibling = _adult(
                rng,
                pool,
                "OTHER_HOUSEHOLD_MEMBER",
                female,
                _born(rng, ref, age),
                relationship,
                surname,
                "child",
            )
            others.append(sibling)
            room -= 1
    if room > 0 and _chance(rng, 0.03):
        lodger = _adult(
            rng,
            _heritage(rng),
            "OTHER_HOUSEHOLD_MEMBER",
            _chance(rng, 0.4),
            _born(rng, ref, rng.randint(19, 60)),
            rng.choice(("lodger", "family friend")),
        )
        lodger.joined = ref - timedelta(days=rng.randint(30, 1500))
        others.append(lodger)
    return others
