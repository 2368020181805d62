"""PolicyDecision values: one per item of an answer, naming the rule and version that decided."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agents.policy.rulebook import PolicyRules


def policy_decision(
    rules: PolicyRules,
    *,
    item_type: str,
    outcome: str,
    rule_id: str,
    reason: str,
    person_id: object = None,
    finding: Mapping[str, Any] | None = None,
    redacted_fields: Iterable[str] = (),
) -> dict[str, Any]:
    """A uk.mash.v1.PolicyDecision value.

    Args:
        rules: the rules in force; their version is recorded.
        item_type: a uk.mash.v1.PolicyItemType symbol.
        outcome: SHARED, REDACTED or WITHHELD.
        rule_id: the id of the rule that decided (a rule of ``rules``).
        reason: why, in words, with no personal data.
        person_id: the subject the item is about, if any.
        finding: the finding the decision is about, for item_type FINDING.
        redacted_fields: for REDACTED, the fields removed.
    """
    rules.rule(rule_id)  # a decision never names a rule that is not in force
    return {
        "item_type": item_type,
        "outcome": outcome,
        "person_id": person_id,
        "finding_id": None if finding is None else finding["finding_id"],
        "category": None if finding is None else str(finding["category"]),
        "redacted_fields": list(redacted_fields),
        "rule_id": rule_id,
        "rule_version": rules.version,
        "reason": reason,
    }
