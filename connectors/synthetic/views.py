"""Which agencies know each family member, and the noise in what each recorded."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from connectors.synthetic import names
from connectors.synthetic.concerns import _EXPLOITATION
from connectors.synthetic.draws import _chance
from connectors.synthetic.households import _Story
from connectors.synthetic.identifiers import _Registry
from connectors.synthetic.model import Address, AgencyView, SyntheticPerson

AGENCIES = ("police", "health", "education", "housing", "probation", "social_care")
#: Chance of each kind of noise in one agency's view of a person, among the views it can
#: apply to: a nickname needs a common short form, a hyphen needs a double-barrelled name,
#: a transposed date needs a day of 12 or less, a stale address needs a move, a missing
#: identifier is one the agency holds besides its own record id.
NOISE_RATES: dict[str, float] = {
    "nickname": 0.08,
    "transliteration": 0.25,
    "hyphenated_part": 0.30,
    "previous_family_name": 0.15,
    "family_name_typo": 0.03,
    "names_swapped": 0.01,
    "date_of_birth_missing": 0.03,
    "date_of_birth_transposed": 0.01,
    "gender_not_recorded": 0.01,
    "stale_address": 0.10,
    "identifier_missing": 0.05,
}

_VOWELS = "aeiou"


def _typo(rng: random.Random, name: str) -> str:
    """``name`` with one slip of the keyboard: letters swapped, dropped, doubled or misheard."""
    positions = [i for i in range(1, len(name)) if name[i].isalpha()]
    if not positions:
        return name + name[-1:]
    i = rng.choice(positions)
    slip = rng.randrange(4)
    if slip == 0 and i + 1 < len(name) and name[i + 1].isalpha() and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if slip == 1 and len(name) > 3:
        return name[:i] + name[i + 1 :]
    if slip == 2 and name[i] in _VOWELS:
        return name[:i] + rng.choice(_VOWELS.replace(name[i], "")) + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _recorded_names(
    rng: random.Random, person: SyntheticPerson, previous: str | None
) -> tuple[str, str]:
    given, family = person.given_names, person.family_name
    if previous is not None and _chance(rng, NOISE_RATES["previous_family_name"]):
        family = previous
    if "-" in family and _chance(rng, NOISE_RATES["hyphenated_part"]):
        parts = [part for part in family.split("-") if len(part) > 2]
        family = rng.choice(parts) if parts else family
    first, _, rest = given.partition(" ")
    first_variants = names.transliteration_variants(first)
    family_variants = names.transliteration_variants(family)
    if (first_variants or family_variants) and _chance(rng, NOISE_RATES["transliteration"]):
        if first_variants and (not family_variants or _chance(rng, 0.5)):
            first = rng.choice(first_variants)
        else:
            family = rng.choice(family_variants)
    short = names.nicknames(first)
    if short and _chance(rng, NOISE_RATES["nickname"]):
        first = rng.choice(short)
    if _chance(rng, NOISE_RATES["family_name_typo"]):
        family = _typo(rng, family)
    given = f"{first} {rest}" if rest else first
    if _chance(rng, NOISE_RATES["names_swapped"]):
        return family, given
    return given, family


def _recorded_birth(rng: random.Random, born: date) -> date | None:
    if _chance(rng, NOISE_RATES["date_of_birth_missing"]):
        return None
    transposable = born.day <= 12 and born.day != born.month
    if transposable and _chance(rng, NOISE_RATES["date_of_birth_transposed"]):
        return born.replace(month=born.day, day=born.month)
    return born


def _recorded_addresses(
    rng: random.Random, history: tuple[Address, ...], agency: str
) -> tuple[Address, ...]:
    """The addresses an agency holds: health the whole history, others the latest one or two.

    A stale record stops at an older home, which the agency still takes to be current
    (a landlord always knows its own tenancy, so housing records are never stale).
    """
    stale = len(history) > 1 and agency != "housing"
    if stale and _chance(rng, NOISE_RATES["stale_address"]):
        history = history[: rng.randrange(1, len(history))]
        history = (*history[:-1], replace(history[-1], to_date=None))
    if agency == "health":
        return history
    return history[-2:] if _chance(rng, 0.5) else history[-1:]


def _view(
    rng: random.Random,
    story: _Story,
    person: SyntheticPerson,
    agency: str,
    record_id: str,
    own: dict[str, str],
    others: dict[str, str] | None = None,
) -> AgencyView:
    """One agency's record of ``person``; ``others`` are identifiers it may have lost."""
    given, family = _recorded_names(rng, person, story.previous_names.get(person.key))
    gender = person.gender
    if _chance(rng, NOISE_RATES["gender_not_recorded"]):
        gender = "UNKNOWN"
    identifiers = dict(own)
    for scheme, value in (others or {}).items():
        if not _chance(rng, NOISE_RATES["identifier_missing"]):
            identifiers[scheme] = value
    return AgencyView(
        person.key,
        record_id,
        given,
        family,
        _recorded_birth(rng, person.date_of_birth),
        gender,
        identifiers,
        _recorded_addresses(rng, person.addresses, agency),
    )


