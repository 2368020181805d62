"""MASH contacts: the concern, the subjects as the referrer describes them, and when."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from broker.authority import Authority
from connectors.synthetic import names
from connectors.synthetic.avro import _address, _name, _person, _person_from_view, _uuid
from connectors.synthetic.consent import _consent, _lawful_basis
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.households import _Story
from connectors.synthetic.model import AgencyView, SyntheticPerson
from connectors.synthetic.referrers import _REFERRER_INTERESTS, _Referrer, _referrer

_SUMMARIES: dict[str, str] = {
    "OTHER": "{carer} has asked for advice about support for {child} ({age}).",
    "NEGLECT": "{child} ({age}) often arrives hungry and in unwashed clothes; the home is said to"
    " be cold and dirty.",
    "PHYSICAL_ABUSE": "{child} ({age}) has bruising that has not been explained and would not say"
    " how it happened.",
    "SEXUAL_ABUSE": "{child} ({age}) has made comments suggesting sexual harm by an adult known to"
    " the family.",
    "EMOTIONAL_ABUSE": "{child} ({age}) is often shouted at and belittled at home and appears"
    " anxious and withdrawn.",
    "DOMESTIC_ABUSE": "There have been repeated domestic abuse incidents at the home; {child}"
    " ({age}) was present at the latest.",
    "HONOUR_BASED_ABUSE_OR_FORCED_MARRIAGE": "{child} ({age}) has told a trusted adult of plans"
    " to be taken abroad to marry and fears the family's response.",
    "CHILD_SEXUAL_EXPLOITATION": "{child} ({age}) is being picked up by older males in cars, has"
    " new phones and gifts and stays out overnight.",
    "CHILD_CRIMINAL_EXPLOITATION": "{child} ({age}) was found with cash and a second phone and is"
    " thought to be carrying drugs for older youths.",
    "MISSING_FROM_HOME": "{child} ({age}) has been reported missing from home several times this"
    " month, once overnight.",
    "CHILD_MISSING_EDUCATION": "{child} ({age}) has not been in school for several weeks and the"
    " family cannot be reached.",
    "CHILD_SUBSTANCE_MISUSE": "{child} ({age}) has been found drunk and using cannabis.",
    "PARENTAL_SUBSTANCE_MISUSE": "{carer} is thought to be misusing alcohol and drugs, affecting"
    " the care of the children.",
    "CHILD_MENTAL_HEALTH_OR_SELF_HARM": "{child} ({age}) has disclosed self-harm and low mood.",
    "PARENTAL_MENTAL_HEALTH": "{carer} is struggling with low mood and anxiety, and the"
    " children's routines are suffering.",
    "PARENTAL_LEARNING_DISABILITY": "{carer} has a learning disability and finds it hard to meet"
    " the children's needs without support.",
    "PARENTING_CAPACITY": "{carer} is struggling to give {child} ({age}) consistent care and"
    " supervision.",
    "FAMILY_CONFLICT": "There is constant conflict at home since the parents separated and {child}"
    " ({age}) is caught in the middle.",
    "RISK_FROM_ADULT": "An adult who visits the home regularly is known to pose a risk to"
    " children.",
    "PARENTAL_OFFENDING": "A parent is involved in offending and there are worries about who"
    " comes to the house.",
    "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR": "{child} ({age}) has been involved in anti-social"
    " behaviour and was arrested for criminal damage.",
    "HARMFUL_SEXUAL_BEHAVIOUR": "{child} ({age}) has shown sexualised behaviour towards younger"
    " children.",
    "CHILD_ON_CHILD_ABUSE": "{child} ({age}) is alleged to have assaulted another pupil.",
    "FABRICATED_OR_INDUCED_ILLNESS": "Symptoms reported for {child} ({age}) are not borne out by"
    " repeated examinations.",
    "ORGANISED_OR_COMPLEX_ABUSE": "{child} ({age}) may be one of several children abused by a"
    " group of adults.",
    "UNEXPLAINED_INJURY": "{child} ({age}) was brought to the emergency department with an injury"
    " that does not fit the account given.",
    "CHILD_HEALTH_OR_DEVELOPMENT": "{child} ({age}) has missed several health appointments and"
    " developmental checks.",
    "DISABILITY_OR_COMPLEX_NEEDS": "{child} ({age}) has complex needs and {carer} is not coping"
    " without more support.",
    "EDUCATION_ATTENDANCE_OR_EXCLUSION": "{child}'s attendance has fallen below 80% this term,"
    " with many absences unexplained.",
    "HOUSING_OR_HOMELESSNESS": "The family faces eviction and the home is overcrowded and in"
    " poor repair.",
    "POVERTY_OR_DEBT": "The family has serious debts and relies on the food bank.",
    "YOUNG_CARER": "{child} ({age}) cares for a parent and is missing school because of it.",
    "RADICALISATION_OR_EXTREMISM": "{child} ({age}) has been sharing extremist material online"
    " and voicing extremist views at school.",
}
_AFTER_HOURS: dict[str, float] = {
    "police": 0.55,
    "health": 0.25,
    "public": 0.35,
    "family": 0.35,
    "parent": 0.3,
    "young_person": 0.45,
}
_CRIMES = frozenset(
    {
        "PHYSICAL_ABUSE",
        "SEXUAL_ABUSE",
        "CHILD_SEXUAL_EXPLOITATION",
        "CHILD_CRIMINAL_EXPLOITATION",
        "DOMESTIC_ABUSE",
        "ORGANISED_OR_COMPLEX_ABUSE",
        "HONOUR_BASED_ABUSE_OR_FORCED_MARRIAGE",
    }
)


def _estimated_birth(
    rng: random.Random, born: date, child: bool, referrer: _Referrer
) -> tuple[date | None, str]:
    """A date of birth as a referrer without records knows it: exact, a year, a guess or none."""
    if referrer.kind == "parent":
        return born, "DAY"
    if referrer.practitioner is not None:
        weights = (
            {"DAY": 60, "YEAR": 25, "": 15}
            if child
            else {
                "DAY": 15,
                "YEAR": 35,
                "APPROXIMATE": 20,
                "": 30,
            }
        )
    else:
        weights = (
            {"DAY": 30, "YEAR": 30, "APPROXIMATE": 20, "": 20}
            if child
            else {
                "YEAR": 20,
                "APPROXIMATE": 35,
                "": 45,
            }
        )
    precision = _weighted(rng, weights)
    if precision == "DAY":
        return born, precision
    if precision == "YEAR":
        return date(born.year, 1, 1), precision
    if precision == "APPROXIMATE":
        return date(born.year + rng.randint(-2, 2), 1, 1), precision
    return None, "DAY"


def _subject(
    rng: random.Random,
    story: _Story,
    person: SyntheticPerson,
    referrer: _Referrer,
    views: Mapping[str, Mapping[str, AgencyView]],
    seed: int,
) -> dict[str, object]:
    """A household member as the referrer describes them."""
    key, index = person.key, story.index_child
    role = "CHILD" if person is index else person.role
    relationship = None if person is index else story.relationships[key]
    responsibility = story.parental_responsibility[key]
    if role in ("CHILD", "SIBLING"):
        responsibility = None
    person_id = _uuid(seed, key, "contact")
    records = views[referrer.records] if referrer.records else {}
    view = records.get(key)
    if view is not None:
        subject = _person_from_view(person_id, role, view, relationship, responsibility)
    else:
        family_name: str | None = person.family_name
        if role == "PERSON_OF_CONCERN" and referrer.practitioner is None and _chance(rng, 0.35):
            family_name = None
        born, precision = _estimated_birth(
            rng, person.date_of_birth, role in ("CHILD", "SIBLING"), referrer
        )
        resident = role != "PERSON_OF_CONCERN"
        addresses = (
            [_address(person.addresses[-1], dated=False)] if resident or _chance(rng, 0.3) else []
        )
        subject = _person(
            person_id,
            role,
            [_name(person.given_names, family_name)],
            born,
            precision,
            person.gender,
            addresses,
            [],
            responsibility,
            relationship,
        )
    subject_names = cast(list[dict[str, object]], subject["names"])
    short = names.nicknames(person.given_names)
    if short and _chance(rng, 0.1):
        subject_names.append(_name(rng.choice(short), person.family_name, "KNOWN_AS"))
    previous = story.previous_names.get(key)
    if previous and referrer.practitioner is not None and _chance(rng, 0.2):
        subject_names.append(_name(person.given_names, previous, "PREVIOUS"))
    return subject


def _received_at(
    rng: random.Random, ref: date, authority: Authority, out_of_hours: bool
) -> datetime:
    """A whole-millisecond UTC instant in the 30 days before ``ref``, in or out of hours."""
    zone, hours = authority.zone, authority.office_hours
    opens = datetime.combine(ref, hours.opens) - datetime.combine(ref, time())
    open_seconds = int(
        (datetime.combine(ref, hours.closes) - datetime.combine(ref, hours.opens)).total_seconds()
    )
    start = datetime.combine(ref - timedelta(days=30), time(), tzinfo=zone)
    for _ in range(1000):
        if out_of_hours:
            local = start + timedelta(seconds=rng.randrange(30 * 86_400))
        else:
            day = datetime.combine(ref - timedelta(days=rng.randint(1, 30)), time(), tzinfo=zone)
            local = day + opens + timedelta(seconds=rng.randrange(open_seconds))
        moment = local.replace(microsecond=rng.randrange(1000) * 1000).astimezone(UTC)
        if authority.is_office_hours(moment) != out_of_hours:
            return moment
    raise RuntimeError("no office hours in the 30 days before the reference date")


def _summary(story: _Story, categories: Sequence[str], ref: date) -> str:
    index = story.index_child
    carers = [p for p in story.family.members if p.role in ("PARENT", "CARER")]
    fields = {
        "child": index.given_names,
        "age": str(index.age_on(ref)),
        "carer": carers[0].given_names if carers else "The parent",
    }
    default = "There are worries about {child} ({age})."
    return " ".join(_SUMMARIES.get(c, default).format(**fields) for c in categories[:2])


def _contact(
    rng: random.Random,
    story: _Story,
    views: Mapping[str, Mapping[str, AgencyView]],
    authority: Authority,
    teams: Mapping[str, str],
    seed: int,
    ref: date,
) -> dict[str, object]:
    """One contact about the family's index child, raised by a plausible referrer."""
    family, index = story.family, story.index_child
    level = family.level_of_need
    referrer = _referrer(rng, story, views, ref)
    professional = referrer.practitioner is not None
    inclusion = {"SIBLING": 0.9, "PARENT": 1.0, "CARER": 1.0, "OTHER_HOUSEHOLD_MEMBER": 0.6}
    members = [index] + [
        p for p in family.members if p is not index and _chance(rng, inclusion.get(p.role, 0.85))
    ]
    subjects = [(p, _subject(rng, story, p, referrer, views, seed)) for p in members]
    concerns = sorted(family.concerns) or ["OTHER"]
    interest = _REFERRER_INTERESTS[referrer.kind]
    concerns.sort(key=lambda concern: (concern not in interest, rng.random()))
    categories = concerns[: rng.randint(1, min(3, len(concerns)))]
    immediate = _chance(rng, {1: 0.0, 2: 0.0, 3: 0.05, 4: 0.35}[level])
    # Police and A&E work round the clock and the public rings when it can; schools and
    # offices mostly write in office hours.
    after_hours = _AFTER_HOURS.get(referrer.kind, 0.1) + (0.2 if immediate else 0.0)
    out_of_hours = _chance(rng, after_hours)
    received = _received_at(rng, ref, authority, out_of_hours)
    latest = datetime.combine(ref, time(), tzinfo=authority.zone).astimezone(UTC) - timedelta(
        seconds=1
    )
    claimed = Counter({0: 70, level: 30})  # the public seldom names a level
    if professional:
        claimed = Counter({level: 70, 0: 10})
        claimed.update({max(1, level - 1): 10, min(4, level + 1): 10})
    claimed_level = _weighted(rng, claimed)
    written = professional and level in (2, 3) and _chance(rng, 0.5)
    consent = _consent(rng, story, referrer, subjects, received, latest, teams, written)
    status = str(consent["status"])
    support = None
    if story.allocated:
        support = "Already open to children's services; allocated worker informed."
    elif story.social_care_history:
        support = "Previously known to children's social care; case closed."
    elif professional and level in (2, 3) and _chance(rng, 0.5):
        support = "Pastoral support and regular check-ins with the family since last term."
    informs = professional or referrer.kind in ("parent", "young_person")
    suspected = bool(set(categories) & _CRIMES) and _chance(rng, 0.85 if level == 4 else 0.4)
    return {
        "contact_id": _uuid(seed, family.key, "contact"),
        "case_id": _uuid(seed, family.key, "case"),
        "received_at": received,
        "channel": referrer.channel,
        "referrer": referrer.value,
        "subjects": [subject for _, subject in subjects],
        "concern_summary": _summary(story, categories, ref),
        "concern_categories": categories,
        "referrer_level_of_need": f"LEVEL_{claimed_level}" if claimed_level else "UNKNOWN",
        "immediate_risk": immediate,
        "suspected_crime": suspected,
        "consent": consent,
        "lawful_basis": _lawful_basis(status, level, referrer),
        "early_help_assessment_attached": written,
        "support_already_provided": support,
        "family_informed": status != "NOT_SOUGHT" if informs else None,
    }
