"""Writes a synthetic probation export (FORMAT.md) for a synthetic partnership.

Everyone probation knows (``partnership.views["probation"]``) has convictions;
the family's story decides which (domestic abuse, offences against children,
drugs, acquisitive crime), and its level of need how likely a current order or
licence is and how high the risk of serious harm. Every random choice comes from
``partnership.rng_for("probation")``, so a seed always gives the same file.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connectors.native import address_objects
from connectors.probation.records import AGENCY, GENDERS, OFFENDERS_FILE
from connectors.synthetic.model import AgencyView, Family, Partnership, SyntheticPerson

GENDER_FOR_SYMBOL = {symbol: code for code, symbol in GENDERS.items()}
#: A view's identifiers by scheme -> the ``otherIds`` key that holds them (a police id as
#: the local force's person id, not a PNC number).
KEY_FOR_SCHEME = {"POLICE_PERSON_ID": "policePersonId", "NHS_NUMBER": "nhsNumber"}
HISTORY_DAYS = 10 * 365
SUPERVISED_CHANCE = {1: 0.2, 2: 0.4, 3: 0.6, 4: 0.8}
ROSH_BY_LEVEL = {1: ("LOW",), 2: ("LOW", "MEDIUM"), 3: ("MEDIUM", "HIGH"), 4: ("HIGH", "VERY_HIGH")}
SENTENCE_TYPES = ("COMMUNITY_ORDER", "SUSPENDED_SENTENCE", "CUSTODY", "LICENCE")
#: The supervision that follows each kind of sentence.
SUPERVISION_FOR = {
    "COMMUNITY_ORDER": "COMMUNITY_ORDER",
    "SUSPENDED_SENTENCE": "SUSPENDED_SENTENCE",
    "CUSTODY": "LICENCE",
    "LICENCE": "LICENCE",
}
GENERAL_OFFENCES = (
    "theft from a shop",
    "burglary of a dwelling",
    "criminal damage",
    "driving while disqualified",
    "possession of an offensive weapon",
)
#: The story's harm to a child -> the lead adult's offence against a child, in priority order.
OFFENCES_AGAINST_CHILDREN = {
    "SEXUAL_ABUSE": "sexual assault on a child under 13",
    "CHILD_SEXUAL_EXPLOITATION": "arranging or facilitating a child sex offence",
    "CHILD_CRIMINAL_EXPLOITATION": "arranging the travel of a child for exploitation",
    "PHYSICAL_ABUSE": "child cruelty",
    "RISK_FROM_ADULT": "assault on a child",
}
SEXUAL_HARM = frozenset({"SEXUAL_ABUSE", "CHILD_SEXUAL_EXPLOITATION"})
PRACTITIONERS = ("Sarah Holt", "Imran Qureshi", "Gemma Lowe", "Daniel Okafor", "Ruth Pennington")
TEAMS = ("Wigan North PDU", "Wigan South PDU", "Leigh PDU")


def write(partnership: Partnership, folder: Path) -> int:
    """Write ``offenders.json`` under ``folder``, one offender object per line of the array.

    Returns:
        The number of offender records written.
    """
    rng = partnership.rng_for(AGENCY)
    views = partnership.views.get(AGENCY, {})
    today = partnership.reference_date
    offenders: dict[str, dict[str, Any]] = {}
    for family in partnership.families:
        known = [member for member in family.members if member.key in views]
        lead = _lead(known, today)
        for member in known:
            offender = _offender(views[member.key])
            if member.age_on(today) >= 18:
                _history(rng, today, family, member, member is lead, offender)
            offenders[member.key] = offender
    for key, view in views.items():
        if key not in offenders:
            offenders[key] = _offender(view)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / OFFENDERS_FILE).open("w", encoding="utf-8") as out:
        rows = (json.dumps(offender, separators=(",", ":")) for offender in offenders.values())
        out.write("[\n" + ",\n".join(rows) + "\n]\n")
    return len(offenders)


def _lead(known: list[SyntheticPerson], today: date) -> SyntheticPerson | None:
    """The adult whose offending the family's story is about."""
    adults = [member for member in known if member.age_on(today) >= 18]
    for role in ("PERSON_OF_CONCERN", "OTHER_HOUSEHOLD_MEMBER", "REGULAR_VISITOR"):
        for adult in adults:
            if adult.role == role:
                return adult
    return adults[0] if adults else None


def _offender(view: AgencyView) -> dict[str, Any]:
    given = view.given_names.split(" ", 1)
    other_ids = {
        KEY_FOR_SCHEME[scheme]: value
        for scheme, value in sorted(view.identifiers.items())
        if scheme in KEY_FOR_SCHEME
    }
    return {
        "crn": view.record_id,
        "firstName": given[0] or None,
        "middleNames": given[1] if len(given) > 1 else None,
        "surname": view.family_name,
        "aliases": [],
        "previousSurname": None,
        "dateOfBirth": view.date_of_birth.isoformat() if view.date_of_birth else None,
        "gender": GENDER_FOR_SYMBOL.get(view.gender, "Unknown"),
        "otherIds": other_ids,
        "addresses": address_objects(view.addresses, since="startDate", until="endDate"),
        "convictions": [],
        "supervision": None,
        "registrations": [],
        "licenceConditions": [],
    }


