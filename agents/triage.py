"""Triage: what happens to a contact, decided as a plain function.

Each decision names the rule that made it (``TRIAGE_RULES`` cites the seeds):

- RAG rating: RED for immediate risk or significant-harm concerns at level 4
  (Oldham 5.8, 5.9), AMBER for levels 3-4, GREEN otherwise; agencies answer
  within the authority's time for that rating, and the management decision is
  due within 24 hours (Oldham 5.10).
- A child already open to a team goes straight to that team, with no requests to
  agencies (Wiltshire 5: the allocated social worker).
- Urgent contacts outside office hours go to the out-of-hours team (Wigan MASH;
  Oldham 2.1); exploitation concerns to complex safeguarding (Oldham 5.7);
  otherwise the MASH duty team.
- Suspected crime: the police are notified at once (Oldham 5.9); exploitation:
  complex safeguarding is notified (Oldham 5.7); immediate risk is escalated.
- Which agencies are asked, for which categories: the authority file's asks.

Ids are derived from the contact, so triaging a redelivered contact gives the
same requests and notifications, which downstream consumers drop as duplicates.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from broker.authority import Authority, TeamKind
from broker.codec import millis
from broker.identity import Identity
from broker.matching import MATCHED_AT, MatchResult, PersonIndex

TRIAGE_VERSION = "2026.11.1"
SIGNIFICANT_HARM = frozenset(
    {
        "SEXUAL_ABUSE",
        "PHYSICAL_ABUSE",
        "UNEXPLAINED_INJURY",
        "CHILD_SEXUAL_EXPLOITATION",
        "CHILD_CRIMINAL_EXPLOITATION",
        "FABRICATED_OR_INDUCED_ILLNESS",
        "ORGANISED_OR_COMPLEX_ABUSE",
    }
)
EXPLOITATION = frozenset({"CHILD_SEXUAL_EXPLOITATION", "CHILD_CRIMINAL_EXPLOITATION"})
TRIAGE_RULES = {
    "rag-red": "Immediate risk, or significant-harm concerns at level 4 (Oldham 5.8, 5.9).",
    "rag-amber": "Levels 3 and 4 without immediate risk.",
    "rag-green": "Levels 1 and 2.",
    "allocated-child": "A child already open to a team goes straight to it (Wiltshire 5).",
    "out-of-hours-urgent": "Urgent contacts outside office hours go to the out-of-hours "
    "team (Wigan MASH; Oldham 2.1).",
    "exploitation-complex-safeguarding": "Exploitation concerns go to complex "
    "safeguarding (Oldham 5.7).",
    "mash-duty": "Everything else is screened by the MASH duty team.",
    "police-notification": "Suspected crime: the police are notified at once (Oldham 5.9).",
    "complex-safeguarding-notification": "Exploitation: complex safeguarding is "
    "notified (Oldham 5.7).",
    "immediate-risk-escalation": "Immediate risk is escalated to the receiving team at "
    "once (Oldham 5.8).",
    "agencies-by-concern": "Agencies are asked for the categories the authority's asks "
    "set for the contact's concerns (Oldham 5.6).",
}
NAMESPACE = uuid.UUID("5b7d4c1e-2a9f-5e3b-8c6d-0f1e2d3c4b5a")


@dataclass(frozen=True)
class Decision:
    """One triage decision, with the rule that made it."""

    rule_id: str
    outcome: str

    @property
    def rule_text(self) -> str:
        """What the rule says, with its source."""
        return TRIAGE_RULES[self.rule_id]


@dataclass(frozen=True)
class TriagePlan:
    """What to do with one contact."""

    rag_rating: str
    answer_by: datetime
    decision_due: datetime
    team_key: str
    out_of_hours: bool
    allocation: Mapping[str, Any] | None
    requests: tuple[dict[str, Any], ...]
    notifications: tuple[dict[str, Any], ...]
    decisions: tuple[Decision, ...]


def rag_rating(contact: Mapping[str, Any]) -> Decision:
    """The contact's screening priority."""
    level = contact["referrer_level_of_need"]
    harm = SIGNIFICANT_HARM & set(contact["concern_categories"])
    if contact["immediate_risk"] or (level == "LEVEL_4" and harm):
        return Decision("rag-red", "RED")
    if level in ("LEVEL_3", "LEVEL_4"):
        return Decision("rag-amber", "AMBER")
    return Decision("rag-green", "GREEN")


