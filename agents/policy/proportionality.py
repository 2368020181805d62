"""Proportionality: what of each finding may be shared, once its subject may be.

Share only what is necessary, proportionate, relevant, accurate, timely and
secure (Oldham 5.6), in proportion to the level of need and risk (Wigan MASH): a
finding must be in a category the request permitted and within its history
window, and a sensitive category is shared in full, as a summary or not at all
according to the level of need (``rules.toml``, sensitive-categories).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.policy.rulebook import PolicyRules, SensitiveGroup, Sharing

SHARED = "SHARED"
REDACTED = "REDACTED"
WITHHELD = "WITHHELD"


@dataclass(frozen=True)
class FindingVerdict:
    """What the policy does with one finding, the rule that decided and why.

    ``finding`` is the finding as it may be shared (a copy, fields removed for
    REDACTED), or None when WITHHELD.
    """

    outcome: str
    rule_id: str
    reason: str
    finding: dict[str, Any] | None
    redacted_fields: tuple[str, ...] = ()


def sharing_level(request: Mapping[str, Any], rules: PolicyRules) -> str:
    """The level of need whose redaction column applies: a RED rating counts as level 4."""
    level = str(request["level_of_need"])
    return rules.sensitive.rag_overrides.get(str(request["rag_rating"]), level)


def category_sharing(
    category: str, level: str, rules: PolicyRules
) -> tuple[Sharing, SensitiveGroup | None]:
    """How a permitted category is shared at ``level``, and its sensitive group if any."""
    group = rules.sensitive.group_of(category)
    if group is None:
        return "full", None
    return group.by_level[level], group


def judge_finding(
    finding: Mapping[str, Any],
    request: Mapping[str, Any],
    basis_rule_id: str,
    rules: PolicyRules,
) -> FindingVerdict:
    """Apply permitted-categories-only, history-window and sensitive-categories to a finding.

    ``basis_rule_id`` is the consent rule that let its subject be shared; it
    decides a finding no proportionality rule touches.
    """
    category = str(finding["category"])
    if category not in request["categories_permitted"]:
        return FindingVerdict(
            WITHHELD,
            "permitted-categories-only",
            f"the request did not permit {category}",
            None,
        )
    since = request.get("history_since")
    if since is not None:
        happened = finding.get("event_date")
        if happened is None and rules.history_window.undated == "withhold":
            return FindingVerdict(WITHHELD, "history-window", "the finding has no event date", None)
        if happened is not None and happened < since:
            return FindingVerdict(
                WITHHELD,
                "history-window",
                f"the event is older than the request's history window ({since.isoformat()})",
                None,
            )
    level = sharing_level(request, rules)
    sharing, group = category_sharing(category, level, rules)
    if group is None:
        return FindingVerdict(
            SHARED, basis_rule_id, f"{category} is shared in full", _copy(finding)
        )
    where = f"{category} ({group.name}) at {level}"
    if sharing == "withheld":
        return FindingVerdict(WITHHELD, "sensitive-categories", f"{where} is withheld", None)
    if sharing == "full":
        return FindingVerdict(
            SHARED, "sensitive-categories", f"{where} is shared in full", _copy(finding)
        )
    return _summary(finding, where, rules)


def _summary(finding: Mapping[str, Any], where: str, rules: PolicyRules) -> FindingVerdict:
    """The finding with its detail removed; REDACTED only if something was there to remove."""
    removed = tuple(name for name in rules.sensitive.summary_removes if finding.get(name))
    summary = _copy(finding)
    for name in rules.sensitive.summary_removes:
        summary[name] = None
    if not removed:
        return FindingVerdict(
            SHARED, "sensitive-categories", f"{where} is shared as a summary", summary
        )
    return FindingVerdict(
        REDACTED,
        "sensitive-categories",
        f"{where} is shared as a summary: {', '.join(removed)} removed",
        summary,
        removed,
    )


def _copy(finding: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy, so what is shared never aliases the agency's answer."""
    return copy.deepcopy(dict(finding))
