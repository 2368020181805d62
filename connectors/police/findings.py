"""What a force's records say about a person, as ``uk.mash.v1.Finding`` values.

The rules are those of ``FORMAT.md`` ("Findings"): warning markers, each role in an
occurrence, and arrests, with concern categories and a severity from the force's own
risk gradings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from connectors import native
from connectors.native import age_on, spoken

if TYPE_CHECKING:
    from connectors.police.records import Fields

AGENCY = "police"

#: Warning marker code -> (wording, severity).
MARKERS = {
    "FIREARMS": ("firearms", "SERIOUS"),
    "WEAPONS": ("weapons", "MODERATE"),
    "VIOLENCE": ("violence", "MODERATE"),
}
#: DASH and the other three-point police risk gradings -> Severity.
RISK_LEVELS = {"STANDARD": "LOW", "MEDIUM": "MODERATE", "HIGH": "SERIOUS"}
#: Child concern code -> (ConcernCategory, wording).
CHILD_CONCERNS = {
    "NEGLECT": ("NEGLECT", "neglect"),
    "PHYSICAL": ("PHYSICAL_ABUSE", "physical harm"),
    "EMOTIONAL": ("EMOTIONAL_ABUSE", "emotional harm"),
    "SEXUAL": ("SEXUAL_ABUSE", "sexual harm"),
    "SUBSTANCE_MISUSE": ("PARENTAL_SUBSTANCE_MISUSE", "a parent's substance misuse"),
    "MENTAL_HEALTH": ("PARENTAL_MENTAL_HEALTH", "a parent's mental health"),
    "OTHER": ("OTHER", "the child's welfare"),
}
EXPLOITATION = {
    "CSE": ("CHILD_SEXUAL_EXPLOITATION", "child sexual exploitation"),
    "CCE": ("CHILD_CRIMINAL_EXPLOITATION", "child criminal exploitation"),
}
CRIME_OUTCOMES = {
    "UNDER_INVESTIGATION": "still under investigation",
    "CHARGED": "charged",
    "CAUTION": "cautioned",
    "COMMUNITY_RESOLUTION": "dealt with by community resolution",
    "NFA": "no further action",
}
CUSTODY_OUTCOMES = {
    "CHARGED": "charged",
    "CAUTION": "cautioned",
    "NFA": "released with no further action",
    "RELEASED_UNDER_INVESTIGATION": "released under investigation",
}
ROLES = frozenset(
    {"VICTIM", "SUSPECT", "OFFENDER", "WITNESS", "CHILD_PRESENT", "MISSING_PERSON", "SUBJECT"}
)
#: Occurrence type -> its wording and the fields that type must carry.
OCCURRENCE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "DOMESTIC_ABUSE": ("domestic abuse incident", ("dash_risk",)),
    "CHILD_CONCERN": ("child concern report", ("concern", "risk_level")),
    "MISSING_PERSON": ("missing person report", ("hours_missing",)),
    "CRIME": ("crime", ("offence", "outcome")),
    "ASB": ("antisocial behaviour report", ()),
    "EXPLOITATION_INTELLIGENCE": ("intelligence report", ("exploitation_type", "risk_level")),
    "POLICE_PROTECTION": ("use of police protection", ("concern",)),
}
#: The coded fields of an occurrence and their code lists.
CODE_LISTS: dict[str, Mapping[str, object]] = {
    "dash_risk": RISK_LEVELS,
    "risk_level": RISK_LEVELS,
    "concern": CHILD_CONCERNS,
    "exploitation_type": EXPLOITATION,
    "outcome": CRIME_OUTCOMES,
}
#: A police finding: ``_finding(record_id, category, source_reference, *, concerns, ...)``.
_finding = partial(native.finding, AGENCY)


def _is_child(born: date | None, on: date) -> bool:
    """Under 18 on ``on``; someone whose date of birth is unknown counts as an adult."""
    return born is not None and age_on(born, on) < 18


def marker_findings(row: Fields, record_id: str) -> list[dict[str, Any]]:
    """The person's warning markers, one finding each."""
    findings: list[dict[str, Any]] = []
    born = row.optional_day("date_of_birth")
    for marker in row.objects("markers"):
        code = marker.code("code", MARKERS)
        added = marker.day("added")
        wording, severity = MARKERS[code]
        if not _is_child(born, added):
            concerns = ["RISK_FROM_ADULT"]
        elif code == "VIOLENCE":
            concerns = ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"]
        else:
            concerns = ["CHILD_CRIMINAL_EXPLOITATION"]
        reference = f"{record_id}/{code}"
        if any(finding["source_reference"] == reference for finding in findings):
            raise marker.fail("code", f"marker {code} appears twice")
        summary = f"Police warning marker for {wording}, added {spoken(added)}."
        findings.append(
            _finding(
                record_id,
                "weapons_or_violence_marker",
                reference,
                concerns=concerns,
                event_date=added,
                summary=summary,
                detail=marker.optional_text("note"),
                severity=severity,
            )
        )
    return findings


