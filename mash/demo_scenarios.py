"""The contacts ``mash demo`` submits: one for each rule a new user should see work.

Each starts from a contact of the synthetic partnership (so the agencies really
hold records of its people) and is changed to exercise one rule of the
guidance; each says what the exchange should do with it.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from broker.codec import millis
from broker.identity import Identity
from broker.matching import MATCHED_AT, compare
from connectors.synthetic.model import Partnership

NAMESPACE = uuid.UUID("d3e0f9a4-7c51-5e0b-9a1d-4f2e6b8c0a11")
APPROVER = {
    "name": "Team manager, MASH",
    "role": "Team Manager",
    "agency": "SOCIAL_CARE",
    "organisation": "Wigan Council",
    "team": "MASH",
    "contact_details": None,
}


@dataclass(frozen=True)
class Scenario:
    """A contact, what it shows, and the team its picture should reach."""

    title: str
    rule: str
    team: str
    contact: dict[str, Any]


def _values(items: list[dict[str, object]]) -> list[dict[str, Any]]:
    """Avro values of the partnership, typed as the rest of this module uses them."""
    return cast(list[dict[str, Any]], items)


def _override(now: datetime) -> dict[str, Any]:
    return {
        "reason_code": "RISK_OF_SIGNIFICANT_HARM",
        "reason": "Seeking consent would place the child at risk of significant harm.",
        "legal_gateway": ["CHILDREN_ACT_1989_S47", "UK_GDPR_ART_6_1_E_PUBLIC_TASK"],
        "decided_by": APPROVER,
        "decided_at": millis(now),
        "approved_by": APPROVER,
        "approved_at": millis(now),
        "family_informed_at": None,
    }


def _adapted(base: dict[str, Any], name: str, now: datetime, **changes: Any) -> dict[str, Any]:
    contact = copy.deepcopy(base)
    contact["contact_id"] = uuid.uuid5(NAMESPACE, f"contact:{name}:{base['contact_id']}")
    contact["case_id"] = uuid.uuid5(NAMESPACE, f"case:{name}:{base['case_id']}")
    contact.update(received_at=millis(now), immediate_risk=False, suspected_crime=False)
    contact.update(changes)
    return contact


def _consent(status: str, now: datetime, override: bool) -> dict[str, Any]:
    return {
        "status": status,
        "scope": None,
        "given_by_person_id": None,
        "obtained_by": None,
        "obtained_at": millis(now) if status == "GIVEN" else None,
        "method": "VERBAL",
        "override": _override(now) if override else None,
    }


def last_saturday_night(now: datetime) -> datetime:
    """The most recent Saturday 23:00 (UTC) before ``now``: out of office hours."""
    saturday = now.date() - timedelta(days=(now.weekday() - 5) % 7 or 7)
    return datetime.combine(saturday, datetime.min.time(), UTC) + timedelta(hours=23)


def scenarios(partnership: Partnership, now: datetime) -> list[Scenario]:
    """The demo's contacts, built from the partnership's own."""
    allocated = [a["child"] for a in _values(partnership.allocations) if a.get("child")]
    contacts = sorted(
        (
            c
            for c in _values(partnership.contacts)
            if len(c["subjects"]) >= 2 and not _about_allocated_child(c, allocated)
        ),
        key=_identifiability,
        reverse=True,
    )

    def pick(index: int) -> dict[str, Any]:
        return contacts[index % len(contacts)]

    already_open = _allocated_contact(partnership, now)
    chosen = [
        Scenario(
            "Early help, consent refused: nothing is shared",
            "early-help-needs-consent (Wigan thresholds; Oldham 4.2)",
            "mash-duty",
            _adapted(
                pick(0),
                "early-help",
                now,
                referrer_level_of_need="LEVEL_2",
                concern_categories=["NEGLECT"],
                consent=_consent("REFUSED", now, override=True),
            ),
        ),
        Scenario(
            "Significant harm, consent not sought, override approved: shared under s47",
            "safeguarding-without-consent (Oldham 4.1, 4.4)",
            "mash-duty",
            _adapted(
                pick(1),
                "s47",
                now,
                referrer_level_of_need="LEVEL_4",
                concern_categories=["DOMESTIC_ABUSE", "NEGLECT"],
                consent=_consent("NOT_SOUGHT", now, override=True),
            ),
        ),
        Scenario(
            "Urgent, out of office hours: to the out-of-hours team",
            "out-of-hours-urgent (Wigan MASH; Oldham 2.1)",
            "out-of-hours",
            _adapted(
                pick(2),
                "out-of-hours",
                last_saturday_night(now),
                immediate_risk=True,
                referrer_level_of_need="LEVEL_4",
                consent=_consent("GIVEN", now, override=False),
            ),
        ),
        Scenario(
            "Suspected crime: the police are notified at once",
            "police-notification (Oldham 5.9)",
            "mash-duty",
            _adapted(
                pick(3),
                "crime",
                now,
                suspected_crime=True,
                referrer_level_of_need="LEVEL_3",
                concern_categories=["DOMESTIC_ABUSE"],
                consent=_consent("GIVEN", now, override=False),
            ),
        ),
        Scenario(
            "Exploitation: to complex safeguarding",
            "exploitation-complex-safeguarding (Oldham 5.7)",
            "complex-safeguarding",
            _adapted(
                pick(4),
                "exploitation",
                now,
                referrer_level_of_need="LEVEL_3",
                concern_categories=["CHILD_CRIMINAL_EXPLOITATION", "MISSING_FROM_HOME"],
                consent=_consent("GIVEN", now, override=False),
            ),
        ),
    ]
    if already_open is not None:
        chosen.append(already_open)
    return chosen


def _identifiability(contact: dict[str, Any]) -> int:
    """How well the referrer identified the people: identifiers and exact dates of birth."""
    score = 0
    for subject in contact["subjects"]:
        score += 2 * len(subject["identifiers"])
        born = subject["date_of_birth"]
        score += 1 if born and born["precision"] == "DAY" else 0
    return score


def _about_allocated_child(contact: dict[str, Any], children: list[dict[str, Any]]) -> bool:
    """Whether a contact's subjects include a child already open to a team."""
    for subject in contact["subjects"]:
        identity = Identity.from_person(subject)
        if any(
            compare(identity, Identity.from_person(child)).confidence >= MATCHED_AT
            for child in children
        ):
            return True
    return False


def _allocated_contact(partnership: Partnership, now: datetime) -> Scenario | None:
    """A contact about a child already open to a team (Wiltshire 5), if there is one."""
    for allocation in _values(partnership.allocations):
        child = allocation.get("child")
        if not child:
            continue
        base = _values(partnership.contacts)[0]
        subject = {**copy.deepcopy(child), "role": "CHILD"}
        subject["identifiers"] = [
            *subject["identifiers"],
            {"scheme": "LOCAL_SOCIAL_CARE_ID", "value": allocation["child_id"], "issuer": None},
        ]
        contact = _adapted(
            base,
            "allocated",
            now,
            subjects=[subject],
            referrer_level_of_need="LEVEL_3",
            consent=_consent("GIVEN", now, override=False),
        )
        return Scenario(
            "A child already open to a team: straight to that team, no requests",
            "allocated-child (Wiltshire 5)",
            str(allocation["team_key"]),
            contact,
        )
    return None
