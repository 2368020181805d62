"""What the pupil database says about a pupil, as ``uk.mash.v1.Finding`` values.

The rules are those of ``FORMAT.md`` ("Findings"): special educational needs, the
current school and frequent moves, attendance per academic year, suspensions and
permanent exclusions (with the behaviour behind them), and children missing education.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from connectors import native
from connectors.native import spoken, upper_first

if TYPE_CHECKING:
    from connectors.education.records import Row

AGENCY = "education"
ATTENDANCE_OR_EXCLUSION = "EDUCATION_ATTENDANCE_OR_EXCLUSION"
_HARM_TO_OTHERS = "CHILD_ON_CHILD_ABUSE"
_OFFENDING = "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"
_SUBSTANCES = "CHILD_SUBSTANCE_MISUSE"
_SEXUAL = "HARMFUL_SEXUAL_BEHAVIOUR"
_URN = re.compile(r"\d{6}")
_YEAR = re.compile(r"(\d{4})/(\d{2})")

#: DfE school census primary SEN type of need.
SEN_NEEDS = {
    "SPLD": "specific learning difficulty",
    "MLD": "moderate learning difficulty",
    "SLD": "severe learning difficulty",
    "PMLD": "profound and multiple learning difficulty",
    "SEMH": "social, emotional and mental health needs",
    "SLCN": "speech, language and communication needs",
    "HI": "hearing impairment",
    "VI": "vision impairment",
    "MSI": "multi-sensory impairment",
    "PD": "physical disability",
    "ASD": "autistic spectrum disorder",
    "OTH": "another difficulty or disability",
    "NSA": "no specialist assessment of need yet",
}
#: DfE school census exclusion reasons: wording, and the concern the behaviour raises.
EXCLUSION_REASONS: dict[str, tuple[str, str | None]] = {
    "PP": ("physical assault against a pupil", _HARM_TO_OTHERS),
    "PA": ("physical assault against an adult", _OFFENDING),
    "VP": ("verbal abuse or threatening behaviour against a pupil", _HARM_TO_OTHERS),
    "VA": ("verbal abuse or threatening behaviour against an adult", _OFFENDING),
    "OW": ("use or threat of use of an offensive weapon or prohibited item", _OFFENDING),
    "BW": ("bringing a weapon or prohibited item into school", _OFFENDING),
    "BU": ("bullying", _HARM_TO_OTHERS),
    "TB": ("cyber-bullying or threatening behaviour online", _HARM_TO_OTHERS),
    "RA": ("racist abuse", _HARM_TO_OTHERS),
    "LG": ("abuse against sexual orientation or gender identity", _HARM_TO_OTHERS),
    "DS": ("abuse relating to disability", _HARM_TO_OTHERS),
    "SM": ("sexual misconduct", _SEXUAL),
    "SB": ("harmful sexual behaviour", _SEXUAL),
    "DR": ("drug-related behaviour", _SUBSTANCES),
    "AR": ("alcohol-related behaviour", _SUBSTANCES),
    "DA": ("drug and alcohol related behaviour", _SUBSTANCES),
    "DM": ("damage to property", _OFFENDING),
    "TH": ("theft", _OFFENDING),
    "DB": ("persistent or general disruptive behaviour", None),
    "LD": ("persistent low-level disruption", None),
    "CB": ("persistent challenging behaviour", None),
    "MT": ("inappropriate use of social media or online technology", None),
    "MP": ("use of a mobile phone", None),
    "OS": ("misbehaviour outside school", None),
    "PH": ("breaching measures to protect public health", None),
    "OT": ("another reason", None),
}
#: Reasons that make a suspension, and the behaviour finding, at least MODERATE.
SERIOUS_REASONS = frozenset({"PP", "PA", "OW", "BW", "SM", "SB"})
LEAVING_REASONS = {
    "END_OF_PHASE": "end of the school phase",
    "MOVED_HOUSE": "moved house",
    "PARENTAL_CHOICE": "parents chose another school",
    "MANAGED_MOVE": "managed move",
    "PERMANENT_EXCLUSION": "permanently excluded",
    "ELECTIVE_HOME_EDUCATION": "withdrawn for home education",
    "CME": "removed from roll, whereabouts unknown",
    "OTHER": "another reason",
}
CME_STATUSES = {
    "OPEN": ("whereabouts still unknown", "SERIOUS"),
    "TRACED": ("traced, not yet back in education", "MODERATE"),
    "RESOLVED": ("now back in education", "LOW"),
}


#: An education finding: ``finding(upn, category, source_reference, *, concerns, ...)``.
finding = partial(native.finding, AGENCY)


def pupil_findings(pupil: Row, events: Sequence[Row]) -> tuple[dict[str, Any], ...]:
    """Every finding about one pupil, from their ``pupils.csv`` row and their other rows."""
    upn = pupil.text("UPN")
    by_file: dict[str, list[Row]] = {}
    for row in events:
        by_file.setdefault(row.path.name, []).append(row)
    return (
        *_special_needs(pupil, upn),
        *_school(pupil, upn, by_file.get("school_history.csv", [])),
        *_attendance(upn, by_file.get("attendance.csv", [])),
        *_exclusions(upn, by_file.get("exclusions.csv", [])),
        *_missing_education(upn, by_file.get("cme.csv", [])),
    )


def _special_needs(pupil: Row, upn: str) -> list[dict[str, Any]]:
    pupil.code("FSM Eligible", ("Y", "N"))  # checked, but not shared: not a safeguarding fact
    provision = pupil.code("SEN Provision", ("N", "K", "E"))
    plan = pupil.code("EHCP", ("Y", "N"))
    if (provision == "E") != (plan == "Y"):
        raise pupil.fail("EHCP", f"{plan} does not agree with SEN Provision {provision}")
    if provision == "N":
        pupil.code("Primary SEN Need", ("",))
        return []
    need = pupil.code("Primary SEN Need", SEN_NEEDS)
    support = "Has an Education, Health and Care plan" if plan == "Y" else "Receives SEN support"
    concerns = ["DISABILITY_OR_COMPLEX_NEEDS"]
    if need == "SEMH":
        concerns.append("CHILD_MENTAL_HEALTH_OR_SELF_HARM")
    return [
        finding(
            upn,
            "special_educational_needs",
            f"pupils.csv:{upn}",
            concerns=concerns,
            event_date=None,
            summary=f"{support}; primary need: {SEN_NEEDS[need]}.",
            severity="MODERATE" if plan == "Y" else "LOW",
        )
    ]


@dataclass(frozen=True)
class _Stay:
    """A time on one school's roll (``school_history.csv``)."""

    entry: date
    leaving: date | None
    reason: str
    urn: str
    name: str

    def left(self) -> str:
        return f"left {self.name} on {spoken(self.leaving)} ({LEAVING_REASONS[self.reason]})"