def _involved(row: Fields, born: Mapping[str, date | None]) -> list[tuple[str, str]]:
    """(person id, role) of everyone the occurrence names, each a person in the export."""
    involved: list[tuple[str, str]] = []
    for person in row.objects("involved"):
        record_id = person.text("person_id")
        if record_id not in born:
            raise person.fail("person_id", f"{record_id} is not in persons.jsonl")
        if any(known == record_id for known, _ in involved):
            raise person.fail("person_id", f"{record_id} is listed twice")
        involved.append((record_id, person.code("role", ROLES)))
    return involved


def occurrence_findings(
    row: Fields, born: Mapping[str, date | None]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """What one occurrence says about each person involved in it."""
    occurrence_id = row.text("occurrence_id")
    kind = row.code("type", OCCURRENCE_TYPES)
    when = row.day("date")
    wording, required = OCCURRENCE_TYPES[kind]
    for name in required:
        if row.values.get(name) is None:
            raise row.fail(name, f"is missing (required for {kind})")
        if name in CODE_LISTS:
            row.code(name, CODE_LISTS[name])
        elif name == "hours_missing":
            row.count(name)
    for name in ("against_child", "domestic"):
        row.flag(name)
    detail = row.optional_text("summary")
    on = f"on {spoken(when)}"
    for record_id, role in _involved(row, born):
        found: tuple[str, list[str], str, str] | None
        if role == "CHILD_PRESENT" and kind != "CHILD_CONCERN":
            found = _child_present(row, kind, f"Child present during a {wording} {on}")
        else:
            found = _role_finding(row, kind, role, _is_child(born[record_id], when), on)
        if found is not None:
            category, concerns, summary, severity = found
            yield (
                record_id,
                _finding(
                    record_id,
                    category,
                    occurrence_id,
                    concerns=concerns,
                    event_date=when,
                    summary=summary,
                    detail=detail,
                    severity=severity,
                ),
            )


def _child_present(row: Fields, kind: str, summary: str) -> tuple[str, list[str], str, str]:
    """A child who was there when something happened: a child concern in itself."""
    if kind == "DOMESTIC_ABUSE":
        dash = row.code("dash_risk", RISK_LEVELS)
        summary = f"{summary}; DASH risk {dash.lower()}."
        concerns = ["DOMESTIC_ABUSE", "EMOTIONAL_ABUSE"]
        return "child_concern_incident", concerns, summary, RISK_LEVELS[dash]
    concerns = ["DOMESTIC_ABUSE"] if kind == "CRIME" and row.flag("domestic") else []
    return "child_concern_incident", concerns, f"{summary}.", "LOW"


def _role_finding(
    row: Fields, kind: str, role: str, child: bool, on: str
) -> tuple[str, list[str], str, str] | None:
    """Category, concerns, summary and severity for one role in one occurrence, if any."""
    offender = role in ("SUSPECT", "OFFENDER")
    as_role = "an offender" if role == "OFFENDER" else f"the {role.lower()}"
    if kind == "DOMESTIC_ABUSE" and (role == "VICTIM" or offender):
        dash = row.code("dash_risk", RISK_LEVELS)
        concerns = ["DOMESTIC_ABUSE", "RISK_FROM_ADULT"] if offender else ["DOMESTIC_ABUSE"]
        summary = f"Recorded as {as_role} in a domestic abuse incident {on}; DASH risk"
        return "domestic_abuse_incident", concerns, f"{summary} {dash.lower()}.", RISK_LEVELS[dash]
    if kind == "POLICE_PROTECTION" and role == "SUBJECT":
        concern, about = CHILD_CONCERNS[row.code("concern", CHILD_CONCERNS)]
        summary = f"Taken into police protection (Children Act 1989 s46) {on} because of {about}."
        return "police_protection", [concern], summary, "SERIOUS"
    if kind == "CHILD_CONCERN" and (offender or role in ("SUBJECT", "VICTIM", "CHILD_PRESENT")):
        concern, about = CHILD_CONCERNS[row.code("concern", CHILD_CONCERNS)]
        level = row.code("risk_level", RISK_LEVELS)
        who = f"Named as {as_role} in a" if offender else "Subject of a"
        summary = f"{who} police child concern report {on} about {about}; risk {level.lower()}."
        return "child_concern_incident", [concern], summary, RISK_LEVELS[level]
    if kind == "MISSING_PERSON" and role == "MISSING_PERSON":
        hours = row.count("hours_missing")
        severity = "LOW" if hours < 24 else "MODERATE" if hours < 72 else "SERIOUS"
        concerns = ["MISSING_FROM_HOME"] if child else []
        summary = f"Reported missing {on}; missing for {hours} hours."
        return "missing_episode", concerns, summary, severity
    if kind == "CRIME":
        return _crime_finding(row, role, child, on)
    if kind == "ASB" and role == "VICTIM":
        summary = f"Reported antisocial behaviour against them {on}."
        return "antisocial_behaviour", [], summary, "LOW"
    if kind == "ASB" and role == "SUBJECT":
        concerns = ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"] if child else []
        summary = f"Named as responsible for antisocial behaviour {on}."
        return "antisocial_behaviour", concerns, summary, "LOW"
    if kind == "EXPLOITATION_INTELLIGENCE" and (offender or role in ("SUBJECT", "VICTIM")):
        concern, wording = EXPLOITATION[row.code("exploitation_type", EXPLOITATION)]
        level = row.code("risk_level", RISK_LEVELS)
        if offender:
            concerns = [concern, "RISK_FROM_ADULT"]
            summary = f"Named in police intelligence {on} as a suspected perpetrator of {wording}."
        else:
            concerns = [concern]
            summary = (
                f"Police intelligence {on} indicates a risk of {wording}; risk {level.lower()}."
            )
        return "exploitation_intelligence", concerns, summary, RISK_LEVELS[level]
    return None


def _crime_finding(
    row: Fields, role: str, child: bool, on: str
) -> tuple[str, list[str], str, str] | None:
    offence = row.text("offence")
    outcome = row.code("outcome", CRIME_OUTCOMES)
    against_child, domestic = row.flag("against_child"), row.flag("domestic")
    if role == "VICTIM":
        concerns = ["DOMESTIC_ABUSE"] if domestic else []
        summary = f"Recorded as the victim of {offence} {on}."
        return "crime_victim", concerns, summary, "MODERATE" if against_child else "LOW"
    if role not in ("SUSPECT", "OFFENDER"):
        return None
    category, concerns = _offending(child, against_child, domestic)
    summary = f"Recorded as the {role.lower()} for {offence} {on}; {CRIME_OUTCOMES[outcome]}."
    return category, concerns, summary, _offence_severity(outcome, against_child)


def _offending(child: bool, against_child: bool, domestic: bool) -> tuple[str, list[str]]:
    """The category and concerns of an offence someone is suspected of or charged with."""
    if child:
        concerns = ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"]
        concerns += ["CHILD_ON_CHILD_ABUSE"] if against_child else []
    else:
        concerns = ["PARENTAL_OFFENDING"] + (["RISK_FROM_ADULT"] if against_child else [])
    concerns += ["DOMESTIC_ABUSE"] if domestic else []
    category = "offence_against_children" if against_child else "crime_suspect_or_offender"
    return category, concerns


def _offence_severity(outcome: str, against_child: bool) -> str:
    """Charged is worse than cautioned, which is worse than no further action or still open."""
    if outcome == "CHARGED":
        return "SERIOUS" if against_child else "MODERATE"
    if outcome in ("CAUTION", "COMMUNITY_RESOLUTION"):
        return "SERIOUS" if against_child else "LOW"
    return "MODERATE" if against_child else "LOW"


def custody_finding(row: Fields, born: Mapping[str, date | None]) -> tuple[str, dict[str, Any]]:
    """An arrest and what came of it, as a finding about the person arrested."""
    custody_id = row.text("custody_id")
    record_id = row.text("person_id")
    if record_id not in born:
        raise row.fail("person_id", f"{record_id} is not in persons.jsonl")
    arrested = row.day("arrest_date")
    offence = row.text("offence")
    outcome = row.code("outcome", CUSTODY_OUTCOMES)
    against_child, domestic = row.flag("against_child"), row.flag("domestic")
    category, concerns = _offending(_is_child(born[record_id], arrested), against_child, domestic)
    kind = " (against a child)" if against_child else " (domestic abuse)" if domestic else ""
    summary = f"Arrested on {spoken(arrested)} for {offence}{kind}; {CUSTODY_OUTCOMES[outcome]}."
    severity = _offence_severity(outcome, against_child)
    detail = row.optional_text("notes")
    return record_id, _finding(
        record_id,
        category,
        custody_id,
        concerns=concerns,
        event_date=arrested,
        summary=summary,
        detail=detail,
        severity=severity,
    )
