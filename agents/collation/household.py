"""The other children in the household: who else may be exposed to the same harm.

Wigan's threshold guidance asks every practitioner "Which other children might be at
risk of harm? Who are the other children in the network who may also be exposed to
this harm?" (seed 004, Good practice prompts). The picture answers with the contact's
other children (role CHILD, SIBLING or UNBORN_CHILD, besides the child the contact is
about) and with children an agency's household record names: housing's
``housing.household_composition`` finding lists the current members in the words of
connectors/housing/FORMAT.md, "Lives with Danielle Calder (lead tenant) and Maisie
Calder (child of the lead tenant, moved in October 2025)." A child named there whom the
picture does not already hold becomes a person of the picture (role SIBLING, known only
by name), with a link saying where the name came from.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents.collation.evidence import SharedFinding
from agents.collation.merging import name_key, normal
from agents.collation.persons import CHILD_ROLES

ADULT_ROLES = ("PARENT", "CARER", "REGULAR_VISITOR", "PERSON_OF_CONCERN")
HOUSEHOLD_CATEGORY = "housing.household_composition"
#: Stable ids for children known only from a household record (uuid5 under this).
NAMESPACE = uuid.UUID("0c5e7d5a-61c2-5b8e-9f3a-4d2b1e6c8a70")
_MEMBER = re.compile(r"(?:^|,\s*|\s+and\s+)(?P<name>[^,()]+?)\s*\((?P<words>[^()]*)\)")
_CHILD_WORDS = re.compile(r"^(?P<relation>(?:step|foster |grand)?child) of the lead tenant\b")


@dataclass(frozen=True)
class HouseholdChildren:
    """The other children, and what finding them added to the picture.

    Attributes:
        person_ids: the other children's person ids, in the picture's order.
        new_persons: children known only from a household record, as Person values.
        links: a ``uk.mash.v1.PersonLink`` for each child a household record named.
    """

    person_ids: list[uuid.UUID]
    new_persons: list[dict[str, Any]]
    links: list[dict[str, Any]]


def index_child(subjects: Sequence[Mapping[str, Any]]) -> uuid.UUID | None:
    """The child the contact is about: its first CHILD, else its first UNBORN_CHILD."""
    for role in ("CHILD", "UNBORN_CHILD"):
        for subject in subjects:
            if subject.get("role") == role:
                child: uuid.UUID = subject["person_id"]
                return child
    return None


def named_children(summary: str) -> list[tuple[str, str]]:
    """The (name, relationship) of each child a household composition summary lists."""
    listed = summary.removeprefix("Lives with ").rstrip(".")
    found: list[tuple[str, str]] = []
    for member in _MEMBER.finditer(listed):
        relation = _CHILD_WORDS.match(member["words"].strip())
        if relation:
            found.append((" ".join(member["name"].split()), relation["relation"]))
    return found


def household_children(
    case_id: uuid.UUID,
    index: uuid.UUID | None,
    persons: Sequence[Mapping[str, Any]],
    findings: Sequence[SharedFinding],
) -> HouseholdChildren:
    """The other children in the household.

    Args:
        case_id: the case, for stable ids of children known only by name.
        index: the picture id of the child the contact is about (never listed).
        persons: the picture's persons so far.
        findings: the distinct shared findings.
    """
    children = {
        person["person_id"]: None
        for person in persons
        if person.get("role") in CHILD_ROLES and person["person_id"] != index
    }
    # A child named like a parent or an adult of concern is taken for a junior namesake.
    by_name = {
        name_key(name): person
        for person in persons
        if person.get("role") not in ADULT_ROLES
        for name in person.get("names", [])
    }
    new_persons: dict[uuid.UUID, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    for finding in findings:
        if finding.category != HOUSEHOLD_CATEGORY:
            continue
        for name, relation in named_children(str(finding.finding.get("summary", ""))):
            given, _, family = name.rpartition(" ")
            key = (normal(given), normal(family))
            known = by_name.get(key)
            person_id = known["person_id"] if known else _child_id(case_id, key)
            if person_id == index or person_id in children:
                continue
            if known is None:
                new_persons[person_id] = _named_child(person_id, given, family, relation)
                by_name[key] = new_persons[person_id]
            children[person_id] = None
            links.append(_link(person_id, finding, relation, known is not None))
    return HouseholdChildren(list(children), list(new_persons.values()), links)


def _child_id(case_id: uuid.UUID, key: tuple[str, str]) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{case_id}:household-child:{key[0]}|{key[1]}")


def _named_child(person_id: uuid.UUID, given: str, family: str, relation: str) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "role": "SIBLING",
        "names": [{"given_names": given or None, "family_name": family, "name_type": "CURRENT"}],
        "date_of_birth": None,
        "gender": "UNKNOWN",
        "addresses": [],
        "identifiers": [],
        "parental_responsibility": None,
        "relationship_to_child": f"{relation} of the lead tenant (housing household record)",
    }


def _link(
    person_id: uuid.UUID, finding: SharedFinding, relation: str, known: bool
) -> dict[str, Any]:
    if known:
        reason = (
            f"Named as {relation} of the lead tenant in {finding.agency}'s household record "
            f"(finding {finding.finding_id}), under the same name as this person: counted "
            "among the other children in the household."
        )
    else:
        reason = (
            f"Named as {relation} of the lead tenant in {finding.agency}'s household record "
            f"(finding {finding.finding_id}) and not a subject of the contact: added, known "
            "only by name, as another child who may be exposed to the same harm (Wigan "
            "thresholds, Good practice prompts)."
        )
    return {
        "person_id": person_id,
        "source_person_id": None,
        "agency": finding.agency,
        "response_id": finding.response_id,
        "agency_identifiers": [],
        "match_confidence": None,
        "matched_fields": ["names"] if known else [],
        "merged": False,
        "reason": reason,
    }