def _school(pupil: Row, upn: str, history: list[Row]) -> list[dict[str, Any]]:
    """The current school, and school moves when there have been several lately."""
    stays = []
    for row in history:
        attended = school(row)
        if attended is None:
            raise row.fail("School URN", "is blank")
        entry, leaving = row.day("Entry Date"), row.optional_day("Leaving Date")
        reason = row.code("Leaving Reason", LEAVING_REASONS if leaving else ("",))
        if leaving and leaving < entry:
            raise row.fail("Leaving Date", "is before the entry date")
        stays.append(_Stay(entry, leaving, reason, *attended))
    current = school(pupil)
    if current is None and not stays:
        return []
    moves = sorted(
        (stay for stay in stays if stay.leaving and stay.reason != "END_OF_PHASE"),
        key=lambda stay: stay.leaving or date.min,
    )
    window_end = moves[-1].leaving if moves else None
    recent = [
        stay
        for stay in moves
        if window_end and stay.leaving and stay.leaving > window_end - timedelta(730)
    ]
    if current:
        joined = sorted(s.entry for s in stays if s.urn == current[0] and s.leaving is None)
        since = f" since {spoken(joined[-1])}" if joined else ""
        summary = f"On roll at {current[1]} (URN {current[0]}){since}."
        when, severity = (joined[-1] if joined else None), "NONE"
    else:
        last = max(stays, key=lambda stay: stay.leaving or date.max)
        summary = "Not on the roll of any school."
        if last.leaving:
            summary += f" {upper_first(last.left())}."
        when, severity = last.leaving, "LOW"
    detail = None
    if len(recent) >= 2:
        summary += f" Left {len(recent)} schools in two years, other than at the end of a phase."
        severity = "MODERATE" if len(recent) >= 3 else "LOW"
        when = window_end
        detail = upper_first("; ".join(stay.left() for stay in recent)) + "."
    return [
        finding(
            upn,
            "school_moves",
            f"pupils.csv:{upn}",
            concerns=[] if severity == "NONE" else [ATTENDANCE_OR_EXCLUSION],
            event_date=when,
            summary=summary,
            detail=detail,
            severity=severity,
        )
    ]