_CONCERNS_SOCIAL_CARE_FOLLOWS = (
    frozenset({"DOMESTIC_ABUSE", "RISK_FROM_ADULT", "SEXUAL_ABUSE"}) | _EXPLOITATION
)


def _views(
    rng: random.Random, story: _Story, registry: _Registry, ref: date
) -> dict[str, dict[str, AgencyView]]:
    """Which agencies know each member of the family, and what each recorded."""
    views: dict[str, dict[str, AgencyView]] = {agency: {} for agency in AGENCIES}
    tenancy = registry.tenancy() if story.social_housing else None
    follows_poc = bool(story.family.concerns & _CONCERNS_SOCIAL_CARE_FOLLOWS)
    for person in story.family.members:
        key, child = person.key, person.role in ("CHILD", "SIBLING")
        resident = person.role != "PERSON_OF_CONCERN"
        lodger = story.relationships[key] in ("lodger", "family friend")
        if _chance(rng, 0.97 if resident and not lodger else 0.9):
            own = {"NHS_NUMBER": person.nhs_number}
            views["health"][key] = _view(rng, story, person, "health", person.nhs_number, own)
        upn = story.upns.get(key)
        if upn is not None and _chance(rng, 0.97):
            own = {"UNIQUE_PUPIL_NUMBER": upn}
            views["education"][key] = _view(rng, story, person, "education", upn, own)
        offender = key in story.offenders
        on_probation = person.age_on(ref) >= 18 and _chance(rng, 0.35 if offender else 0.008)
        police_id = None
        if _chance(rng, story.police_interest[key]) or (on_probation and _chance(rng, 0.95)):
            police_id = registry.police_id()
            own = {"POLICE_PERSON_ID": police_id}
            views["police"][key] = _view(rng, story, person, "police", police_id, own)
        if on_probation:
            crn = registry.crn()
            others = {"POLICE_PERSON_ID": police_id} if police_id else {}
            own = {"PROBATION_CASE_REFERENCE": crn}
            views["probation"][key] = _view(rng, story, person, "probation", crn, own, others)
        if tenancy is not None and resident and _chance(rng, 0.5 if lodger else 0.95):
            housing_id = registry.housing_person()
            others = {"HOUSING_TENANCY_REFERENCE": tenancy}
            views["housing"][key] = _view(rng, story, person, "housing", housing_id, {}, others)
        if story.social_care_history:
            if child:
                known = 1.0 if story.allocated else 0.95
            elif person.role in ("PARENT", "CARER"):
                known = 0.9
            elif resident:
                known = 0.35
            else:
                known = 0.5 if follows_poc else 0.2
            if _chance(rng, known):
                local_id = registry.social_care_id()
                others = {"NHS_NUMBER": person.nhs_number}
                if key in views["education"] and upn is not None:
                    others["UNIQUE_PUPIL_NUMBER"] = upn
                own = {"LOCAL_SOCIAL_CARE_ID": local_id}
                views["social_care"][key] = _view(
                    rng, story, person, "social_care", local_id, own, others
                )
    return views
