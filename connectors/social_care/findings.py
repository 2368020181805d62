"""What a child's involvements with children's services say, as ``uk.mash.v1.Finding`` values.

The rules are those of ``FORMAT.md`` ("Findings"): one finding per involvement, its
category and severity from the involvement's type and whether it is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from connectors import native
from connectors.native import spoken

AGENCY = "social_care"

#: Category code -> (ConcernCategory, wording).
CATEGORIES = {
    "NEGLECT": ("NEGLECT", "neglect"),
    "PHYSICAL": ("PHYSICAL_ABUSE", "physical abuse"),
    "EMOTIONAL": ("EMOTIONAL_ABUSE", "emotional abuse"),
    "SEXUAL": ("SEXUAL_ABUSE", "sexual abuse"),
    "DOMESTIC_ABUSE": ("DOMESTIC_ABUSE", "domestic abuse"),
    "CSE": ("CHILD_SEXUAL_EXPLOITATION", "child sexual exploitation"),
    "CCE": ("CHILD_CRIMINAL_EXPLOITATION", "child criminal exploitation"),
    "MISSING": ("MISSING_FROM_HOME", "going missing"),
    "PARENTAL_SUBSTANCE_MISUSE": ("PARENTAL_SUBSTANCE_MISUSE", "parental substance misuse"),
    "PARENTAL_MENTAL_HEALTH": ("PARENTAL_MENTAL_HEALTH", "parental mental health"),
    "CHILD_MENTAL_HEALTH": ("CHILD_MENTAL_HEALTH_OR_SELF_HARM", "the child's mental health"),
    "DISABILITY": ("DISABILITY_OR_COMPLEX_NEEDS", "disability"),
    "FAMILY_CONFLICT": ("FAMILY_CONFLICT", "family conflict"),
    "PARENTING_CAPACITY": ("PARENTING_CAPACITY", "parenting capacity"),
    "HOUSING": ("HOUSING_OR_HOMELESSNESS", "housing"),
    "OTHER": ("OTHER", "other concerns"),
}
CP_CATEGORIES = frozenset({"NEGLECT", "PHYSICAL", "EMOTIONAL", "SEXUAL"})


@dataclass(frozen=True)
class Involvement:
    """One episode of a child's involvement with children's services, as exported."""

    involvement_id: str
    kind: str
    start: date
    end: date | None
    categories: tuple[str, ...]
    team: str | None


#: (type, still open) -> (category, severity).
FINDING_CATEGORIES: dict[tuple[str, bool], tuple[str, str]] = {
    ("REFERRAL", False): ("previous_referrals", "LOW"),
    ("REFERRAL", True): ("previous_referrals", "LOW"),
    ("ASSESSMENT", False): ("previous_referrals", "LOW"),
    ("ASSESSMENT", True): ("open_case", "MODERATE"),
    ("EARLY_HELP", False): ("early_help_episode", "LOW"),
    ("EARLY_HELP", True): ("early_help_episode", "LOW"),
    ("CIN", False): ("previous_referrals", "LOW"),
    ("CIN", True): ("open_case", "MODERATE"),
    ("CP_PLAN", False): ("previous_child_protection_plan", "MODERATE"),
    ("CP_PLAN", True): ("open_case", "SERIOUS"),
    ("LOOKED_AFTER", False): ("previous_looked_after", "MODERATE"),
    ("LOOKED_AFTER", True): ("open_case", "SERIOUS"),
    ("SECTION_47", False): ("section_47_history", "MODERATE"),
    ("SECTION_47", True): ("section_47_history", "SERIOUS"),
    ("PRIVATE_FOSTERING", False): ("private_fostering", "MODERATE"),
    ("PRIVATE_FOSTERING", True): ("private_fostering", "MODERATE"),
}
#: Type -> (wording when closed, wording while open), completed by the dates.
EPISODES = {
    "REFERRAL": ("Referred to children's social care", ""),
    "ASSESSMENT": (
        "Assessed by children's social care",
        "Open for a children and families assessment",
    ),
    "EARLY_HELP": ("Supported by early help", "Open to early help"),
    "CIN": (
        "A child in need (Children Act 1989 s17)",
        "Open as a child in need (Children Act 1989 s17)",
    ),
    "CP_PLAN": ("Subject of a child protection plan", "Subject of a child protection plan"),
    "LOOKED_AFTER": ("Looked after by the local authority", "Looked after by the local authority"),
    "SECTION_47": ("Subject of a section 47 enquiry", "Subject of a section 47 enquiry under way"),
    "PRIVATE_FOSTERING": ("Privately fostered", "Privately fostered"),
}


def _summary(involvement: Involvement) -> str:
    """One sentence: what the episode was, its dates, and its categories in brackets."""
    closed, still_open = EPISODES[involvement.kind]
    start = spoken(involvement.start)
    if involvement.kind == "REFERRAL":
        when = f" on {start}" + (
            "" if involvement.end else "; the referral is still being screened"
        )
        sentence = closed + when
    elif involvement.end is None:
        sentence = f"{still_open} since {start}"
    else:
        sentence = f"{closed} from {start} to {spoken(involvement.end)}"
    wording = ", ".join(CATEGORIES[code][1] for code in involvement.categories)
    return f"{sentence} ({wording})." if wording else f"{sentence}."


def finding(record_id: str, involvement: Involvement) -> dict[str, Any]:
    category, severity = FINDING_CATEGORIES[involvement.kind, involvement.end is None]
    concerns = [CATEGORIES[code][0] for code in involvement.categories]
    if involvement.kind == "PRIVATE_FOSTERING" and "PRIVATE_FOSTERING" not in concerns:
        concerns.append("PRIVATE_FOSTERING")
    return native.finding(
        AGENCY,
        record_id,
        category,
        involvement.involvement_id,
        concerns=concerns,
        event_date=involvement.start,
        summary=_summary(involvement),
        detail=f"Team: {involvement.team}." if involvement.team else None,
        severity=severity,
    )
