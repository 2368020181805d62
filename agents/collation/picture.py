"""One revision of the family picture, assembled from the case as a pure function.

Wiltshire's MASH gives the team that will act "a collated picture of the individual and
family" (seed 003); DESIGN.md, flow 5, says what goes in it: the same person resolved
across agencies, a chronology, risk indicators mapped to the levels of need, and the
agencies still awaited. The same case, revision, reason and time always give the same
picture, so a redelivered trigger republishes identical bytes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from agents.collation.case import CaseView
from agents.collation.chronology import chronology
from agents.collation.evidence import distinct_findings
from agents.collation.household import household_children, index_child
from agents.collation.indicators import find_indicators, load_indicators
from agents.collation.level import suggest_level
from agents.collation.persons import resolve_persons
from broker.codec import millis
from broker.schema_store import packaged_schemas


def build_picture(case: CaseView, *, revision: int, reason: str, now: datetime) -> dict[str, Any]:
    """The ``uk.mash.v1.FamilyPicture`` value of one revision of the case.

    The suggested level of need is a recommendation for the MASH manager, who has the
    final say (Wiltshire 4); the reasons say what it rests on.

    Args:
        case: what the collation agent holds about the case.
        revision: the revision number, from 1.
        reason: why this revision is emitted, a ``uk.mash.v1.PictureRevisionReason``
            symbol (ALL_AGENCIES_ANSWERED, DEADLINE_REACHED, LATE_RESPONSE, ...).
        now: when it is built, timezone-aware.

    Returns:
        The picture, ready for ``AvroCodec().encode("uk.mash.v1.FamilyPicture", ...)``.

    Raises:
        ValueError: ``revision`` below 1, ``reason`` not a symbol, or a naive ``now``.
    """
    if revision < 1:
        raise ValueError(f"revision {revision} is below 1")
    reasons: list[str] = packaged_schemas().definition("uk.mash.v1.PictureRevisionReason")[
        "symbols"
    ]
    if reason not in reasons:
        raise ValueError(f"{reason!r} is not a uk.mash.v1.PictureRevisionReason symbol")
    contact = case.contact
    subjects: Sequence[Mapping[str, Any]] = contact.get("subjects", [])
    shared = case.distinct_shared()
    resolution = resolve_persons(subjects, shared)
    findings = distinct_findings(shared, resolution.picture_id)
    index = index_child(subjects)
    index_id = resolution.picture_id(index) if index else None
    household = household_children(contact["case_id"], index_id, resolution.persons, findings)
    children = list(
        dict.fromkeys(
            resolution.picture_id(subject["person_id"])
            for subject in subjects
            if subject.get("role") in ("CHILD", "UNBORN_CHILD")
        )
    )
    indicators = find_indicators(contact, findings, children, load_indicators())
    awaited = case.agencies_awaited()
    suggestion = suggest_level(
        indicators,
        referrer_level=contact.get("referrer_level_of_need", "UNKNOWN"),
        immediate_risk=bool(contact.get("immediate_risk")),
        awaited=awaited,
        deadline_passed=case.deadline_passed,
    )
    return {
        "case_id": contact["case_id"],
        "revision": revision,
        "revision_reason": reason,
        "generated_at": whole_ms(now),
        "contact_id": contact.get("contact_id"),
        "concern_summary": contact.get("concern_summary"),
        "concern_categories": list(contact.get("concern_categories", [])),
        "immediate_risk": bool(contact.get("immediate_risk")),
        "rag_rating": case.rag_rating,
        "decision_due_at": whole_ms(case.decision_due_at),
        "consent": copy.deepcopy(contact.get("consent")),
        "persons": resolution.persons + household.new_persons,
        "chronology": chronology(findings),
        "risk_indicators": [indicator.as_avro() for indicator in indicators],
        "referrer_level_of_need": contact.get("referrer_level_of_need", "UNKNOWN"),
        "suggested_level_of_need": suggestion.level,
        "level_of_need_reasons": list(suggestion.reasons),
        "agencies_awaited": awaited,
        "agencies_answered": case.agencies_answered(),
        "completeness": "PARTIAL" if awaited else "COMPLETE",
        "redacted_or_withheld": redacted_or_withheld(shared),
        "person_links": resolution.links + household.links,
        "household_children": household.person_ids,
    }


def whole_ms(moment: datetime) -> datetime:
    """``moment`` in UTC with whole milliseconds, as timestamp-millis reads back.

    Raises:
        ValueError: ``moment`` has no timezone.
    """
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no timezone")
    return millis(moment.astimezone(UTC))


def redacted_or_withheld(shared: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every policy decision of the shared informations once, in the order first seen."""
    decisions: dict[tuple[Any, ...], dict[str, Any]] = {}
    for information in shared:
        for decision in information.get("redacted_or_withheld", []):
            key = tuple(
                tuple(value) if isinstance(value, list) else value
                for _, value in sorted(decision.items())
            )
            decisions.setdefault(key, copy.deepcopy(dict(decision)))
    return list(decisions.values())
