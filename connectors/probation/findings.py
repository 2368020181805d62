"""What a probation case says about an offender, as ``uk.mash.v1.Finding`` values.

The rules are those of ``FORMAT.md`` ("Findings"): convictions, the current order or
licence, registrations (risk of serious harm to children, domestic abuse, MAPPA) and
licence conditions.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from connectors import native
from connectors.native import spoken

if TYPE_CHECKING:
    from connectors.probation.records import Fields

AGENCY = "probation"

#: Sentence type -> (wording, severity of the conviction).
SENTENCES = {
    "COMMUNITY_ORDER": ("a community order", "LOW"),
    "SUSPENDED_SENTENCE": ("a suspended prison sentence", "LOW"),
    "CUSTODY": ("a prison sentence", "MODERATE"),
    "LICENCE": ("a prison sentence with release on licence", "MODERATE"),
}
#: Supervision type -> (wording, severity).
SUPERVISION = {
    "COMMUNITY_ORDER": ("a community order", "LOW"),
    "SUSPENDED_SENTENCE": ("a suspended sentence order", "LOW"),
    "LICENCE": ("licence after release from prison", "MODERATE"),
    "POST_SENTENCE_SUPERVISION": ("post-sentence supervision", "MODERATE"),
}
REGISTRATIONS = frozenset({"ROSH", "DOMESTIC_ABUSE_PERPETRATOR", "MAPPA"})
#: Risk of serious harm level -> (wording, severity).
ROSH_LEVELS = {
    "LOW": ("low", "LOW"),
    "MEDIUM": ("medium", "MODERATE"),
    "HIGH": ("high", "SERIOUS"),
    "VERY_HIGH": ("very high", "SERIOUS"),
}
MAPPA_CATEGORIES = {
    1: ("registered sexual offender", ["RISK_FROM_ADULT", "SEXUAL_ABUSE"]),
    2: ("violent offender", ["RISK_FROM_ADULT"]),
    3: ("other dangerous offender", ["RISK_FROM_ADULT"]),
}
#: Licence condition category -> (concerns, severity).
LICENCE_CONDITIONS: dict[str, tuple[list[str], str]] = {
    "CHILD_CONTACT": (["RISK_FROM_ADULT"], "SERIOUS"),
    "NON_CONTACT": ([], "MODERATE"),
    "EXCLUSION_ZONE": ([], "MODERATE"),
    "RESIDENCE": ([], "LOW"),
    "CURFEW": ([], "LOW"),
    "DRUG_TESTING": (["PARENTAL_SUBSTANCE_MISUSE"], "LOW"),
    "OTHER": ([], "LOW"),
}
#: A probation finding: ``_finding(crn, category, source_reference, *, concerns, ...)``.
_finding = partial(native.finding, AGENCY)


def all_findings(row: Fields, crn: str) -> list[dict[str, Any]]:
    """Everything one offender's record says, in the order of FORMAT.md's table."""
    return [
        *_conviction_findings(row, crn),
        *_supervision_findings(row, crn),
        *_registration_findings(row, crn),
        *_licence_findings(row, crn),
    ]


def _conviction_findings(row: Fields, crn: str) -> Iterator[dict[str, Any]]:
    for conviction in row.objects("convictions"):
        reference = conviction.text("convictionId")
        offence = conviction.text("offence")
        convicted = conviction.day("convictionDate")
        wording, severity = SENTENCES[conviction.code("sentenceType", SENTENCES)]
        months = conviction.optional_months("lengthMonths")
        sentence = f"{wording} ({months} months)" if months else wording
        concerns = ["PARENTAL_OFFENDING"]
        if conviction.flag("childVictim"):
            concerns.append("RISK_FROM_ADULT")
            severity = "SERIOUS"
        if conviction.flag("domesticAbuse"):
            concerns.append("DOMESTIC_ABUSE")
        summary = f"Convicted on {spoken(convicted)} of {offence}; sentenced to {sentence}."
        committed = conviction.optional_day("offenceDate")
        detail = f"Offence committed on {spoken(committed)}." if committed else None
        yield _finding(
            crn,
            "offence_history",
            reference,
            concerns=concerns,
            event_date=convicted,
            summary=summary,
            detail=detail,
            severity=severity,
        )


def _supervision_findings(row: Fields, crn: str) -> Iterator[dict[str, Any]]:
    supervision = row.nested("supervision")
    if supervision is None:
        return
    reference = supervision.text("supervisionId")
    wording, severity = SUPERVISION[supervision.code("type", SUPERVISION)]
    start = supervision.day("startDate")
    summary = f"Under probation supervision on {wording} since {spoken(start)}"
    end = supervision.optional_day("expectedEndDate")
    summary += f", expected to end {spoken(end)}." if end else "."
    manager, team = supervision.optional_text("offenderManager"), supervision.optional_text("team")
    detail = (
        f"Probation practitioner: {manager}" + (f", {team}." if team else ".") if manager else None
    )
    yield _finding(
        crn,
        "supervision",
        reference,
        concerns=["PARENTAL_OFFENDING"],
        event_date=start,
        summary=summary,
        detail=detail,
        severity=severity,
    )


def _registration_findings(row: Fields, crn: str) -> Iterator[dict[str, Any]]:
    for registration in row.objects("registrations"):
        reference = registration.text("registrationId")
        kind = registration.code("type", REGISTRATIONS)
        since = registration.day("startDate")
        notes = registration.optional_text("notes")
        if kind == "ROSH":
            wording, severity = ROSH_LEVELS[registration.code("level", ROSH_LEVELS)]
            if not registration.flag("riskToChildren"):
                continue
            summary = (
                f"Assessed on {spoken(since)} as posing a {wording} risk of serious harm,"
                " including to children."
            )
            yield _finding(
                crn,
                "risk_to_children",
                reference,
                concerns=["RISK_FROM_ADULT"],
                event_date=since,
                summary=summary,
                detail=notes,
                severity=severity,
            )
        elif kind == "DOMESTIC_ABUSE_PERPETRATOR":
            summary = f"Registered as a perpetrator of domestic abuse since {spoken(since)}."
            concerns = ["DOMESTIC_ABUSE"]
            yield _finding(
                crn,
                "domestic_abuse_perpetrator",
                reference,
                concerns=concerns,
                event_date=since,
                summary=summary,
                detail=notes,
                severity="MODERATE",
            )
        else:
            category = registration.number("mappaCategory", MAPPA_CATEGORIES)
            level = registration.number("mappaLevel", (1, 2, 3))
            wording, concerns = MAPPA_CATEGORIES[category]
            summary = (
                f"Managed under MAPPA (multi-agency public protection arrangements) since"
                f" {spoken(since)}: category {category}, {wording}; level {level}."
            )
            severity = "MODERATE" if level == 1 else "SERIOUS"
            yield _finding(
                crn,
                "supervision",
                reference,
                concerns=concerns,
                event_date=since,
                summary=summary,
                detail=notes,
                severity=severity,
            )


def _licence_findings(row: Fields, crn: str) -> Iterator[dict[str, Any]]:
    for condition in row.objects("licenceConditions"):
        reference = condition.text("conditionId")
        concerns, severity = LICENCE_CONDITIONS[condition.code("category", LICENCE_CONDITIONS)]
        description = condition.text("description").rstrip(". ")
        since = condition.optional_day("startDate")
        summary = f"Licence condition: {description}."
        yield _finding(
            crn,
            "licence_conditions",
            reference,
            concerns=concerns,
            event_date=since,
            summary=summary,
            severity=severity,
        )