class Allocations:
    """The children already open to a team, by social-care id, and searchable by identity.

    Triage looks each contact's children up here: an index over the recorded
    children (broker.matching.PersonIndex) compares a child only with the
    allocations that share a block with it, where a scan compared it with every
    allocation (measured: a third of the worker's time with 5,000 families).
    """

    def __init__(self, allocations: Iterable[Mapping[str, Any]] = ()) -> None:
        self._by_child: dict[str, Mapping[str, Any]] = {}
        self._index: PersonIndex[str] | None = None
        for allocation in allocations:
            self.put(allocation)

    def __contains__(self, child_id: object) -> bool:
        return child_id in self._by_child

    def __len__(self) -> int:
        return len(self._by_child)

    def put(self, allocation: Mapping[str, Any]) -> None:
        """Add a child's allocation, or replace the one it had."""
        child_id = allocation["child_id"]
        replaced = child_id in self._by_child
        self._by_child[child_id] = allocation
        if replaced:
            self._index = None  # rebuilt at the next search
        elif self._index is not None:
            self._file(child_id, allocation)

    def remove(self, child_id: str) -> None:
        """Forget a child's allocation (the case was closed)."""
        if self._by_child.pop(child_id, None) is not None:
            self._index = None

    def for_contact(self, contact: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The allocation of a child in the contact, if any child is already open to a team.

        A child's social-care id decides; otherwise the child's identity must match
        the allocation's recorded child with confidence. Of several, the
        allocation known longest.
        """
        children = [s for s in contact["subjects"] if s["role"] in ("CHILD", "SIBLING")]
        found: set[str] = set()
        for child in children:
            found |= {
                i["value"]
                for i in child["identifiers"]
                if i["scheme"] == "LOCAL_SOCIAL_CARE_ID" and i["value"] in self._by_child
            }
            found |= {
                child_id
                for child_id, match in self._search(Identity.from_person(child))
                if match.confidence >= MATCHED_AT
            }
        for child_id, allocation in self._by_child.items():
            if child_id in found:
                return allocation
        return None

    def _search(self, child: Identity) -> list[tuple[str, MatchResult]]:
        if self._index is None:
            self._index = PersonIndex()
            for child_id, allocation in self._by_child.items():
                self._file(child_id, allocation)
        return self._index.search(child, limit=len(self._by_child))

    def _file(self, child_id: str, allocation: Mapping[str, Any]) -> None:
        assert self._index is not None  # noqa: S101 - callers build it first
        recorded = allocation.get("child")
        if recorded is not None:
            self._index.add(child_id, Identity.from_person(recorded))


def allocation_for(
    contact: Mapping[str, Any], allocations: Iterable[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The allocation of a child in the contact, if any (see :meth:`Allocations.for_contact`)."""
    return Allocations(allocations).for_contact(contact)


def plan(
    contact: Mapping[str, Any],
    authority: Authority,
    allocations: Allocations | Iterable[Mapping[str, Any]],
    now: datetime,
) -> TriagePlan:
    """Everything triage does with a contact."""
    rag = rag_rating(contact)
    received = contact["received_at"]
    concerns = set(contact["concern_categories"])
    out_of_hours = not authority.is_office_hours(received)
    urgent = rag.outcome == "RED"
    decisions = [rag]
    known = allocations if isinstance(allocations, Allocations) else Allocations(allocations)
    allocation = known.for_contact(contact)
    if allocation is not None:
        team, route = allocation["team_key"], "allocated-child"
    elif urgent and out_of_hours:
        team, route = authority.team_of_kind(TeamKind.OUT_OF_HOURS).key, "out-of-hours-urgent"
    elif concerns & EXPLOITATION:
        team = authority.team_of_kind(TeamKind.COMPLEX_SAFEGUARDING).key
        route = "exploitation-complex-safeguarding"
    else:
        team, route = authority.team_of_kind(TeamKind.MASH_DUTY).key, "mash-duty"
    decisions.append(Decision(route, team))
    answer_by = received + authority.timings.answer_within(rag.outcome)
    decision_due = received + authority.timings.decision_within()
    requests: tuple[dict[str, Any], ...] = ()
    if allocation is None:
        asks = authority.asks_for(sorted(concerns))
        requests = tuple(
            _request(contact, agency, codes, rag.outcome, answer_by, now)
            for agency, codes in asks.items()
        )
        decisions.append(Decision("agencies-by-concern", ", ".join(asks)))
    notifications = _notifications(contact, authority, team, now, decision_due)
    decisions += [Decision(rule, str(n["kind"])) for rule, n in notifications]
    return TriagePlan(
        rag_rating=rag.outcome,
        answer_by=answer_by,
        decision_due=decision_due,
        team_key=team,
        out_of_hours=out_of_hours,
        allocation=allocation,
        requests=requests,
        notifications=tuple(n for _, n in notifications),
        decisions=tuple(decisions),
    )


def _request(
    contact: Mapping[str, Any],
    agency: str,
    categories: tuple[str, ...],
    rag: str,
    answer_by: datetime,
    now: datetime,
) -> dict[str, Any]:
    return {
        "request_id": uuid.uuid5(NAMESPACE, f"request:{contact['contact_id']}:{agency}"),
        "case_id": contact["case_id"],
        "contact_id": contact["contact_id"],
        "agency": agency.upper(),
        "subjects": contact["subjects"],
        "purpose": "MASH_SCREENING",
        "purpose_detail": None,
        "concern_categories": contact["concern_categories"],
        "level_of_need": contact["referrer_level_of_need"],
        "rag_rating": rag,
        "deadline": answer_by,
        "categories_permitted": list(categories),
        "history_since": None,
        "lawful_basis": contact["lawful_basis"],
        "consent": contact["consent"],
        "issued_at": millis(now),
    }


def _notifications(
    contact: Mapping[str, Any],
    authority: Authority,
    team: str,
    now: datetime,
    decision_due: datetime,
) -> list[tuple[str, dict[str, Any]]]:
    concerns = set(contact["concern_categories"])
    wanted: list[tuple[str, str, dict[str, Any], str]] = []
    if contact["suspected_crime"]:
        wanted.append(
            (
                "police-notification",
                "POLICE_NOTIFICATION",
                {"team_key": None, "agency": "POLICE"},
                "Suspected crime reported in a contact: notify the police at once.",
            )
        )
    if concerns & EXPLOITATION:
        key = authority.team_of_kind(TeamKind.COMPLEX_SAFEGUARDING).key
        wanted.append(
            (
                "complex-safeguarding-notification",
                "COMPLEX_SAFEGUARDING",
                {"team_key": key, "agency": None},
                "Exploitation concern: " + ", ".join(sorted(concerns & EXPLOITATION)),
            )
        )
    if contact["immediate_risk"]:
        wanted.append(
            (
                "immediate-risk-escalation",
                "IMMEDIATE_RISK",
                {"team_key": team, "agency": None},
                "The referrer reports an immediate risk to the child.",
            )
        )
    return [
        (
            rule,
            {
                "notification_id": uuid.uuid5(
                    NAMESPACE, f"notification:{contact['contact_id']}:{kind}"
                ),
                "case_id": contact["case_id"],
                "contact_id": contact["contact_id"],
                "kind": kind,
                "recipient": recipient,
                "reason": reason,
                "concern_categories": contact["concern_categories"],
                "raised_at": millis(now),
                "due_at": decision_due,
            },
        )
        for rule, kind, recipient, reason in wanted
    ]


def overdue_notification(
    case_id: uuid.UUID, contact_id: uuid.UUID, team: str, decision_due: datetime, now: datetime
) -> dict[str, Any]:
    """The notification raised when no decision was recorded by the decision deadline."""
    return {
        "notification_id": uuid.uuid5(NAMESPACE, f"notification:{contact_id}:OVERDUE_DECISION"),
        "case_id": case_id,
        "contact_id": contact_id,
        "kind": "OVERDUE_DECISION",
        "recipient": {"team_key": team, "agency": None},
        "reason": "No management decision within 24 hours of the contact (Oldham 5.10).",
        "concern_categories": [],
        "raised_at": millis(now),
        "due_at": decision_due,
    }
