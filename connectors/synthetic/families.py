"""Generate the truth of a synthetic partnership: households, their stories, who knows whom.

``generate`` builds households of 2-7 people (plus, in some families with concerns, a
person of concern living elsewhere), gives each a level of need on Wigan's continuum
and concerns that fit it, decides which agencies know whom and records each agency's
noisy view of them, then writes MASH contacts and social care allocations as
``uk.mash.v1`` Avro values. One ``random.Random(seed)`` drives everything, in a fixed
order, so a seed always gives the same partnership.

Identifiers are valid but never real: NHS numbers come from the 999 range reserved
for testing, UPNs carry the DfE check letter, the rest follow each agency's shape.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import cast

from broker.authority import load_authority
from connectors.synthetic.addresses import _MOVES, _history, _joined_from_elsewhere, _since
from connectors.synthetic.allocations import _allocations
from connectors.synthetic.avro import _uuid
from connectors.synthetic.concerns import _concerns, _person_of_concern, _police_story
from connectors.synthetic.contacts import _contact
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.households import _compose, _Draft, _Story
from connectors.synthetic.identifiers import SCHOOL_AGES, _Registry
from connectors.synthetic.model import Family, Partnership, SyntheticPerson
from connectors.synthetic.views import AGENCIES, _views

#: Share of families at each level of need (most universal or earliest help).
LEVEL_WEIGHTS: dict[int, float] = {1: 50, 2: 28, 3: 14, 4: 8}
#: Chance that a family at each level has a contact in the last 30 days (about 30% overall).
CONTACT_RATES: dict[int, float] = {1: 0.18, 2: 0.30, 3: 0.50, 4: 0.70}


def _family(rng: random.Random, key: str, level: int, ref: date, registry: _Registry) -> _Story:
    drafts, structure = _compose(rng, level, ref)
    children = [d for d in drafts if d.relationship in ("son", "daughter")]
    index = rng.choice(children)
    index.role = "CHILD"
    index_age = (
        ref.year - index.born.year - ((ref.month, ref.day) < (index.born.month, index.born.day))
    )
    concerns = _concerns(rng, level, index_age)
    lead = drafts[0]
    if len(drafts) < 7:
        poc = _person_of_concern(rng, concerns, lead, index, ref)
        if poc is not None:
            drafts.append(poc)
    social_housing = _chance(
        rng,
        0.8 if "HOUSING_OR_HOMELESSNESS" in concerns else {1: 0.3, 2: 0.42, 3: 0.55, 4: 0.6}[level],
    )
    moves = _weighted(rng, _MOVES[level >= 3]) + ("HOUSING_OR_HOMELESSNESS" in concerns)
    flats = 0.25 if social_housing else 0.08
    arrivals = [d.joined for d in drafts if d.joined] + [
        d.born for d in drafts if d.relationship in ("son", "daughter", "brother", "sister")
    ]
    household = _history(rng, ref, min(moves, 3), flats, min(arrivals))
    town = household[-1].town
    people: list[SyntheticPerson] = []
    relationships: dict[str, str] = {}
    responsibility: dict[str, bool | None] = {}
    previous: dict[str, str] = {}
    for number, draft in enumerate(drafts, start=1):
        person_key = f"{key}-{number:02d}"
        if not draft.resident:
            addresses = _history(rng, ref, rng.randint(0, 2), 0.3)
        elif draft.joined is not None:
            addresses = _joined_from_elsewhere(rng, household, draft.joined, town, draft.born)
        else:
            addresses = _since(household, draft.born)
        gender = "FEMALE" if draft.female else "MALE"
        if ref.year - draft.born.year >= 13 and _chance(rng, 0.003):
            gender = "OTHER"
        people.append(
            SyntheticPerson(
                person_key,
                key,
                draft.role,
                draft.given,
                draft.family,
                draft.born,
                gender,
                registry.nhs_number(),
                addresses,
            )
        )
        relationships[person_key] = _relationship_to_index(draft, index)
        responsibility[person_key] = draft.parental_responsibility
        if draft.previous_family:
            previous[person_key] = draft.previous_family
    family = Family(key, tuple(people), level, concerns)
    by_draft = dict(zip((id(d) for d in drafts), people, strict=True))
    index_person = by_draft[id(index)]
    offenders, interest = _police_story(rng, concerns, drafts, by_draft, index)
    history = _chance(rng, {1: 0.03, 2: 0.15, 3: 0.5, 4: 0.85}[level])
    allocated = history and level >= 3 and _chance(rng, 0.55 if level == 4 else 0.3)
    story = _Story(
        family,
        structure,
        index_person,
        relationships,
        responsibility,
        previous,
        town,
        social_housing,
        history,
        allocated,
        offenders,
        interest,
    )
    for person in people:
        if person.role in ("CHILD", "SIBLING") and person.age_on(ref) in SCHOOL_AGES:
            story.upns[person.key] = registry.upn(person.date_of_birth, town)
    return story


def _relationship_to_index(draft: _Draft, index: _Draft) -> str:
    if draft is index:
        return "child"
    if draft.relationship in ("son", "daughter"):
        return "sister" if draft.female else "brother"
    return draft.relationship


def _levels(rng: random.Random, families: int) -> list[int]:
    """Levels of need; with eight families or more, every level occurs at least once."""
    levels = [_weighted(rng, LEVEL_WEIGHTS) for _ in range(families)]
    if families >= 8:
        for level in (1, 2, 3, 4):
            if level not in levels:
                commonest = Counter(levels).most_common(1)[0][0]
                positions = [i for i, other in enumerate(levels) if other == commonest]
                levels[rng.choice(positions)] = level
    return levels


def generate(
    families: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    reference_date: date = date(2026, 11, 23),
) -> Partnership:
    """A synthetic partnership of ``families`` households, the same for the same seed.

    Args:
        families: how many households to generate.
        seed: fixes every random choice.
        progress: called with (families done, families in all) every 1,000 families and
            once at the end.
        reference_date: "today"; contacts fall in the 30 days before it.

    Raises:
        ValueError: ``families`` is negative, or too large for the NHS test number range.
    """
    if families < 0:
        raise ValueError("families must not be negative")
    rng = random.Random(seed)
    authority = load_authority()
    teams = {team.key: team.name for team in authority.teams}
    registry = _Registry(rng)
    partnership = Partnership(
        seed=seed, reference_date=reference_date, views={agency: {} for agency in AGENCIES}
    )
    stories: list[_Story] = []
    for number, level in enumerate(_levels(rng, families), start=1):
        story = _family(rng, f"F{number:06d}", level, reference_date, registry)
        views = _views(rng, story, registry, reference_date)
        for agency, recorded in views.items():
            partnership.views[agency].update(recorded)
        partnership.families.append(story.family)
        if story.allocated:
            partnership.allocations.extend(
                _allocations(rng, story, views["social_care"], teams, seed, reference_date)
            )
        stories.append(story)
        if progress is not None and number % 1000 == 0 and number < families:
            progress(number, families)
    chosen = [s for s in stories if _chance(rng, CONTACT_RATES[s.family.level_of_need])]
    if families >= 8:
        for level in (1, 2, 3, 4):
            if all(s.family.level_of_need != level for s in chosen):
                chosen.append(rng.choice([s for s in stories if s.family.level_of_need == level]))
    contacts = [
        _contact(rng, story, partnership.views, authority, teams, seed, reference_date)
        for story in chosen
    ]
    partnership.contacts = sorted(contacts, key=lambda c: cast(datetime, c["received_at"]))
    if progress is not None:
        progress(families, families)
    return partnership


def subject_keys(partnership: Partnership) -> dict[uuid.UUID, str]:
    """The true person key behind each contact subject and allocated child, by person_id.

    For scoring identity matching: the ids are derived from the seed and the person, so
    the truth is recomputed rather than stored in the Avro values.
    """
    wanted: set[object] = set()
    for contact in partnership.contacts:
        for subject in cast(list[dict[str, object]], contact["subjects"]):
            wanted.add(subject["person_id"])
    for allocation in partnership.allocations:
        child = cast(dict[str, object] | None, allocation["child"])
        if child is not None:
            wanted.add(child["person_id"])
    found: dict[uuid.UUID, str] = {}
    for family in partnership.families:
        for person in family.members:
            for purpose in ("contact", "allocation"):
                person_id = _uuid(partnership.seed, person.key, purpose)
                if person_id in wanted:
                    found[person_id] = person.key
    return found