def _day(rng: random.Random, today: date, person: SyntheticPerson) -> date:
    """A day in the history window after the person turned 18."""
    earliest = max(today - timedelta(days=HISTORY_DAYS), person.date_of_birth + timedelta(6575))
    span = (today - earliest).days - 1
    return today - timedelta(days=1) if span < 0 else earliest + timedelta(rng.randint(0, span))


def _history(
    rng: random.Random,
    today: date,
    family: Family,
    person: SyntheticPerson,
    lead: bool,
    offender: dict[str, Any],
) -> None:
    """Convictions, supervision, registrations and licence conditions from the story."""
    crn, level, concerns = offender["crn"], family.level_of_need, family.concerns
    harm = next((c for c in OFFENCES_AGAINST_CHILDREN if c in concerns), None) if lead else None
    against_children = harm is not None
    domestic = lead and "DOMESTIC_ABUSE" in concerns
    offences: list[tuple[str, bool, bool]] = []
    if harm is not None:
        offences.append((OFFENCES_AGAINST_CHILDREN[harm], True, False))
    if domestic:
        offences.append(("assault by beating", False, True))
    if "PARENTAL_SUBSTANCE_MISUSE" in concerns:
        offences.append(("possession of a controlled drug", False, False))
    while len(offences) < rng.randint(1, 3):
        offences.append((rng.choice(GENERAL_OFFENCES), False, False))
    convictions = offender["convictions"]
    for offence, child_victim, domestic_abuse in offences:
        convicted = _day(rng, today, person)
        sentence = "CUSTODY" if child_victim else rng.choice(SENTENCE_TYPES)
        convictions.append(
            {
                "convictionId": "",
                "offence": offence,
                "offenceDate": (convicted - timedelta(rng.randint(30, 200))).isoformat(),
                "convictionDate": convicted.isoformat(),
                "sentenceType": sentence,
                "lengthMonths": rng.choice((6, 12, 18, 24, 36)),
                "childVictim": child_victim,
                "domesticAbuse": domestic_abuse,
            }
        )
    convictions.sort(key=lambda conviction: conviction["convictionDate"])
    for number, conviction in enumerate(convictions, start=1):
        conviction["convictionId"] = f"{crn}-C{number}"
    if rng.random() >= SUPERVISED_CHANCE[level]:
        return
    latest = convictions[-1]
    kind = SUPERVISION_FOR[latest["sentenceType"]]
    start = date.fromisoformat(latest["convictionDate"])
    offender["supervision"] = {
        "supervisionId": f"{crn}-S1",
        "type": kind,
        "startDate": start.isoformat(),
        # Current supervision: it ends after the reference date, however old the sentence.
        "expectedEndDate": max(
            start + timedelta(days=30 * latest["lengthMonths"]),
            today + timedelta(days=rng.randint(30, 540)),
        ).isoformat(),
        "offenderManager": rng.choice(PRACTITIONERS),
        "team": rng.choice(TEAMS),
    }
    children_at_risk = against_children or (domestic and level >= 3)
    mappa = (1 if harm in SEXUAL_HARM else 2) if against_children and level == 4 else None
    _registrations(rng, offender, level, start, children_at_risk, domestic, mappa)
    if kind == "LICENCE":
        _licence_conditions(offender, start, children_at_risk, domestic, concerns)


def _registrations(
    rng: random.Random,
    offender: dict[str, Any],
    level: int,
    since: date,
    children_at_risk: bool,
    domestic: bool,
    mappa_category: int | None,
) -> None:
    crn, registrations = offender["crn"], offender["registrations"]

    def register(kind: str, **fields: Any) -> None:
        number = len(registrations) + 1
        registrations.append(
            {"registrationId": f"{crn}-R{number}", "type": kind, "startDate": since.isoformat()}
            | fields
        )

    register("ROSH", level=rng.choice(ROSH_BY_LEVEL[level]), riskToChildren=children_at_risk)
    if domestic:
        register("DOMESTIC_ABUSE_PERPETRATOR")
    if mappa_category is not None:
        register("MAPPA", mappaCategory=mappa_category, mappaLevel=rng.choice((1, 2)))


def _licence_conditions(
    offender: dict[str, Any],
    since: date,
    children_at_risk: bool,
    domestic: bool,
    concerns: frozenset[str],
) -> None:
    conditions = [
        ("RESIDENCE", "Reside permanently at an address approved by the supervising officer")
    ]
    if children_at_risk:
        conditions.append(
            ("CHILD_CONTACT", "No unsupervised contact with any child under 18 without approval")
        )
    if domestic:
        conditions.append(("NON_CONTACT", "No contact with the victim, directly or indirectly"))
    if "PARENTAL_SUBSTANCE_MISUSE" in concerns:
        conditions.append(("DRUG_TESTING", "Attend for drug testing as required"))
    offender["licenceConditions"] = [
        {
            "conditionId": f"{offender['crn']}-L{number}",
            "category": category,
            "description": description,
            "startDate": since.isoformat(),
        }
        for number, (category, description) in enumerate(conditions, start=1)
    ]
