"""The level of need the collated information suggests, and why.

A recommendation for the MASH, never a decision: the MASH manager "has the final say
in all safeguarding decisions" (Wiltshire 4), practitioners "should always use their
professional judgement" and the indicator lists are "not an exhaustive list" (Wigan
thresholds, seed 004, Introduction and Levels 1-4).

The suggestion is the highest level the risk indicators point to. It is never lower
than the level the referrer gave, who saw the child, as long as anything supports a
concern at all: an indicator of Level 2 or above, from the contact's own concern
categories or an agency's finding, or a report of immediate risk (which, with nothing
else to map, points to Level 4). Only when nothing does is a lower level suggested, and
the reasons say so: the referrer's level, and that nothing in the contact or in what
agencies shared supports it. Each reason names the
indicator (in Wigan's words, with its citation and rule id) and its evidence (the
agency and finding, or the contact).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.collation.indicators import LEVELS, Indicator

IMMEDIATE_RISK_REASON = (
    "LEVEL_4: the contact reports immediate risk, and no concern category maps to an "
    "indicator (Wigan thresholds, Raising Your Concerns: contact the MAST 'if you believe a "
    "child is at risk of significant harm', the emergency services if the child is in "
    "immediate danger)."
)


@dataclass(frozen=True)
class Suggestion:
    """A suggested ``uk.mash.v1.LevelOfNeed`` symbol with one reason per item."""

    level: str
    reasons: tuple[str, ...]


def indicator_reason(indicator: Indicator) -> str:
    """Why an indicator counts: its level, Wigan's words, the citation and the evidence."""
    rule = indicator.rule
    evidence = "; ".join(item.describe() for item in indicator.evidence)
    return (
        f"{rule.level}: '{rule.indicator}' ({rule.citation}; rule {rule.id}). Evidence: {evidence}."
    )


def suggest_level(
    indicators: Sequence[Indicator],
    *,
    referrer_level: str,
    immediate_risk: bool,
    awaited: Sequence[str],
    deadline_passed: bool,
) -> Suggestion:
    """The level of need to suggest to the MASH manager, who decides.

    Args:
        indicators: the risk indicators found, highest level first.
        referrer_level: the ``uk.mash.v1.LevelOfNeed`` symbol the referrer gave.
        immediate_risk: the contact reports immediate risk.
        awaited: agencies asked that have not answered.
        deadline_passed: the request deadline has passed.

    Returns:
        The suggested level and the reasons for it.
    """
    referred = referrer_level if referrer_level in LEVELS else None
    top = max((indicator.level for indicator in indicators), key=LEVELS.index, default=None)
    # A Level 1 indicator is a need universal services meet: no support for a concern.
    supported = immediate_risk or any(item.level != "LEVEL_1" for item in indicators)
    reasons: list[str] = []
    if supported and top is None:
        top = "LEVEL_4"
        reasons.append(IMMEDIATE_RISK_REASON)
    if referred and supported and top and _rank(referred) > _rank(top):
        level = referred
        reasons.insert(0, _kept_at_referrer(referred, top))
    elif supported and top:
        level = top
        if referred and _rank(top) > _rank(referred):
            reasons.insert(0, f"{top}, above the referrer's {referred}: the reasons below.")
    else:
        level = top or "LEVEL_1"
        reasons.append(_nothing_found(referred))
    reasons += [indicator_reason(item) for item in indicators if item.level == top]
    if awaited:
        late = ": the request deadline has passed" if deadline_passed else ""
        reasons.append(
            f"Still awaited: {', '.join(awaited)}{late}; the suggestion may change when "
            f"{'it answers' if len(awaited) == 1 else 'they answer'}."
        )
    return Suggestion(level, tuple(reasons))


def _rank(level: str) -> int:
    return LEVELS.index(level)


def _kept_at_referrer(referred: str, top: str) -> str:
    return (
        f"{referred}, as the referrer suggested: the indicators found point to {top} at most "
        "(below), but a concern is supported and the referrer's level is not lowered on "
        "what agencies shared; the MASH manager decides."
    )


def _nothing_found(referred: str | None) -> str:
    lead = (
        f"LEVEL_1, below the referrer's {referred}: nothing supports the referrer's level"
        if referred and referred != "LEVEL_1"
        else "LEVEL_1: no indicator of additional need was found"
    )
    return (
        f"{lead}; neither the contact's concern categories nor any shared finding maps to "
        "an indicator of Wigan's Levels 2-4, and no immediate risk is reported. Read the "
        "concern summary: the indicator lists are not exhaustive."
    )
