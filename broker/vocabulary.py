"""Finding categories: each agency's vocabulary of what it may share.

Codes are ``<agency>.<category>``. A request permits some of its agency's codes;
a connector shares only findings in those (minimisation), and the policy agent
withholds any other. The vocabulary is documented on ``uk.mash.v1.Finding.category``;
a test keeps the two the same.
"""

from __future__ import annotations

CATEGORIES: dict[str, tuple[str, ...]] = {
    "police": (
        "police.domestic_abuse_incident",
        "police.child_concern_incident",
        "police.crime_victim",
        "police.crime_suspect_or_offender",
        "police.offence_against_children",
        "police.missing_episode",
        "police.exploitation_intelligence",
        "police.weapons_or_violence_marker",
        "police.police_protection",
        "police.antisocial_behaviour",
    ),
    "health": (
        "health.ae_attendance",
        "health.injury",
        "health.missed_appointments",
        "health.development_or_growth",
        "health.child_mental_health",
        "health.parental_mental_health",
        "health.substance_misuse",
        "health.maternity",
        "health.gp_registration",
        "health.disability_or_complex_needs",
    ),
    "education": (
        "education.attendance",
        "education.exclusion",
        "education.child_missing_education",
        "education.special_educational_needs",
        "education.behaviour",
        "education.safeguarding_record",
        "education.school_moves",
    ),
    "housing": (
        "housing.tenancy",
        "housing.household_composition",
        "housing.rent_arrears_or_eviction",
        "housing.homelessness_or_temporary_accommodation",
        "housing.property_condition",
        "housing.antisocial_behaviour",
        "housing.domestic_abuse_report",
    ),
    "probation": (
        "probation.supervision",
        "probation.offence_history",
        "probation.risk_to_children",
        "probation.domestic_abuse_perpetrator",
        "probation.licence_conditions",
    ),
    "social_care": (
        "social_care.open_case",
        "social_care.previous_referrals",
        "social_care.previous_child_protection_plan",
        "social_care.previous_looked_after",
        "social_care.early_help_episode",
        "social_care.section_47_history",
        "social_care.private_fostering",
    ),
}


def categories_of(agency: str) -> tuple[str, ...]:
    """Every category code of one agency (lower-case agency name)."""
    return CATEGORIES[agency]
