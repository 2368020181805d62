"""The consent a referrer reports, its override at level 4, and the lawful basis."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import cast

from broker.codec import millis
from connectors.synthetic.avro import _practitioner
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.households import _Story
from connectors.synthetic.model import SyntheticPerson
from connectors.synthetic.referrers import _Referrer

_CONSENT: dict[int, dict[str, float]] = {
    1: {"GIVEN": 90, "REFUSED": 5, "NOT_SOUGHT": 5},
    2: {"GIVEN": 85, "REFUSED": 10, "NOT_SOUGHT": 5},
    3: {"GIVEN": 75, "REFUSED": 15, "NOT_SOUGHT": 10},
    4: {"GIVEN": 40, "REFUSED": 20, "NOT_SOUGHT": 40},
}
_OVERRIDE_REASONS = {
    "RISK_OF_SIGNIFICANT_HARM": "Seeking consent would alert the family and could place the"
    " child at risk of significant harm.",
    "UNABLE_TO_CONTACT": "Several attempts to reach the parents by telephone and at home failed;"
    " the concern cannot wait.",
    "NOT_REASONABLE_TO_OBTAIN": "The parent is the alleged source of harm, so it is not"
    " reasonable to ask for consent.",
    "POLICE_REFERRAL": "Police referral following an incident; made under the police's own"
    " statutory duties.",
    "WOULD_PREJUDICE_CRIMINAL_INVESTIGATION": "Telling the family now would prejudice the"
    " police investigation.",
}


def _override(
    rng: random.Random,
    status: str,
    referrer: _Referrer,
    received: datetime,
    latest: datetime,
    teams: Mapping[str, str],
) -> dict[str, object]:
    """Why a level 4 contact proceeds without consent, who decided and who approved it."""
    police = referrer.kind == "police"
    if police:
        code = _weighted(
            rng,
            {
                "POLICE_REFERRAL": 50,
                "WOULD_PREJUDICE_CRIMINAL_INVESTIGATION": 20,
                "RISK_OF_SIGNIFICANT_HARM": 30,
            },
        )
    elif status == "REFUSED":
        code = "RISK_OF_SIGNIFICANT_HARM"
    else:
        code = _weighted(
            rng,
            {
                "RISK_OF_SIGNIFICANT_HARM": 70,
                "UNABLE_TO_CONTACT": 15,
                "NOT_REASONABLE_TO_OBTAIN": 15,
            },
        )
    gateway = [
        "CHILDREN_ACT_1989_S47",
        "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
        "UK_GDPR_ART_9_2_G_SUBSTANTIAL_PUBLIC_INTEREST",
    ]
    if police:
        gateway.append("CRIME_AND_DISORDER_ACT_1998_S115")
    reason = _OVERRIDE_REASONS[code]
    if referrer.practitioner is not None:
        decider = referrer.practitioner
        decided = received - timedelta(minutes=rng.randint(10, 180))
        approved = decided + (received - decided) * rng.uniform(0.1, 0.9)
        manager_role = {
            "POLICE": "Detective Sergeant",
            "EDUCATION": "Designated Safeguarding Lead",
            "HEALTH": "Named Nurse for Safeguarding Children",
        }.get(str(decider["agency"]), "Team Manager")
        details = cast(dict[str, str], decider["contact_details"])
        manager = _practitioner(
            rng,
            str(decider["agency"]),
            manager_role,
            str(decider["organisation"]),
            cast(str | None, decider["team"]),
            details["email"].partition("@")[2],
        )
    else:
        # A member of the public does not decide: the MASH does, once the contact is in.
        decider = _practitioner(
            rng,
            "SOCIAL_CARE",
            "MASH Social Worker",
            "Wigan Council",
            teams["mash-duty"],
            "wigan-council.example",
        )
        decided = min(received + timedelta(minutes=rng.randint(5, 60)), latest)
        approved = min(decided + timedelta(minutes=rng.randint(5, 60)), latest)
        manager = _practitioner(
            rng,
            "SOCIAL_CARE",
            "MASH Team Manager",
            "Wigan Council",
            teams["mash-duty"],
            "wigan-council.example",
        )
    approver: dict[str, object] | None = manager
    approved_at: datetime | None = millis(approved)
    if _chance(rng, 0.1):
        approver = approved_at = None
        reason += " Approval not sought beforehand as the delay would increase the risk."
    informed = None
    if status == "REFUSED" and code != "RISK_OF_SIGNIFICANT_HARM" and referrer.practitioner:
        informed = decided + (received - decided) / 2
        informed = millis(informed)
    return {
        "reason_code": code,
        "reason": reason,
        "legal_gateway": gateway,
        "decided_by": decider,
        "decided_at": decided,
        "approved_by": approver,
        "approved_at": approved_at,
        "family_informed_at": informed,
    }


def _consent(
    rng: random.Random,
    story: _Story,
    referrer: _Referrer,
    subjects: Sequence[tuple[SyntheticPerson, dict[str, object]]],
    received: datetime,
    latest: datetime,
    teams: Mapping[str, str],
    written: bool,
) -> dict[str, object]:
    """The consent position as the referrer reports it; level 4 without consent is overridden."""
    level = story.family.level_of_need
    if referrer.kind in ("public", "family"):
        status = "NOT_SOUGHT"  # not theirs to ask; the MASH will
    elif referrer.kind in ("parent", "young_person"):
        status = "GIVEN"
    else:
        status = _weighted(rng, _CONSENT[level])
    ids = {person.key: subject["person_id"] for person, subject in subjects}
    carers = [
        person
        for person, _ in subjects
        if person.role in ("PARENT", "CARER") and story.parental_responsibility[person.key]
    ] or [person for person, _ in subjects if person.role in ("PARENT", "CARER")]
    decided_by = referrer.person_key or (carers[0].key if carers else None)
    consent: dict[str, object] = {
        "status": status,
        "scope": None,
        "given_by_person_id": None,
        "obtained_by": None,
        "obtained_at": None,
        "method": "UNKNOWN",
        "override": None,
    }
    if status != "NOT_SOUGHT":
        consent["given_by_person_id"] = ids.get(decided_by) if decided_by else None
        consent["obtained_by"] = referrer.practitioner
        consent["obtained_at"] = received - timedelta(minutes=rng.randint(10, 4 * 24 * 60))
        consent["method"] = "WRITTEN" if status == "GIVEN" and written else "VERBAL"
    if status == "GIVEN":
        purposes = ["REFERRAL_TO_MASH", "INFORMATION_SHARING"]
        if level in (2, 3):
            purposes.append("EARLY_HELP_ASSESSMENT")
        agencies = [] if _chance(rng, 0.6) else ["EDUCATION", "HEALTH", "POLICE", "SOCIAL_CARE"]
        covered = [] if _chance(rng, 0.5) else list(ids.values())
        consent["scope"] = {
            "purposes": purposes,
            "agencies": agencies,
            "person_ids": covered,
            "description": "Explained why the contact is being made, what will be shared and"
            " with whom; agreed for the family.",
        }
    elif level == 4:
        consent["override"] = _override(rng, status, referrer, received, latest, teams)
    return consent


def _lawful_basis(status: str, level: int, referrer: _Referrer) -> list[str]:
    if referrer.practitioner is None:
        return ["CONSENT"] if status == "GIVEN" else []
    basis = ["CONSENT"] if status == "GIVEN" else []
    basis.append("UK_GDPR_ART_6_1_E_PUBLIC_TASK")
    basis += {
        1: [],
        2: ["CHILDREN_ACT_2004_S10"],
        3: ["UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE", "CHILDREN_ACT_1989_S17"],
        4: [
            "UK_GDPR_ART_9_2_G_SUBSTANTIAL_PUBLIC_INTEREST",
            "CHILDREN_ACT_1989_S47",
            "CHILDREN_ACT_2004_S11",
        ],
    }[level]
    if referrer.kind == "police":
        basis.append("CRIME_AND_DISORDER_ACT_1998_S115")
    return basis