def _attendance(upn: str, rows: list[Row]) -> list[dict[str, Any]]:
    found = []
    years: set[str] = set()
    for row in rows:
        year = academic_year(row)
        if year in years:
            raise row.fail("Academic Year", f"{year} appears twice for {upn}")
        years.add(year)
        start, end = row.day("Period Start"), row.day("Period End")
        if end < start:
            raise row.fail("Period End", "is before the period start")
        possible, attended = row.count("Possible Sessions"), row.count("Attended Sessions")
        authorised, unauthorised = (
            row.count("Authorised Absence"),
            row.count("Unauthorised Absence"),
        )
        if possible == 0 or attended + authorised + unauthorised != possible:
            raise row.fail(
                "Possible Sessions", "must be attended plus authorised and unauthorised absence"
            )
        rate = 100 * attended / possible
        severity, label = "NONE", ""
        if rate < 50:
            severity, label = "SERIOUS", " Severe absence (below 50%)."
        elif rate < 90:
            severity, label = "MODERATE", " Persistent absence (below 90%)."
        found.append(
            finding(
                upn,
                "attendance",
                f"attendance.csv:{upn}:{year}",
                concerns=[] if severity == "NONE" else [ATTENDANCE_OR_EXCLUSION],
                event_date=end,
                summary=f"Attended {rate:.1f}% of sessions in {year} (to {spoken(end)}).{label}",
                detail=f"{possible} possible sessions: {attended} attended, {authorised}"
                f" authorised and {unauthorised} unauthorised absences.",
                severity=severity,
            )
        )
    return found


def _exclusions(upn: str, rows: list[Row]) -> list[dict[str, Any]]:
    """Each suspension or permanent exclusion, and the behaviour behind it if it harmed others."""
    events = []
    starts: set[date] = set()
    for row in rows:
        start = row.day("Start Date")
        if start in starts:
            raise row.fail("Start Date", f"a second exclusion of {upn} starts that day")
        starts.add(start)
        category = row.code("Category", ("SUSPENSION", "PERMANENT"))
        sessions = row.count("Sessions") if category == "SUSPENSION" else None
        if sessions == 0:
            raise row.fail("Sessions", "a suspension lasts at least one session")
        events.append((start, category, sessions, row.code("Reason", EXCLUSION_REASONS)))
    events.sort()
    found = []
    suspensions: list[date] = []
    for start, category, sessions, reason in events:
        wording, concern = EXCLUSION_REASONS[reason]
        source = f"exclusions.csv:{upn}:{start.isoformat()}"
        if category == "PERMANENT":
            summary, severity = f"Permanently excluded from {spoken(start)}: {wording}.", "SERIOUS"
        else:
            suspensions.append(start)
            recent = sum(1 for day in suspensions if day > start - timedelta(365))
            summary = f"Suspended for {sessions} sessions from {spoken(start)}: {wording}."
            severity = "MODERATE" if recent >= 3 or reason in SERIOUS_REASONS else "LOW"
        found.append(
            finding(
                upn,
                "exclusion",
                source,
                concerns=[ATTENDANCE_OR_EXCLUSION, *([concern] if concern else [])],
                event_date=start,
                summary=summary,
                severity=severity,
            )
        )
        if concern:
            found.append(
                finding(
                    upn,
                    "behaviour",
                    source,
                    concerns=[concern],
                    event_date=start,
                    summary=f"Behaviour that led to exclusion on {spoken(start)}: {wording}.",
                    severity="MODERATE" if reason in SERIOUS_REASONS else "LOW",
                )
            )
    return found


def _missing_education(upn: str, rows: list[Row]) -> list[dict[str, Any]]:
    found = []
    reports: set[date] = set()
    for row in sorted(rows, key=lambda row: row.day("Date Reported")):
        reported = row.day("Date Reported")
        if reported in reports:
            raise row.fail("Date Reported", f"a second report of {upn} is dated that day")
        reports.add(reported)
        outcome, severity = CME_STATUSES[row.code("Status", CME_STATUSES)]
        found.append(
            finding(
                upn,
                "child_missing_education",
                f"cme.csv:{upn}:{reported.isoformat()}",
                concerns=["CHILD_MISSING_EDUCATION"],
                event_date=reported,
                summary=f"Reported as a child missing education on {spoken(reported)}; {outcome}.",
                detail=row.optional_text("Notes"),
                severity=severity,
            )
        )
    return found


def academic_year(row: Row) -> str:
    """The ``Academic Year`` column, checked: ``2025/26``."""
    value = row.text("Academic Year")
    match = _YEAR.fullmatch(value)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise row.fail("Academic Year", f"{value!r} is not an academic year such as 2025/26")
    return value


def school(row: Row) -> tuple[str, str] | None:
    """The row's school as (URN, name), or None if both are blank."""
    urn, name = row.optional_text("School URN"), row.optional_text("School Name")
    if urn is None and name is None:
        return None
    if urn is None or not _URN.fullmatch(urn):
        raise row.fail("School URN", f"{urn!r} is not a six-digit URN")
    if name is None:
        raise row.fail("School Name", "is blank")
    return urn, name
