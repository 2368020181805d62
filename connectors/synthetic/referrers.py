"""Who raises a contact about a family, and what that referrer knows."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from connectors.synthetic import names
from connectors.synthetic.avro import _practitioner, _slug
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.households import _heritage, _Story
from connectors.synthetic.model import AgencyView

#: Concerns each kind of referrer most often raises; they make that referrer likelier.
_REFERRER_INTERESTS: dict[str, frozenset[str]] = {
    "police": frozenset(
        {
            "DOMESTIC_ABUSE",
            "CHILD_SEXUAL_EXPLOITATION",
            "CHILD_CRIMINAL_EXPLOITATION",
            "MISSING_FROM_HOME",
            "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR",
            "PARENTAL_OFFENDING",
            "RISK_FROM_ADULT",
            "HONOUR_BASED_ABUSE_OR_FORCED_MARRIAGE",
            "ORGANISED_OR_COMPLEX_ABUSE",
            "PHYSICAL_ABUSE",
            "SEXUAL_ABUSE",
        }
    ),
    "health": frozenset(
        {
            "CHILD_HEALTH_OR_DEVELOPMENT",
            "PARENTAL_MENTAL_HEALTH",
            "UNEXPLAINED_INJURY",
            "FABRICATED_OR_INDUCED_ILLNESS",
            "CHILD_MENTAL_HEALTH_OR_SELF_HARM",
            "PARENTAL_SUBSTANCE_MISUSE",
            "DISABILITY_OR_COMPLEX_NEEDS",
            "CHILD_SUBSTANCE_MISUSE",
        }
    ),
    "education": frozenset(
        {
            "EDUCATION_ATTENDANCE_OR_EXCLUSION",
            "CHILD_MISSING_EDUCATION",
            "NEGLECT",
            "PHYSICAL_ABUSE",
            "SEXUAL_ABUSE",
            "EMOTIONAL_ABUSE",
            "HARMFUL_SEXUAL_BEHAVIOUR",
            "CHILD_ON_CHILD_ABUSE",
            "YOUNG_CARER",
            "RADICALISATION_OR_EXTREMISM",
        }
    ),
    "housing": frozenset({"HOUSING_OR_HOMELESSNESS", "POVERTY_OR_DEBT"}),
    "probation": frozenset({"PARENTAL_OFFENDING", "RISK_FROM_ADULT"}),
    "early_help": frozenset(
        {"FAMILY_CONFLICT", "PARENTING_CAPACITY", "YOUNG_CARER", "PARENTAL_LEARNING_DISABILITY"}
    ),
    "public": frozenset({"NEGLECT", "DOMESTIC_ABUSE"}),
    "family": frozenset({"NEGLECT", "PARENTAL_SUBSTANCE_MISUSE"}),
    "parent": frozenset({"FAMILY_CONFLICT", "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"}),
    "young_person": frozenset({"EMOTIONAL_ABUSE", "FAMILY_CONFLICT"}),
}
_REFERRER_BASE: dict[str, float] = {
    "police": 4,
    "health": 2,
    "education": 4,
    "housing": 0.5,
    "probation": 0.3,
    "early_help": 1,
    "public": 1,
    "family": 0.7,
    "parent": 0.6,
    "young_person": 0.15,
}
#: The agency views a referrer's details come from (a school knows the UPN, a GP the NHS number).
_REFERRER_RECORDS = {
    "police": "police",
    "health": "health",
    "education": "education",
    "housing": "housing",
    "probation": "probation",
}


@dataclass(frozen=True)
class _Referrer:
    """Who raises a contact, and where their knowledge of the family comes from."""

    kind: str
    value: dict[str, object]
    practitioner: dict[str, object] | None
    channel: str
    person_key: str | None = None

    @property
    def records(self) -> str | None:
        return _REFERRER_RECORDS.get(self.kind)


def _professional(kind: str, practitioner: dict[str, object], channel: str) -> _Referrer:
    value: dict[str, object] = {
        "referrer_type": "PROFESSIONAL",
        "name": practitioner["name"],
        "role": practitioner["role"],
        "agency": practitioner["agency"],
        "organisation": practitioner["organisation"],
        "relationship_to_child": None,
        "contact_details": practitioner["contact_details"],
    }
    return _Referrer(kind, value, practitioner, channel)


def _layperson(
    kind: str,
    referrer_type: str,
    name: str | None,
    relationship: str,
    channel: str,
    phone: str | None,
    person_key: str | None = None,
) -> _Referrer:
    value: dict[str, object] = {
        "referrer_type": referrer_type,
        "name": name,
        "role": None,
        "agency": None,
        "organisation": None,
        "relationship_to_child": relationship,
        "contact_details": None if phone is None else {"phone": phone, "email": None},
    }
    return _Referrer(kind, value, None, channel, person_key)


def _school(rng: random.Random, town: str, age: int) -> tuple[str, str]:
    if age < 4:
        return rng.choice(names.NURSERIES), "Nursery Manager"
    if age > 16:
        return "Pennyfold Sixth Form College", "Safeguarding Officer"
    phase = "primary" if age <= 10 else "secondary"
    schools = [s for s in names.SCHOOLS if s.phase == phase]
    local = [s for s in schools if s.town == town] or schools
    role = rng.choice(
        (
            "Designated Safeguarding Lead",
            "Deputy Designated Safeguarding Lead",
            "Head Teacher",
            "Attendance Officer",
            "Pastoral Lead",
        )
    )
    return rng.choice(local).name, role


def _referrer(
    rng: random.Random, story: _Story, views: Mapping[str, Mapping[str, AgencyView]], ref: date
) -> _Referrer:
    family, index = story.family, story.index_child
    age = index.age_on(ref)
    known_to_probation = any(p.key in views["probation"] for p in family.members)
    weights = {
        kind: base + 3 * len(family.concerns & _REFERRER_INTERESTS[kind])
        for kind, base in _REFERRER_BASE.items()
    }
    if age < 2:
        weights["education"] = 0
    if not (story.social_housing or "HOUSING_OR_HOMELESSNESS" in family.concerns):
        weights["housing"] = 0
    if not known_to_probation:
        weights["probation"] = 0
    if age < 12:
        weights["young_person"] = 0
    kind = _weighted(rng, weights)
    if kind == "police":
        role, team = rng.choice(
            (
                ("Police Constable", "Wigan Neighbourhood Policing Team"),
                ("Detective Constable", "Public Protection Investigation Unit"),
                ("MASH Police Officer", "Public Protection Investigation Unit"),
            )
        )
        officer = _practitioner(
            rng, "POLICE", role, "Greater Manchester Police", team, "gmp.example"
        )
        channel = "POLICE_NOTIFICATION" if _chance(rng, 0.75) else "SECURE_EMAIL"
        return _professional(kind, officer, channel)
    if kind == "health":
        if "UNEXPLAINED_INJURY" in family.concerns and _chance(rng, 0.6):
            role, organisation = (
                "Emergency Department Nurse",
                "Wigan Infirmary Emergency Department",
            )
        elif age < 5 and _chance(rng, 0.6):
            role, organisation = "Health Visitor", "Wigan Health Visiting Service"
        elif 5 <= age <= 16 and _chance(rng, 0.3):
            role, organisation = "School Nurse", "Wigan School Nursing Service"
        else:
            role, organisation = "GP", rng.choice(names.GP_PRACTICES)
        clinician = _practitioner(rng, "HEALTH", role, organisation, None, "nhs.example")
        return _professional(kind, clinician, rng.choice(("ONLINE_FORM", "SECURE_EMAIL")))
    if kind == "education":
        organisation, role = _school(rng, story.town, age)
        teacher = _practitioner(
            rng, "EDUCATION", role, organisation, None, f"{_slug(organisation.split()[0])}.example"
        )
        channel = "ONLINE_FORM" if _chance(rng, 0.7) else "TELEPHONE"
        return _professional(kind, teacher, channel)
    if kind in ("housing", "probation", "early_help"):
        agency, role, organisation, team, domain = {
            "housing": (
                "HOUSING",
                "Housing Officer",
                "Wigan Council",
                "Housing Services",
                "wigan-council.example",
            ),
            "probation": (
                "PROBATION",
                "Probation Officer",
                "Probation Service",
                "Wigan and Leigh probation delivery unit",
                "probation.example",
            ),
            "early_help": (
                "EARLY_HELP",
                "Family Support Worker",
                "Wigan Council",
                "Start Well",
                "wigan-council.example",
            ),
        }[kind]
        worker = _practitioner(rng, agency, role, organisation, team, domain)
        channel = "AGENCY_NOTIFICATION" if kind == "probation" else "ONLINE_FORM"
        return _professional(kind, worker, channel)
    mobile = f"07700 900{rng.randrange(1000):03d}"
    if kind == "parent":
        carers = [p for p in family.members if p.role in ("PARENT", "CARER")]
        carer = carers[0]
        return _layperson(
            kind,
            "PARENT_OR_CARER",
            f"{carer.given_names} {carer.family_name}",
            story.relationships[carer.key],
            "TELEPHONE",
            mobile,
            carer.key,
        )
    if kind == "young_person":
        return _layperson(
            kind,
            "CHILD_OR_YOUNG_PERSON",
            f"{index.given_names} {index.family_name}",
            "self",
            rng.choice(("TELEPHONE", "ONLINE_FORM")),
            mobile,
            index.key,
        )
    pool = _heritage(rng)
    female = _chance(rng, 0.7)
    name = f"{pool.given(rng, female, 'adult')} {rng.choice(pool.family)}"
    if kind == "family":
        relationship = rng.choice(("maternal aunt", "paternal aunt", "grandmother", "uncle"))
        return _layperson(kind, "FAMILY_MEMBER", name, relationship, "TELEPHONE", mobile)
    anonymous = _chance(rng, 0.4)
    return _layperson(
        kind,
        "MEMBER_OF_PUBLIC",
        None if anonymous else name,
        rng.choice(("neighbour", "neighbour", "family friend", "member of the public")),
        "TELEPHONE" if _chance(rng, 0.85) else "ONLINE_FORM",
        None if anonymous else mobile,
    )
